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

func (s *Store) CreateEventBus(ctx context.Context, b *store.EventBus) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetEventBus(ctx context.Context, account, name string) (_ *store.EventBus, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListEventBuses(ctx context.Context, account, prefix string, page store.Page) (_ []*store.EventBus, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteEventBus(ctx context.Context, account, name string) error {
	panic("postgres: not ported yet")
}

func (s *Store) PutRule(ctx context.Context, r *store.Rule, maxRules int) (created bool, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) GetRule(ctx context.Context, account, bus, name string) (_ *store.Rule, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListRules(ctx context.Context, account, bus, prefix string, page store.Page) (_ []*store.Rule, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteRule(ctx context.Context, account, bus, name string, force bool) error {
	panic("postgres: not ported yet")
}

func (s *Store) PutTargets(ctx context.Context, account, bus, rule string, targets []*store.RuleTarget, maxTargets int) error {
	panic("postgres: not ported yet")
}

func (s *Store) RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) (removed []string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) RulesGeneration(ctx context.Context) (n int64, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	panic("postgres: not ported yet")
}

func (s *Store) ReadLogs(ctx context.Context, arn string, q store.LogQuery) (_ []*store.LogChunk, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteExecution(ctx context.Context, arn string) error {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (n int, err error) {
	panic("postgres: not ported yet")
}
