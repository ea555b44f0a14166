// Pass-throughs of store.EventRules (see methods.go).

package faulty

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (f *Store) CreateEventBus(ctx context.Context, b *store.EventBus) error {
	return f.around(ctx, "CreateEventBus", b.Name, func() error { return f.Store.CreateEventBus(ctx, b) })
}

func (f *Store) GetEventBus(ctx context.Context, account, name string) (*store.EventBus, error) {
	var a *store.EventBus
	err := f.around(ctx, "GetEventBus", name, func() (err error) {
		a, err = f.Store.GetEventBus(ctx, account, name)
		return err
	})
	return a, err
}

func (f *Store) ListEventBuses(ctx context.Context, account, prefix string, page store.Page) ([]*store.EventBus, string, error) {
	var a []*store.EventBus
	var b string
	err := f.around(ctx, "ListEventBuses", account, func() (err error) {
		a, b, err = f.Store.ListEventBuses(ctx, account, prefix, page)
		return err
	})
	return a, b, err
}

func (f *Store) DeleteEventBus(ctx context.Context, account, name string) error {
	return f.around(ctx, "DeleteEventBus", name, func() error { return f.Store.DeleteEventBus(ctx, account, name) })
}

func (f *Store) PutRule(ctx context.Context, r *store.Rule, maxRules int) (bool, error) {
	var a bool
	err := f.around(ctx, "PutRule", r.Name, func() (err error) {
		a, err = f.Store.PutRule(ctx, r, maxRules)
		return err
	})
	return a, err
}

func (f *Store) GetRule(ctx context.Context, account, bus, name string) (*store.Rule, error) {
	var a *store.Rule
	err := f.around(ctx, "GetRule", name, func() (err error) {
		a, err = f.Store.GetRule(ctx, account, bus, name)
		return err
	})
	return a, err
}

func (f *Store) ListRules(ctx context.Context, account, bus, prefix string, page store.Page) ([]*store.Rule, string, error) {
	var a []*store.Rule
	var b string
	err := f.around(ctx, "ListRules", bus, func() (err error) {
		a, b, err = f.Store.ListRules(ctx, account, bus, prefix, page)
		return err
	})
	return a, b, err
}

func (f *Store) SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error {
	return f.around(ctx, "SetRuleState", name, func() error { return f.Store.SetRuleState(ctx, account, bus, name, state, modified) })
}

func (f *Store) DeleteRule(ctx context.Context, account, bus, name string, force bool) error {
	return f.around(ctx, "DeleteRule", name, func() error { return f.Store.DeleteRule(ctx, account, bus, name, force) })
}

func (f *Store) PutTargets(ctx context.Context, account, bus, rule string, targets []*store.RuleTarget, maxTargets int) error {
	return f.around(ctx, "PutTargets", rule, func() error { return f.Store.PutTargets(ctx, account, bus, rule, targets, maxTargets) })
}

func (f *Store) RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) ([]string, error) {
	var a []string
	err := f.around(ctx, "RemoveTargets", rule, func() (err error) {
		a, err = f.Store.RemoveTargets(ctx, account, bus, rule, ids)
		return err
	})
	return a, err
}

func (f *Store) RulesGeneration(ctx context.Context) (int64, error) {
	var a int64
	err := f.around(ctx, "RulesGeneration", "", func() (err error) {
		a, err = f.Store.RulesGeneration(ctx)
		return err
	})
	return a, err
}

func (f *Store) SetNotificationSettings(ctx context.Context, arn string, body []byte) error {
	return f.around(ctx, "SetNotificationSettings", arn, func() error { return f.Store.SetNotificationSettings(ctx, arn, body) })
}

func (f *Store) NotificationSettings(ctx context.Context, arn string) ([]byte, error) {
	var a []byte
	err := f.around(ctx, "NotificationSettings", arn, func() (err error) {
		a, err = f.Store.NotificationSettings(ctx, arn)
		return err
	})
	return a, err
}
