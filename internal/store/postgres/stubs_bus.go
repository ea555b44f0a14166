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
