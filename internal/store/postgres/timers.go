package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// timerChunk is how many timers Timers reads per query. No connection is
// held while fn runs, so fn may use the store.
var timerChunk = 10000

// Timers calls fn for every armed timer, in (execution, timer id) order; it
// stops at fn's first error and returns it.
func (s *Store) Timers(ctx context.Context, fn func(store.Timer) error) error {
	db, err := s.read()
	if err != nil {
		return err
	}
	lastExec, lastID := int64(-1), ""
	for {
		rows, err := db.Query(ctx, `SELECT t.execution_id, e.arn, t.timer_id, t.at, t.purpose
			FROM timers t JOIN executions e ON e.id = t.execution_id
			WHERE (t.execution_id, t.timer_id) > ($1, $2)
			ORDER BY t.execution_id, t.timer_id LIMIT $3`, lastExec, lastID, timerChunk)
		if err != nil {
			return classify(err)
		}
		chunk := make([]store.Timer, 0, 256)
		var t store.Timer
		var at int64
		_, err = pgx.ForEachRow(rows, []any{&lastExec, &t.ExecutionArn, &t.TimerID, &at, &t.Purpose}, func() error {
			t.At = sqlrows.FromNanos(at)
			chunk = append(chunk, t)
			return nil
		})
		if err != nil {
			return classify(err)
		}
		for _, t := range chunk {
			if err := fn(t); err != nil {
				return err
			}
		}
		if len(chunk) < timerChunk {
			return nil
		}
		lastID = chunk[len(chunk)-1].TimerID
	}
}
