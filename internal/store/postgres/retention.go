package postgres

// Retention of closed executions.

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store/sqlrows"
)

// closedStatuses are the statuses retention deletes: an execution in them
// is one the engine no longer holds (a redrive of a FAILED one makes it
// RUNNING again; the row lock below decides which goes first).
const closedStatuses = `('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')`

// DeleteClosedExecutions finds up to limit closed executions of the ARN
// prefix stopped before before with a read (which holds no lock), then
// deletes them in one short transaction that locks their rows and checks
// each again: one redriven meanwhile is left alone.
func (s *Store) DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (n int, err error) {
	cut := sqlrows.Nanos(before)
	ids, err := s.closedExecutions(ctx, arnPrefix, cut, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		n = 0
		// FOR UPDATE, in ARN order as Commit locks them, so that two
		// nodes running retention, or retention and a Commit, never wait
		// for each other in a cycle: a Commit of one of them (a redrive)
		// is waited for, and the row read again after it, which leaves it
		// out when it is RUNNING again; one deleted meanwhile (by the
		// other node) is left out too.
		rows, err := tx.Query(ctx, `SELECT id, arn FROM executions WHERE id = ANY($1) AND status IN `+closedStatuses+`
			AND stop_date > 0 AND stop_date < $2 ORDER BY arn FOR UPDATE`, ids, cut)
		if err != nil {
			return err
		}
		var lockedIDs []int64
		var arns []string
		var id int64
		var arn string
		if _, err := pgx.ForEachRow(rows, []any{&id, &arn}, func() error {
			lockedIDs, arns = append(lockedIDs, id), append(arns, arn)
			return nil
		}); err != nil {
			return err
		}
		if len(lockedIDs) == 0 {
			return nil
		}
		if err := deleteExecutions(ctx, tx, lockedIDs, arns); err != nil {
			return err
		}
		n = len(lockedIDs)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// closedExecutions returns the ids of up to limit executions of the ARN
// prefix closed before cut (Unix nanoseconds).
func (s *Store) closedExecutions(ctx context.Context, arnPrefix string, cut int64, limit int) (_ []int64, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	// The bound on start_date is SQLite's (for its index); it changes
	// nothing, as start_date <= stop_date.
	rows, err := q.Query(ctx, `SELECT id FROM executions WHERE status IN `+closedStatuses+`
		AND start_date < $1 AND stop_date > 0 AND stop_date < $1 AND starts_with(arn, $2) LIMIT $3`,
		cut, arnPrefix, max(limit, 1))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
