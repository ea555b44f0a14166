package sqlite

// Retention of closed executions.

import (
	"context"
	"database/sql"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// closedStatuses are the statuses retention deletes: an execution in them
// is one the engine no longer holds (a redrive of a FAILED one makes it
// RUNNING again in the same transaction that re-checks it below).
const closedStatuses = `('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')`

// DeleteClosedExecutions finds up to limit closed executions of the ARN
// prefix stopped before before with a read (which does not hold up the
// writer), then deletes them in one short write transaction, checking
// each again there: one redriven meanwhile is left alone.
func (s *Store) DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (n int, err error) {
	defer s.fault(&err)
	cut := sqlrows.Nanos(before)
	// start_date <= stop_date: the bound on start_date lets the scan use
	// the index on (status, start_date, arn).
	rows, err := s.query(ctx, `SELECT id FROM executions WHERE status IN `+closedStatuses+`
		AND start_date < ? AND stop_date > 0 AND stop_date < ? AND substr(arn, 1, ?) = ? LIMIT ?`,
		cut, cut, len(arnPrefix), arnPrefix, max(limit, 1))
	if err != nil {
		return 0, err
	}
	ids, err := collect(rows, func(r sqlrows.Scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		n = 0
		for _, id := range ids {
			var arn string
			err := c.QueryRowContext(ctx, `SELECT arn FROM executions WHERE id = ? AND status IN `+closedStatuses+`
				AND stop_date > 0 AND stop_date < ?`, id, cut).Scan(&arn)
			if err == sql.ErrNoRows {
				continue // redriven, or deleted, meanwhile
			}
			if err != nil {
				return err
			}
			if err := s.deleteExecution(ctx, c, id, arn); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

var _ store.Store = (*Store)(nil)
