package server

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// The consumers of the event bus that start workflows (triggers with
// their schedules, data arrival, EventBridge rules), as the server uses
// them. On one server each is one consumer of the outbox; on a node of a
// cluster each is a group of 64 members, one per partition, and the node
// runs the members of the partitions it owns (events.Bus.Own), so that
// no node schedules for the whole cluster.

// triggerConsumer is *events.Triggers or *events.TriggerGroup.
type triggerConsumer interface {
	SetStarter(s events.Starter)
	Changed()
	NotePaused(arn string, paused bool)
	SetPaused(ctx context.Context, arn string, paused bool) error
	Explain(ctx context.Context, arn string, now time.Time) (*events.Explanation, error)
	Summaries(ctx context.Context, now time.Time) (map[string]events.TriggerSummary, error)
}

// arrivalConsumer is *events.Arrivals or *events.ArrivalsGroup.
type arrivalConsumer interface {
	SetStarter(s events.Starter)
	Changed()
	NotifyBucket(bucket string)
	Explain(ctx context.Context, arn string) ([]events.DataExplanation, []string, error)
}

// busConsumers are the starting consumers of a server, registered on its
// bus.
type busConsumers struct {
	triggers triggerConsumer
	arrivals arrivalConsumer
	register func(bus *events.Bus, start events.Starter)
}

// newBusConsumers makes the triggers, the arrivals and the rules of a
// server: single consumers, or groups on a node of a cluster.
func newBusConsumers(cfg Config, st store.Store, bus *events.Bus, resolver *tasks.Resolver, region, account string, requireGrants bool) busConsumers {
	to := events.TriggerOptions{Store: st, Region: region, DefaultAccount: account, Log: cfg.Log, RequireGrants: requireGrants}
	ao := arrivalOptions(cfg, st, bus, resolver, region, account)
	if !cfg.Cluster {
		t, a := events.NewTriggers(to), events.NewArrivals(ao)
		return busConsumers{triggers: t, arrivals: a, register: func(bus *events.Bus, start events.Starter) {
			t.SetStarter(start)
			a.SetStarter(start)
			bus.Register(t.Consumer())
			bus.Register(events.NewRules(st, start, region, account, nil).Consumer())
			bus.Register(a.Consumer())
		}}
	}
	// The members share one reader of the deployed pipelines.
	cat := events.NewCatalog(st, region, account)
	to.Catalog, ao.Catalog = cat, cat
	t, a := events.NewTriggerGroup(to), events.NewArrivalsGroup(ao)
	return busConsumers{triggers: t, arrivals: a, register: func(bus *events.Bus, start events.Starter) {
		t.SetStarter(start)
		a.SetStarter(start)
		bus.RegisterGroup(events.TriggersConsumer, t.Member)
		bus.RegisterGroup(events.RulesConsumer, events.NewRulesGroup(st, start, region, account, nil).Member)
		bus.RegisterGroup(events.ArrivalsConsumer, a.Member)
	}}
}
