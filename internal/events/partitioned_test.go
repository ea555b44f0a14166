package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// The groups are driven here as the bus drives a consumer (Load, then
// Handle or Tick, then the commit of what they decided), member by member,
// so that which member decides what is plain.

// countingStore counts the listings of the state machines (the catalog's
// read).
type countingStore struct {
	store.Store
	lists atomic.Int32
}

func (s *countingStore) ListStateMachines(ctx context.Context, p store.Page) ([]*store.StateMachine, string, error) {
	s.lists.Add(1)
	return s.Store.ListStateMachines(ctx, p)
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// namesApart returns two workflow names of account whose ARNs are in
// different partitions, and those partitions.
func namesApart(prefix string) (a, b string, pa, pb int) {
	a, pa = prefix+"-0", partition.Of(smArn(account, prefix+"-0"))
	for i := 1; ; i++ {
		b = fmt.Sprintf("%s-%d", prefix, i)
		if pb = partition.Of(smArn(account, b)); pb != pa {
			return a, b, pa, pb
		}
	}
}

// deploy stores a pipeline of account.
func deploy(t *testing.T, st store.Store, name, def string, at time.Time) {
	t.Helper()
	sm := &store.StateMachine{Arn: smArn(account, name), Name: name, Language: "pipeline", Type: store.TypeStandard,
		RevisionID: "r1", Definition: def, CreatedAt: at, UpdatedAt: at}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
}

// decide runs one step of consumer c (its events, or its tick at now) and
// stores what it decided as the bus does; it returns the commit.
func decide(t *testing.T, st store.Store, c events.Consumer, evs []*store.OutboxEvent, now time.Time) *store.ConsumerCommit {
	t.Helper()
	ctx := context.Background()
	cc := &store.ConsumerCommit{Consumer: c.Name}
	var err error
	if evs != nil {
		err = c.Handle(ctx, evs, cc)
	} else {
		_, err = c.Tick(ctx, now, cc)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range cc.Intents {
		in.Consumer, in.Created = c.Name, now
	}
	if err := st.CommitConsumer(ctx, cc); err != nil {
		t.Fatal(err)
	}
	return cc
}

// doneAll records the intents of consumer name as carried out.
func doneAll(t *testing.T, st store.Store, name string) {
	t.Helper()
	ins, err := st.Intents(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	c := &store.ConsumerCommit{Consumer: name}
	for _, in := range ins {
		c.DoneIntents = append(c.DoneIntents, in.ID)
	}
	if err := st.CommitConsumer(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// partWant is what a test wants of the member of a partition.
type partWant struct{ part, want int }

func load(t *testing.T, c events.Consumer) {
	t.Helper()
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func intentsOf(t *testing.T, st store.Store, name string) int {
	t.Helper()
	ins, err := st.Intents(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return len(ins)
}

// TestTriggerGroupUpstream: an upstream's outcome starts its downstream
// from the downstream's member only, under that member's name; and one
// reload of the shared catalog serves all the members.
func TestTriggerGroupUpstream(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	down, other, p, q := namesApart("down")
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	deploy(t, st, "up", "name: up\nsteps:\n  - {name: a, command: [echo, ok]}\n", at)
	trig := "trigger:\n  executions:\n    anyOf:\n      - {name: up}\nsteps:\n  - {name: a, command: [echo, ok]}\n"
	deploy(t, st, down, "name: "+down+"\n"+trig, at)
	deploy(t, st, other, "name: "+other+"\n"+"trigger:\n  event:\n    pattern: {source: [nobody]}\nsteps:\n  - {name: a, command: [echo, ok]}\n", at)

	g := events.NewTriggerGroup(events.TriggerOptions{Store: st, Starter: &recorder{}, Region: region, DefaultAccount: account})
	for i := range partition.Count {
		load(t, g.Member(i))
	}
	if n := st.lists.Load(); n != 1 {
		t.Fatalf("64 members read the catalog %d times, want once", n)
	}
	ev := service.StatusEvent(region, &store.Execution{Arn: fmt.Sprintf("arn:aws:states:%s:%s:execution:up:run-1", region, account),
		StateMachineArn: smArn(account, "up"), Name: "run-1", Status: "SUCCEEDED", Input: "{}", StartDate: at, StopDate: at.Add(time.Minute)})
	for _, tc := range []partWant{{p, 1}, {q, 0}} {
		c := decide(t, st, g.Member(tc.part), []*store.OutboxEvent{ev}, at)
		if len(c.Intents) != tc.want {
			t.Errorf("member %d decided %d starts, want %d", tc.part, len(c.Intents), tc.want)
		}
		if n := intentsOf(t, st, events.MemberName(events.TriggersConsumer, tc.part)); n != tc.want {
			t.Errorf("member %d stored %d intents, want %d", tc.part, n, tc.want)
		}
	}
	if n := intentsOf(t, st, events.TriggersConsumer); n != 0 {
		t.Errorf("%d intents under the single consumer's name", n)
	}

	g.Changed()
	if _, err := g.Summaries(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	if n := st.lists.Load(); n != 2 {
		t.Fatalf("after Changed, the 64 members read the catalog %d times in all, want 2", n)
	}
}

// TestTriggerGroupSchedule: a schedule fires from its workflow's member
// only; that member started anew over the same store (another node took
// the partition over) does not fire the same slot again; a group that
// does not run the member explains it from its stored state.
func TestTriggerGroupSchedule(t *testing.T) {
	st := openStore(t)
	name, _, p, q := namesApart("hourly")
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	deploy(t, st, name, "name: "+name+"\ntrigger:\n  schedule:\n    cron: \"cron(0 * * * ? *)\"\nsteps:\n  - {name: a, command: [echo, ok]}\n", t0)
	slot := t0.Add(time.Hour)

	g := events.NewTriggerGroup(events.TriggerOptions{Store: st, Starter: &recorder{}, Region: region, DefaultAccount: account})
	for _, tc := range []partWant{{p, 1}, {q, 0}} {
		m := g.Member(tc.part)
		load(t, m)
		decide(t, st, m, nil, t0) // a new schedule counts from now
		if c := decide(t, st, m, nil, slot); len(c.Intents) != tc.want {
			t.Errorf("member %d decided %d starts at the slot, want %d", tc.part, len(c.Intents), tc.want)
		}
	}

	g2 := events.NewTriggerGroup(events.TriggerOptions{Store: st, Starter: &recorder{}, Region: region, DefaultAccount: account})
	ex, err := g2.Explain(context.Background(), smArn(account, name), slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Schedules) != 1 || ex.Schedules[0].LastSlot == nil || !ex.Schedules[0].LastSlot.Equal(slot) {
		t.Fatalf("explained from the stored state: %+v, want the last slot %v", ex.Schedules, slot)
	}
	sums, err := g2.Summaries(context.Background(), slot)
	if err != nil {
		t.Fatal(err)
	}
	if s := sums[smArn(account, name)]; s.NextRun == nil || !s.NextRun.Equal(slot.Add(time.Hour)) {
		t.Fatalf("summary %+v, want the next run at %v", s, slot.Add(time.Hour))
	}

	m := g2.Member(p)
	load(t, m)
	if c := decide(t, st, m, nil, slot.Add(time.Minute)); len(c.Intents) != 0 {
		t.Fatalf("the member started anew fired %d starts, want none (the slot ran)", len(c.Intents))
	}
	doneAll(t, st, m.Name) // the slot's run was started (else the next one is skipped: overlap)
	if c := decide(t, st, m, nil, slot.Add(time.Hour)); len(c.Intents) != 1 {
		t.Fatalf("the next slot: %d starts, want 1", len(c.Intents))
	}
}

// TestRulePartitionIsStored pins RulePartition: the members keep a rule's
// state and intents under it, so it must never change.
func TestRulePartitionIsStored(t *testing.T) {
	for arn, want := range map[string]int{
		"arn:aws:events:us-east-1:123456789012:rule/nightly":        38,
		"arn:aws:events:us-east-1:123456789012:rule/invoices":       13,
		"arn:aws:events:us-east-1:123456789012:rule/orders/shipped": 52,
	} {
		if got := events.RulePartition(arn); got != want {
			t.Errorf("RulePartition(%s) = %d, want %d", arn, got, want)
		}
	}
}

// TestRulesGroup: a rule's matched event and its scheduled slot fire
// from the rule's member only, once (the member started anew does not
// fire the slot again).
func TestRulesGroup(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	t0 := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	sm := "arn:aws:states:us-east-1:" + acct + ":stateMachine:report"
	putRule(t, st, "invoices", `{"source":["billing"]}`, store.RuleEnabled, events.Target{Id: "t", Arn: sm})
	if _, err := st.PutRule(ctx, &store.Rule{Account: acct, Bus: store.DefaultBus, Name: "hourly",
		ScheduleExpression: "rate(1 hour)", State: store.RuleEnabled, Created: t0, Modified: t0}, 0); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(events.Target{Id: "t", Arn: sm})
	if err := st.PutTargets(ctx, acct, store.DefaultBus, "hourly", []*store.RuleTarget{{ID: "t", Arn: sm, Spec: spec}}, 0); err != nil {
		t.Fatal(err)
	}
	ruleArn := func(name string) string { return "arn:aws:events:us-east-1:" + acct + ":rule/" + name }
	pm, ps := events.RulePartition(ruleArn("invoices")), events.RulePartition(ruleArn("hourly"))
	other := (pm + 1) % partition.Count
	if other == ps {
		other = (other + 1) % partition.Count
	}

	g := events.NewRulesGroup(st, &starter{starts: map[string]start{}}, "us-east-1", acct, nil)
	ev := event("e1", "billing", `{}`)
	for _, part := range []int{pm, ps, other} {
		m := g.Member(part)
		load(t, m)
		matched := decide(t, st, m, []*store.OutboxEvent{ev}, t0)
		if want := b2i(part == pm); len(matched.Intents) != want {
			t.Errorf("member %d: the event decided %d starts, want %d", part, len(matched.Intents), want)
		}
		decide(t, st, m, nil, t0) // the scheduled rule's first slot comes after it was put
		slot := decide(t, st, m, nil, t0.Add(time.Hour))
		if want := b2i(part == ps); len(slot.Intents) != want {
			t.Errorf("member %d: the slot decided %d starts, want %d", part, len(slot.Intents), want)
		}
	}
	if n := intentsOf(t, st, events.RulesConsumer); n != 0 {
		t.Errorf("%d intents under the single consumer's name", n)
	}
	m := events.NewRulesGroup(st, &starter{starts: map[string]start{}}, "us-east-1", acct, nil).Member(ps)
	load(t, m)
	if c := decide(t, st, m, nil, t0.Add(time.Hour+time.Minute)); len(c.Intents) != 0 {
		t.Fatalf("the member started anew fired the slot again: %d starts", len(c.Intents))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestArrivalsGroup: a workflow's locations are listed by its member
// only; a group that does not run the member explains them as stored.
func TestArrivalsGroup(t *testing.T) {
	st := openStore(t)
	name, _, p, q := namesApart("psd")
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	deploy(t, st, name, "name: "+name+"\ntrigger:\n  data:\n    - {path: \"s3://landing/in/*.csv\", connection: lake, batch: {size: 2}}\nsteps:\n  - {name: a, command: [echo, ok]}\n", t0)
	var listed atomic.Int32
	list := func(_ context.Context, path, _ string) ([]events.Object, error) {
		listed.Add(1)
		at := t0.Add(time.Minute)
		return []events.Object{{URL: strings.Replace(path, "*", "a", 1), ETag: "1", Size: 1, Modified: at, Changed: at}}, nil
	}
	g := events.NewArrivalsGroup(events.ArrivalOptions{Store: st, Starter: &recorder{}, List: list, Region: region, DefaultAccount: account, NoNotify: true})
	events.SyncGroupBuckets(g)
	for _, tc := range []partWant{{q, 0}, {p, 1}} {
		m := g.Member(tc.part)
		load(t, m)
		decide(t, st, m, nil, t0.Add(2*time.Minute))
		if n := int(listed.Load()); n != tc.want {
			t.Errorf("after member %d's tick: %d listings, want %d", tc.part, n, tc.want)
		}
	}
	g2 := events.NewArrivalsGroup(events.ArrivalOptions{Store: st, Starter: &recorder{}, List: list, Region: region, DefaultAccount: account})
	ds, _, err := g2.Explain(context.Background(), smArn(account, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Waiting != 1 {
		t.Fatalf("explained from the stored state: %+v, want 1 object waiting", ds)
	}
}
