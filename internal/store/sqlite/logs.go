package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// logAttempt is the key of one attempt's log.
type logAttempt struct{ arn, task string }

// AppendLogs stores chunks and cuts each attempt they touch to maxBytes,
// its newest bytes, in one transaction.
//
// With DurabilityFull it commits without syncing the WAL (synchronous =
// NORMAL for this transaction only): a task's log must not cost a sync on
// each task's end, which would slow every step of a workflow. Its frames
// are made durable by the next transition's sync (the WAL is appended in
// order), and they survive a crash of the process in any case; a power
// loss may lose the logs written since the last transition, never a
// transition.
func (s *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	if maxBytes <= 0 {
		maxBytes = store.DefaultMaxLogBytes
	}
	for i, c := range chunks {
		if c == nil || c.ExecutionArn == "" || c.TaskID == "" {
			return fmt.Errorf("sqlite: append logs: chunk %d has no execution or task", i)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.full && !s.closed && !s.syncDirty {
		if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
			return fmt.Errorf("sqlite: append logs: %w", err)
		}
		defer func() {
			if _, err := s.w.ExecContext(context.Background(), "PRAGMA synchronous = FULL"); err != nil {
				s.syncDirty = true // the next write sets it, or fails
			}
		}()
	}
	return s.tx(ctx, func(c *sql.Conn, ws *writeStmts) error {
		ins, err := ws.prepared(`INSERT INTO task_logs (execution_arn, task_id, state_name, attempt, stream, at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		added := map[logAttempt]int64{}
		var order []logAttempt
		for _, ch := range chunks {
			res, err := ins.ExecContext(ctx, ch.ExecutionArn, ch.TaskID, ch.StateName, ch.Attempt, ch.Stream, sqlrows.Nanos(ch.Time), sqlrows.NonNil(ch.Data))
			if err != nil {
				return fmt.Errorf("task log: %w", err)
			}
			if ch.Seq, err = res.LastInsertId(); err != nil {
				return err
			}
			k := logAttempt{ch.ExecutionArn, ch.TaskID}
			if _, ok := added[k]; !ok {
				order = append(order, k)
			}
			added[k] += int64(len(ch.Data))
		}
		for _, k := range order {
			if err := capLog(ctx, c, ws, k, added[k], maxBytes); err != nil {
				return err
			}
		}
		return nil
	})
}

// prepared returns the writer's statement for q, prepared on first use.
func (ws *writeStmts) prepared(q string) (*sql.Stmt, error) {
	if st, ok := ws.multi[q]; ok {
		return st, nil
	}
	st, err := ws.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	ws.multi[q] = st
	return st, nil
}

// capLog adds n bytes to the size of attempt k and, past maxBytes, cuts
// its oldest bytes: whole chunks, then the head of the oldest one kept.
func capLog(ctx context.Context, c *sql.Conn, ws *writeStmts, k logAttempt, n, maxBytes int64) error {
	size, err := ws.prepared(`INSERT INTO task_log_attempts (execution_arn, task_id, kept, cut, first_seq) VALUES (?, ?, ?, 0, 0)
		ON CONFLICT (execution_arn, task_id) DO UPDATE SET kept = kept + excluded.kept RETURNING kept`)
	if err != nil {
		return err
	}
	var kept int64
	if err := size.QueryRowContext(ctx, k.arn, k.task, n).Scan(&kept); err != nil {
		return fmt.Errorf("task log size: %w", err)
	}
	over := kept - maxBytes
	if over <= 0 {
		return nil
	}
	rows, err := c.QueryContext(ctx, `SELECT seq, length(data) FROM task_logs
		WHERE execution_arn = ? AND task_id = ? ORDER BY seq`, k.arn, k.task)
	if err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	drop, trimSeq, trim, err := sqlrows.ScanLogCut(rows, over)
	if err != nil {
		rows.Close()
		return err
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	for _, seq := range drop {
		if _, err := c.ExecContext(ctx, `DELETE FROM task_logs WHERE seq = ?`, seq); err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
	}
	if trim > 0 {
		if _, err := c.ExecContext(ctx, `UPDATE task_logs SET data = substr(data, ?) WHERE seq = ?`, trim+1, trimSeq); err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
	}
	_, err = c.ExecContext(ctx, `UPDATE task_log_attempts SET kept = ?, cut = cut + ?,
		first_seq = (SELECT min(seq) FROM task_logs WHERE execution_arn = ? AND task_id = ?)
		WHERE execution_arn = ? AND task_id = ?`, maxBytes, over, k.arn, k.task, k.arn, k.task)
	if err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	return nil
}

// ReadLogs returns the chunks q selects, the first one kept of a cut
// attempt with the cut marker when the reader had not passed it.
func (s *Store) ReadLogs(ctx context.Context, arn string, q store.LogQuery) (_ []*store.LogChunk, err error) {
	defer s.fault(&err)
	n := q.Limit
	if n <= 0 {
		n = 1000
	}
	rows, err := s.query(ctx, `SELECT `+sqlrows.LogColumns+`
		FROM task_logs l JOIN task_log_attempts a ON a.execution_arn = l.execution_arn AND a.task_id = l.task_id
		WHERE l.execution_arn = ? AND l.seq > ? AND (? = '' OR l.state_name = ?) AND (? = 0 OR l.attempt = ?)
		ORDER BY l.seq LIMIT ?`, arn, q.After, q.StateName, q.StateName, q.Attempt, q.Attempt, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, err := sqlrows.ScanLogs(rows, arn, q)
	if err != nil {
		return nil, err
	}
	return out, rows.Err()
}

// DeleteExecution removes an ended execution with its history, tasks,
// timers and task logs.
func (s *Store) DeleteExecution(ctx context.Context, arn string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		var id int64
		var status string
		err := c.QueryRowContext(ctx, `SELECT id, status FROM executions WHERE arn = ?`, arn).Scan(&id, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("execution %q: %w", arn, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status == "RUNNING" || status == "QUEUED" {
			return fmt.Errorf("execution %q is %s: stop it first: %w", arn, status, store.ErrConflict)
		}
		return s.deleteExecution(ctx, c, id, arn)
	})
}

// deleteExecution deletes execution id (ARN arn) with its history, tasks,
// timers and task logs, within a write transaction.
func (s *Store) deleteExecution(ctx context.Context, c *sql.Conn, id int64, arn string) error {
	for _, q := range []string{
		`DELETE FROM history WHERE execution_id = ?`,
		`DELETE FROM tasks WHERE execution_id = ?`,
		`DELETE FROM timers WHERE execution_id = ?`,
		`DELETE FROM execution_inputs WHERE execution_id = ?`,
		`DELETE FROM executions WHERE id = ?`,
	} {
		if _, err := c.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete execution: %w", err)
		}
	}
	for _, q := range []string{
		`DELETE FROM task_logs WHERE execution_arn = ?`,
		`DELETE FROM task_log_attempts WHERE execution_arn = ?`,
	} {
		if _, err := c.ExecContext(ctx, q, arn); err != nil {
			return fmt.Errorf("delete execution: %w", err)
		}
	}
	// Only RUNNING executions are cached; an ended one may still be
	// there if it ended in this process: forget it.
	delete(s.cache.m, arn)
	return nil
}
