package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
)

// logAttempt is the key of one attempt's log.
type logAttempt struct{ arn, task string }

// AppendLogs stores chunks and cuts each attempt they touch to maxBytes,
// its newest bytes, in one transaction.
func (s *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	if maxBytes <= 0 {
		maxBytes = store.DefaultMaxLogBytes
	}
	for i, c := range chunks {
		if c == nil || c.ExecutionArn == "" || c.TaskID == "" {
			return fmt.Errorf("sqlite: append logs: chunk %d has no execution or task", i)
		}
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		added := map[logAttempt]int64{}
		var order []logAttempt
		for _, ch := range chunks {
			res, err := c.ExecContext(ctx, `INSERT INTO task_logs (execution_arn, task_id, state_name, attempt, stream, at, data)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, ch.ExecutionArn, ch.TaskID, ch.StateName, ch.Attempt, ch.Stream, nanos(ch.Time), nonNil(ch.Data))
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
			if err := s.capLog(ctx, c, k, added[k], maxBytes); err != nil {
				return err
			}
		}
		return nil
	})
}

// capLog adds n bytes to the size of attempt k and, past maxBytes, cuts
// its oldest bytes: whole chunks, then the head of the oldest one kept.
func (s *Store) capLog(ctx context.Context, c *sql.Conn, k logAttempt, n, maxBytes int64) error {
	var kept, cut, first int64
	err := c.QueryRowContext(ctx, `SELECT kept, cut, first_seq FROM task_log_attempts WHERE execution_arn = ? AND task_id = ?`,
		k.arn, k.task).Scan(&kept, &cut, &first)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("task log size: %w", err)
	}
	kept += n
	if over := kept - maxBytes; over > 0 {
		rows, err := c.QueryContext(ctx, `SELECT seq, length(data) FROM task_logs
			WHERE execution_arn = ? AND task_id = ? ORDER BY seq`, k.arn, k.task)
		if err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
		var drop []int64
		var trimSeq, trim int64
		for over > 0 && rows.Next() {
			var seq, size int64
			if err := rows.Scan(&seq, &size); err != nil {
				rows.Close()
				return err
			}
			if size <= over {
				drop = append(drop, seq)
				over -= size
				continue
			}
			trimSeq, trim, over = seq, over, 0
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
		cut += kept - maxBytes
		kept = maxBytes
		err = c.QueryRowContext(ctx, `SELECT min(seq) FROM task_logs WHERE execution_arn = ? AND task_id = ?`, k.arn, k.task).Scan(&first)
		if err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
	}
	_, err = c.ExecContext(ctx, `INSERT INTO task_log_attempts (execution_arn, task_id, kept, cut, first_seq) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (execution_arn, task_id) DO UPDATE SET kept = excluded.kept, cut = excluded.cut, first_seq = excluded.first_seq`,
		k.arn, k.task, kept, cut, first)
	if err != nil {
		return fmt.Errorf("task log size: %w", err)
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
	rows, err := s.query(ctx, `SELECT l.seq, l.task_id, l.state_name, l.attempt, l.stream, l.at, l.data, a.cut, a.first_seq
		FROM task_logs l JOIN task_log_attempts a ON a.execution_arn = l.execution_arn AND a.task_id = l.task_id
		WHERE l.execution_arn = ? AND l.seq > ? AND (? = '' OR l.state_name = ?) AND (? = 0 OR l.attempt = ?)
		ORDER BY l.seq LIMIT ?`, arn, q.After, q.StateName, q.StateName, q.Attempt, q.Attempt, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.LogChunk
	for rows.Next() {
		ch := &store.LogChunk{ExecutionArn: arn}
		var at, cut, first int64
		if err := rows.Scan(&ch.Seq, &ch.TaskID, &ch.StateName, &ch.Attempt, &ch.Stream, &at, &ch.Data, &cut, &first); err != nil {
			return nil, err
		}
		ch.Time = fromNanos(at)
		if cut > 0 && ch.Seq == first && q.After < first {
			ch.Cut = cut
			ch.Data = append([]byte(store.CutMarker(cut)), ch.Data...)
		}
		out = append(out, ch)
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
		if status == "RUNNING" {
			return fmt.Errorf("execution %q is RUNNING: stop it first: %w", arn, store.ErrConflict)
		}
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
	})
}
