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

func (s *Store) AppendEvents(ctx context.Context, evs []*store.OutboxEvent) error {
	panic("postgres: not ported yet")
}

func (s *Store) ReadOutbox(ctx context.Context, partition int, after int64, limit int) (_ []*store.OutboxEvent, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) LastOutboxSeq(ctx context.Context) (_ int64, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) Cursors(ctx context.Context, consumer string) (_ map[int]int64, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) (err error) {
	panic("postgres: not ported yet")
}

func (s *Store) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	panic("postgres: not ported yet")
}

func (s *Store) Intents(ctx context.Context, consumer string) (_ []*store.Intent, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) TrimOutbox(ctx context.Context, before time.Time) (int64, error) {
	panic("postgres: not ported yet")
}
