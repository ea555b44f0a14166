// Pass-throughs of store.EventRules (see methods.go).

package retrying

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (s *Store) CreateEventBus(ctx context.Context, b *store.EventBus) error {
	return s.do(ctx, "CreateEventBus", write, func() error { return s.Store.CreateEventBus(ctx, b) })
}

func (s *Store) GetEventBus(ctx context.Context, account, name string) (*store.EventBus, error) {
	var a *store.EventBus
	err := s.do(ctx, "GetEventBus", read, func() (err error) {
		a, err = s.Store.GetEventBus(ctx, account, name)
		return err
	})
	return a, err
}

func (s *Store) ListEventBuses(ctx context.Context, account, prefix string, page store.Page) ([]*store.EventBus, string, error) {
	var a []*store.EventBus
	var b string
	err := s.do(ctx, "ListEventBuses", read, func() (err error) {
		a, b, err = s.Store.ListEventBuses(ctx, account, prefix, page)
		return err
	})
	return a, b, err
}

func (s *Store) DeleteEventBus(ctx context.Context, account, name string) error {
	return s.do(ctx, "DeleteEventBus", write, func() error { return s.Store.DeleteEventBus(ctx, account, name) })
}

func (s *Store) PutRule(ctx context.Context, r *store.Rule, maxRules int) (bool, error) {
	var a bool
	err := s.do(ctx, "PutRule", write, func() (err error) {
		a, err = s.Store.PutRule(ctx, r, maxRules)
		return err
	})
	return a, err
}

func (s *Store) GetRule(ctx context.Context, account, bus, name string) (*store.Rule, error) {
	var a *store.Rule
	err := s.do(ctx, "GetRule", read, func() (err error) {
		a, err = s.Store.GetRule(ctx, account, bus, name)
		return err
	})
	return a, err
}

func (s *Store) ListRules(ctx context.Context, account, bus, prefix string, page store.Page) ([]*store.Rule, string, error) {
	var a []*store.Rule
	var b string
	err := s.do(ctx, "ListRules", read, func() (err error) {
		a, b, err = s.Store.ListRules(ctx, account, bus, prefix, page)
		return err
	})
	return a, b, err
}

func (s *Store) SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error {
	return s.do(ctx, "SetRuleState", write, func() error { return s.Store.SetRuleState(ctx, account, bus, name, state, modified) })
}

func (s *Store) DeleteRule(ctx context.Context, account, bus, name string, force bool) error {
	return s.do(ctx, "DeleteRule", write, func() error { return s.Store.DeleteRule(ctx, account, bus, name, force) })
}

func (s *Store) PutTargets(ctx context.Context, account, bus, rule string, targets []*store.RuleTarget, maxTargets int) error {
	return s.do(ctx, "PutTargets", write, func() error { return s.Store.PutTargets(ctx, account, bus, rule, targets, maxTargets) })
}

func (s *Store) RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) ([]string, error) {
	var a []string
	err := s.do(ctx, "RemoveTargets", write, func() (err error) {
		a, err = s.Store.RemoveTargets(ctx, account, bus, rule, ids)
		return err
	})
	return a, err
}

func (s *Store) RulesGeneration(ctx context.Context) (int64, error) {
	var a int64
	err := s.do(ctx, "RulesGeneration", read, func() (err error) {
		a, err = s.Store.RulesGeneration(ctx)
		return err
	})
	return a, err
}

func (s *Store) SetNotificationSettings(ctx context.Context, arn string, body []byte) error {
	return s.do(ctx, "SetNotificationSettings", write, func() error { return s.Store.SetNotificationSettings(ctx, arn, body) })
}

func (s *Store) NotificationSettings(ctx context.Context, arn string) ([]byte, error) {
	var a []byte
	err := s.do(ctx, "NotificationSettings", read, func() (err error) {
		a, err = s.Store.NotificationSettings(ctx, arn)
		return err
	})
	return a, err
}
