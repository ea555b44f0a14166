package sqlite

import (
	"context"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// timerChunk is how many timers Timers reads per query. No connection is
// held while fn runs, so fn may use the store.
var timerChunk = 10000

// Timers calls fn for every armed timer, in (execution, timer id) order; it
// stops at fn's first error and returns it.
func (s *Store) Timers(ctx context.Context, fn func(store.Timer) error) (err error) {
	defer s.fault(&err)
	var lastExec int64
	var lastID string
	first := true
	for {
		q := `SELECT t.execution_id, e.arn, t.timer_id, t.at, t.purpose
			FROM timers t JOIN executions e ON e.id = t.execution_id`
		args := []any{}
		if !first {
			q += ` WHERE (t.execution_id, t.timer_id) > (?, ?)`
			args = append(args, lastExec, lastID)
		}
		q += ` ORDER BY t.execution_id, t.timer_id LIMIT ?`
		args = append(args, timerChunk)
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return err
		}
		chunk := make([]store.Timer, 0, 256)
		for rows.Next() {
			var t store.Timer
			var at int64
			if err := rows.Scan(&lastExec, &t.ExecutionArn, &t.TimerID, &at, &t.Purpose); err != nil {
				rows.Close()
				return err
			}
			t.At = sqlrows.FromNanos(at)
			chunk = append(chunk, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range chunk {
			if err := fn(t); err != nil {
				return err
			}
		}
		if len(chunk) < timerChunk {
			return nil
		}
		lastID, first = chunk[len(chunk)-1].TimerID, false
	}
}
