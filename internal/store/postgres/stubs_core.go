package postgres

// Temporary: methods not ported yet (this file goes before the branch merges).

import (
	"context"
	"github.com/batonhq/baton/internal/store"
	"time"
)

var _ = time.Now
var _ context.Context
var _ store.Page

func (s *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetExecution(ctx context.Context, arn string) (_ *store.Execution, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, page store.Page) (_ []*store.Execution, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) History(ctx context.Context, executionArn string, reverse bool, page store.Page) (_ []store.Event, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) OpenTasks(ctx context.Context) (_ []*store.Task, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) GetTask(ctx context.Context, token string) (_ *store.Task, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) Timers(ctx context.Context, fn func(store.Timer) error) (err error) {
	panic("postgres: not ported yet")
}
