package events

import (
	"context"
	"maps"
	"time"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// Groups split the triggers, the arrivals and the rules of a cluster by
// partition (partition.Count members each, registered with
// Bus.RegisterGroup): member p acts only for the workflows (rules) of
// partition p and keeps its state, cursors and intents under
// MemberName(name, p), so that the node that owns p runs it and another
// node that takes p over continues from what it stored. The methods the
// server calls on a single consumer are the groups' too; those about one
// workflow go to the member of its partition, which answers from memory
// where it runs on this node, else from its stored state.

// groupMember is what a group's members do alike.
type groupMember interface {
	Consumer() Consumer
	SetStarter(s Starter)
	Changed()
}

// memberSet is the members of a consumer, one per partition, and the
// catalog they share.
type memberSet[M groupMember] struct {
	cat     *Catalog
	members [partition.Count]M
}

// newMemberSet makes the members with mk, sharing cat (a new Catalog over
// st when nil).
func newMemberSet[M groupMember](cat *Catalog, st store.Store, region, defaultAccount string, mk func(p int, cat *Catalog) M) memberSet[M] {
	if cat == nil {
		cat = NewCatalog(st, region, defaultAccount)
	}
	g := memberSet[M]{cat: cat}
	for p := range g.members {
		g.members[p] = mk(p, cat)
	}
	return g
}

// Member returns the consumer of partition p (named MemberName(name, p)).
func (g *memberSet[M]) Member(p int) Consumer { return g.members[p].Consumer() }

// SetStarter sets what starts the runs of every member; call it before
// the bus runs.
func (g *memberSet[M]) SetStarter(s Starter) {
	for _, m := range g.members {
		m.SetStarter(s)
	}
}

// Changed tells every member that workflows changed: the shared catalog
// is read again, once, when the first of them needs it (wake them too).
func (g *memberSet[M]) Changed() {
	g.cat.Changed()
	for _, m := range g.members {
		m.Changed()
	}
}

// of returns the member of a workflow's partition.
func (g *memberSet[M]) of(arn string) M { return g.members[partition.Of(arn)] }

// TriggerGroup is the triggers consumer split by cluster partition
// (Member, SetStarter and Changed as memberSet's).
type TriggerGroup struct{ memberSet[*Triggers] }

// NewTriggerGroup returns the triggers' members, sharing o.Catalog (a new
// one when nil).
func NewTriggerGroup(o TriggerOptions) *TriggerGroup {
	return &TriggerGroup{newMemberSet(o.Catalog, o.Store, o.Region, o.DefaultAccount, func(p int, cat *Catalog) *Triggers {
		o.Partitioned, o.Partition, o.Catalog = true, p, cat
		return NewTriggers(o) // a copy of o
	})}
}

// NotePaused notes a pause or resume stored by SetPaused (on another
// node) in the member of the workflow.
func (g *TriggerGroup) NotePaused(arn string, paused bool) { g.of(arn).NotePaused(arn, paused) }

// SetPaused pauses or resumes a workflow's schedules: stored in the state
// of its member (the commit is not fenced: any node may store it; the
// member that runs reads it at its next load, and NotePaused tells it at
// once).
func (g *TriggerGroup) SetPaused(ctx context.Context, arn string, paused bool) error {
	return g.of(arn).SetPaused(ctx, arn, paused)
}

// Explain explains a workflow's triggers from the member of its
// partition: its memory where it runs on this node, else its stored
// state.
func (g *TriggerGroup) Explain(ctx context.Context, arn string, now time.Time) (*Explanation, error) {
	return g.of(arn).Explain(ctx, arn, now)
}

// Summaries returns the trigger summaries of every workflow, merged over
// the members. Its cost over a single consumer's: the catalog is read at
// most once (shared); each member that runs on this node answers from
// memory; each member that does not reads its own stored state (one
// ConsumerState call, of that member's rows only): up to partition.Count
// small reads on a node that owns few partitions, and as many rows in all
// as the single consumer's one read.
func (g *TriggerGroup) Summaries(ctx context.Context, now time.Time) (map[string]TriggerSummary, error) {
	out := map[string]TriggerSummary{}
	for _, m := range g.members {
		s, err := m.Summaries(ctx, now)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, s)
	}
	return out, nil
}

// ArrivalsGroup is the arrivals consumer split by cluster partition
// (Member, SetStarter and Changed as memberSet's).
type ArrivalsGroup struct{ memberSet[*Arrivals] }

// NewArrivalsGroup returns the arrivals' members, sharing o.Catalog (a
// new one when nil).
func NewArrivalsGroup(o ArrivalOptions) *ArrivalsGroup {
	return &ArrivalsGroup{newMemberSet(o.Catalog, o.Store, o.Region, o.DefaultAccount, func(p int, cat *Catalog) *Arrivals {
		o.Partitioned, o.Partition, o.Catalog = true, p, cat
		return NewArrivals(o) // a copy of o
	})}
}

// NotifyBucket tells every member that objects changed in a bucket: those
// that watch it list it (a member that does not run here only notes it).
func (g *ArrivalsGroup) NotifyBucket(bucket string) {
	for _, m := range g.members {
		m.NotifyBucket(bucket)
	}
}

// Explain returns the state of a workflow's watches from the member of
// its partition (as of its last tick where it runs here, else as stored).
func (g *ArrivalsGroup) Explain(ctx context.Context, arn string) ([]DataExplanation, []string, error) {
	return g.of(arn).Explain(ctx, arn)
}

// RulesGroup is the rules consumer split by cluster partition: a rule's
// member is that of RulePartition of its ARN. The members share the rules
// read from the store.
type RulesGroup struct {
	members [partition.Count]*Rules
}

// NewRulesGroup returns the rules' members (see NewRules).
func NewRulesGroup(st store.Store, start Starter, region, defaultAccount string, now func() time.Time) *RulesGroup {
	g := &RulesGroup{}
	cache := newRuleCache(region)
	for p := range g.members {
		g.members[p] = newRules(st, start, region, defaultAccount, now, MemberName(RulesConsumer, p), p, cache)
	}
	return g
}

// Member returns the consumer of partition p (named
// MemberName(RulesConsumer, p)).
func (g *RulesGroup) Member(p int) Consumer { return g.members[p].Consumer() }
