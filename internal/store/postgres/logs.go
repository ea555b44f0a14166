package postgres

// Task logs (AppendLogs, ReadLogs) and the deletion of an execution with
// everything kept of it.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// lockTaskLogs is the first key of the advisory locks of executions' task
// logs (the second is hashtext of the execution's ARN). A key of two int4
// is apart from the one-bigint keys (goose's migration lock, say).
const lockTaskLogs int32 = 0x6c6f6700 // "log\0"

// lockLogs takes the advisory lock of the task logs of each execution of
// arns, until the transaction ends, in the order of the keys (not of the
// ARNs: two ARNs may hash alike), so that two transactions locking several
// never wait for each other in a cycle.
//
// Why: task_logs.seq comes from a sequence, and sequence values are handed
// out when the row is inserted, not when it commits. Two writers of one
// execution without the lock could take seq 5 and 6 and commit 6 first; a
// reader tailing the log would read 6, move its cursor past 5, and never
// see 5. Under the lock the writers of one execution take turns: the next
// one takes its seq values after the previous one committed (the lock is
// released after the commit is visible), so an execution's chunks become
// visible in seq order, and "after seq N" never skips one that commits
// later. Writers of different executions do not wait for each other (but
// for a collision of hashes).
func lockLogs(ctx context.Context, tx pgx.Tx, arns []string) error {
	// OFFSET 0 keeps the sorted subquery apart, so that the locks are
	// taken row by row in its order.
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, k) FROM (
		SELECT DISTINCT hashtext(a) AS k FROM unnest($2::text[]) AS a ORDER BY k OFFSET 0) AS keys`, lockTaskLogs, arns)
	if err != nil {
		return fmt.Errorf("task log lock: %w", err)
	}
	return nil
}

// logFence is the check of an AppendLogs of a cluster member's store:
// the partitions of the executions whose logs it writes (nil: none, or
// not a member). The logs of a partition a node no longer holds are not
// stored, as its transitions are not.
func (s *Store) logFence(arns []string) *partFence {
	m := s.member.Load()
	if m == nil {
		return nil
	}
	var set partition.Set
	for _, a := range arns {
		if fencedArn(a) {
			set = set.With(partition.Of(a))
		}
	}
	if set == 0 {
		return nil
	}
	return &partFence{m: m, parts: set.List()}
}

// fencedArn reports whether the logs of an execution are fenced: those of
// Standard executions ("...:execution:..."); an Express execution runs
// on the node that started it, whatever its partition.
func fencedArn(arn string) bool {
	f := strings.SplitN(arn, ":", 7)
	return len(f) == 7 && f[5] == "execution"
}

// logAttempt is the key of one attempt's log.
type logAttempt struct{ arn, task string }

// AppendLogs stores chunks and cuts each attempt they touch to maxBytes,
// its newest bytes, in one transaction, holding the lock of each execution
// it appends to (see lockLogs).
func (s *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	if maxBytes <= 0 {
		maxBytes = store.DefaultMaxLogBytes
	}
	var arns []string
	for i, c := range chunks {
		if c == nil || c.ExecutionArn == "" || c.TaskID == "" {
			return fmt.Errorf("postgres: append logs: chunk %d has no execution or task", i)
		}
		arns = append(arns, c.ExecutionArn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(chunks) == 0 {
		return nil
	}
	slices.Sort(arns)
	arns = slices.Compact(arns)
	pf := s.logFence(arns)
	seqs := make([]int64, len(chunks))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if pf != nil {
			rows, err := tx.Query(ctx, partFenceQuery, pf.parts)
			if err != nil {
				return err
			}
			if err := pf.check(rows); err != nil {
				return err
			}
		}
		if err := lockLogs(ctx, tx, arns); err != nil {
			return err
		}
		// One INSERT a chunk, in order, in one round trip: their seq
		// values follow the order of chunks.
		b := &pgx.Batch{}
		for _, ch := range chunks {
			b.Queue(`INSERT INTO task_logs (execution_arn, task_id, state_name, attempt, stream, at, data)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
				ch.ExecutionArn, ch.TaskID, ch.StateName, ch.Attempt, ch.Stream, sqlrows.Nanos(ch.Time), sqlrows.NonNil(ch.Data))
		}
		br := tx.SendBatch(ctx, b)
		for i := range chunks {
			if err := br.QueryRow().Scan(&seqs[i]); err != nil {
				br.Close()
				return fmt.Errorf("task log: %w", err)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("task log: %w", err)
		}
		added := map[logAttempt]int64{}
		var order []logAttempt
		for _, ch := range chunks {
			k := logAttempt{ch.ExecutionArn, ch.TaskID}
			if _, ok := added[k]; !ok {
				order = append(order, k)
			}
			added[k] += int64(len(ch.Data))
		}
		for _, k := range order {
			if err := capLog(ctx, tx, k, added[k], maxBytes); err != nil {
				return err
			}
		}
		return nil
	})
	if lost := (*store.PartitionsLostError)(nil); errors.As(err, &lost) {
		// The logs of the executions of partitions this node lost are
		// not its to write any more (their steps were stopped); the rest
		// of the batch is stored.
		var rest []*store.LogChunk
		for _, ch := range chunks {
			if !slices.Contains(lost.Parts, partition.Of(ch.ExecutionArn)) || !fencedArn(ch.ExecutionArn) {
				rest = append(rest, ch)
			}
		}
		if len(rest) == 0 || len(rest) == len(chunks) {
			return err
		}
		return s.AppendLogs(ctx, maxBytes, rest)
	}
	if err != nil {
		return err
	}
	// Set once it is all stored: a failed call leaves chunks as they were.
	for i, ch := range chunks {
		ch.Seq = seqs[i]
	}
	return nil
}

// capLog adds n bytes to the size of attempt k and, past maxBytes, cuts
// its oldest bytes: whole chunks, then the head of the oldest one kept.
// The caller holds the lock of k's execution: the attempt's writers take
// turns.
func capLog(ctx context.Context, tx pgx.Tx, k logAttempt, n, maxBytes int64) error {
	var kept int64
	if err := tx.QueryRow(ctx, `INSERT INTO task_log_attempts (execution_arn, task_id, kept, cut, first_seq) VALUES ($1, $2, $3, 0, 0)
		ON CONFLICT (execution_arn, task_id) DO UPDATE SET kept = task_log_attempts.kept + excluded.kept RETURNING kept`,
		k.arn, k.task, n).Scan(&kept); err != nil {
		return fmt.Errorf("task log size: %w", err)
	}
	over := kept - maxBytes
	if over <= 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT seq, octet_length(data) FROM task_logs
		WHERE execution_arn = $1 AND task_id = $2 ORDER BY seq`, k.arn, k.task)
	if err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	drop, trimSeq, trim, err := sqlrows.ScanLogCut(rows, over)
	if err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	if len(drop) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM task_logs WHERE seq = ANY($1)`, drop); err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
	}
	if trim > 0 {
		if _, err := tx.Exec(ctx, `UPDATE task_logs SET data = substr(data, $1) WHERE seq = $2`, trim+1, trimSeq); err != nil {
			return fmt.Errorf("task log cut: %w", err)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE task_log_attempts SET kept = $1, cut = cut + $2,
		first_seq = (SELECT min(seq) FROM task_logs WHERE execution_arn = $3 AND task_id = $4)
		WHERE execution_arn = $3 AND task_id = $4`, maxBytes, over, k.arn, k.task)
	if err != nil {
		return fmt.Errorf("task log cut: %w", err)
	}
	return nil
}

// ReadLogs returns the chunks q selects, the first one kept of a cut
// attempt with the cut marker when the reader had not passed it. It is one
// statement: one snapshot, in which an execution's chunks are a prefix of
// those it will ever have (see lockLogs), so q.After of its last chunk
// misses none.
func (s *Store) ReadLogs(ctx context.Context, arn string, q store.LogQuery) (_ []*store.LogChunk, err error) {
	defer fault(&err)
	db, err := s.read()
	if err != nil {
		return nil, err
	}
	n := q.Limit
	if n <= 0 {
		n = 1000
	}
	var where strings.Builder
	args := []any{arn, q.After}
	if q.StateName != "" {
		args = append(args, q.StateName)
		fmt.Fprintf(&where, ` AND l.state_name = $%d`, len(args))
	}
	if q.Attempt != 0 {
		args = append(args, q.Attempt)
		fmt.Fprintf(&where, ` AND l.attempt = $%d`, len(args))
	}
	args = append(args, n)
	rows, err := db.Query(ctx, `SELECT `+sqlrows.LogColumns+`
		FROM task_logs l JOIN task_log_attempts a ON a.execution_arn = l.execution_arn AND a.task_id = l.task_id
		WHERE l.execution_arn = $1 AND l.seq > $2`+where.String()+fmt.Sprintf(` ORDER BY l.seq LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, err := sqlrows.ScanLogs(rows, arn, q)
	if err != nil {
		return nil, err
	}
	rows.Close()
	return out, rows.Err()
}

// DeleteExecution removes an ended execution with its history, tasks,
// timers and task logs.
func (s *Store) DeleteExecution(ctx context.Context, arn string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		var status string
		// FOR UPDATE: a Commit of the execution (a redrive making it
		// RUNNING again) is waited for, and its status read after it.
		err := tx.QueryRow(ctx, `SELECT id, status FROM executions WHERE arn = $1 FOR UPDATE`, arn).Scan(&id, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("execution %q: %w", arn, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status == "RUNNING" || status == "QUEUED" {
			return fmt.Errorf("execution %q is %s: stop it first: %w", arn, status, store.ErrConflict)
		}
		return deleteExecutions(ctx, tx, []int64{id}, []string{arn})
	})
}

// deleteExecutions deletes executions ids (of ARNs arns), whose rows the
// transaction has locked, with their history, tasks, timers and task logs.
// It takes the task logs' locks of arns (see lockLogs), so that a chunk
// being appended is deleted too rather than left behind.
func deleteExecutions(ctx context.Context, tx pgx.Tx, ids []int64, arns []string) error {
	for _, q := range []string{
		`DELETE FROM history WHERE execution_id = ANY($1)`,
		`DELETE FROM tasks WHERE execution_id = ANY($1)`,
		`DELETE FROM timers WHERE execution_id = ANY($1)`,
		`DELETE FROM execution_inputs WHERE execution_id = ANY($1)`,
		`DELETE FROM executions WHERE id = ANY($1)`,
	} {
		if _, err := tx.Exec(ctx, q, ids); err != nil {
			return fmt.Errorf("delete execution: %w", err)
		}
	}
	if err := lockLogs(ctx, tx, arns); err != nil {
		return fmt.Errorf("delete execution: %w", err)
	}
	for _, q := range []string{
		`DELETE FROM task_logs WHERE execution_arn = ANY($1)`,
		`DELETE FROM task_log_attempts WHERE execution_arn = ANY($1)`,
	} {
		if _, err := tx.Exec(ctx, q, arns); err != nil {
			return fmt.Errorf("delete execution: %w", err)
		}
	}
	return nil
}
