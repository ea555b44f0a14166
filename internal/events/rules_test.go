package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

const acct = "123456789012"

type start struct{ arn, name, input string }

// starter records starts; an execution name started twice counts once,
// as the engine's ExecutionAlreadyExists does.
type starter struct {
	mu     sync.Mutex
	starts map[string]start
	fail   error
}

func (s *starter) Start(_ context.Context, r events.RunRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.starts[r.Name] = start{r.StateMachineArn, r.Name, r.Input}
	return nil
}

func (s *starter) Stop(context.Context, string, string) error { return nil }

func (s *starter) snapshot() map[string]start {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]start{}
	for k, v := range s.starts {
		out[k] = v
	}
	return out
}

func putRule(t *testing.T, st store.Store, name, pat, state string, targets ...events.Target) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.PutRule(ctx, &store.Rule{Account: acct, Bus: store.DefaultBus, Name: name, EventPattern: pat, State: state}, 0); err != nil {
		t.Fatal(err)
	}
	var rows []*store.RuleTarget
	for _, tg := range targets {
		spec, _ := json.Marshal(tg)
		rows = append(rows, &store.RuleTarget{ID: tg.Id, Arn: tg.Arn, Spec: spec})
	}
	if err := st.PutTargets(ctx, acct, store.DefaultBus, name, rows, 0); err != nil {
		t.Fatal(err)
	}
}

func event(id, source string, detail string) *store.OutboxEvent {
	body := `{"version":"0","id":"` + id + `","detail-type":"T","source":"` + source + `","account":"` + acct +
		`","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`
	return &store.OutboxEvent{Partition: store.PartitionOf(id), Account: acct, Bus: store.DefaultBus, Time: time.Unix(1767225600, 0), Body: []byte(body)}
}

// TestRulesConsumer: matching events start each target of each enabled
// matching rule once, with the target's input; a disabled rule starts
// nothing; an event read again (at least once) starts nothing more.
func TestRulesConsumer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sm := "arn:aws:states:us-east-1:" + acct + ":stateMachine:"
	putRule(t, st, "invoices", `{"source":["billing"]}`, store.RuleEnabled,
		events.Target{Id: "whole", Arn: sm + "a"},
		events.Target{Id: "tpl", Arn: sm + "b", InputTransformer: &events.InputTransformer{
			InputPathsMap: map[string]string{"batch": "$.detail.batch"}, InputTemplate: `{"batch": <batch>, "rule": "<aws.events.rule-name>"}`}})
	putRule(t, st, "off", `{"source":["billing"]}`, store.RuleDisabled, events.Target{Id: "x", Arn: sm + "c"})
	st2 := &starter{starts: map[string]start{}}
	bus := events.New(st, events.Options{})
	bus.Register(events.NewRules(st, st2, "us-east-1", "123456789012", nil).Consumer())
	go bus.Run(ctx)
	if err := bus.Put(ctx, []*store.OutboxEvent{event("e1", "billing", `{"batch":7}`), event("e2", "shipping", `{}`)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(st2.snapshot()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the fake, with a deadline
	}
	got := st2.snapshot()
	if len(got) != 2 {
		t.Fatalf("starts = %v, want 2", got)
	}
	for _, s := range got {
		switch s.arn {
		case sm + "a":
			var ev map[string]any
			if json.Unmarshal([]byte(s.input), &ev) != nil || ev["id"] != "e1" {
				t.Errorf("input of the whole-event target = %s", s.input)
			}
		case sm + "b":
			if s.input != `{"batch": 7, "rule": "invoices"}` {
				t.Errorf("input of the template target = %s", s.input)
			}
		default:
			t.Errorf("unexpected start %v", s)
		}
	}
}

// TestRulesIntentsAreNamed: the same event read twice (delivery is at
// least once) decides the same intents, with the same execution names, so
// that the workflow is started once; another event, or another target,
// decides others.
func TestRulesIntentsAreNamed(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sm := "arn:aws:states:us-east-1:" + acct + ":stateMachine:"
	putRule(t, st, "r", `{"source":["billing"]}`, store.RuleEnabled, events.Target{Id: "a", Arn: sm + "a"}, events.Target{Id: "b", Arn: sm + "b"})
	c := events.NewRules(st, &starter{starts: map[string]start{}}, "us-east-1", "123456789012", nil).Consumer()
	decide := func(evs ...*store.OutboxEvent) []*store.Intent {
		var cc store.ConsumerCommit
		if err := c.Handle(ctx, evs, &cc); err != nil {
			t.Fatal(err)
		}
		return cc.Intents
	}
	first := decide(event("e1", "billing", `{}`))
	again := decide(event("e1", "billing", `{}`))
	other := decide(event("e2", "billing", `{}`))
	if len(first) != 2 || len(again) != 2 || len(other) != 2 {
		t.Fatalf("intents: %d, %d, %d; want 2 each", len(first), len(again), len(other))
	}
	ids := map[string]bool{}
	for i := range first {
		if first[i].ID != again[i].ID || string(first[i].Body) != string(again[i].Body) {
			t.Errorf("the same event decided %s then %s", first[i].ID, again[i].ID)
		}
		ids[first[i].ID], ids[other[i].ID] = true, true
	}
	if len(ids) != 4 {
		t.Errorf("two events by two targets gave %d distinct intents, want 4", len(ids))
	}
	// A rule changed is read again: disabled, it decides nothing.
	if err := st.SetRuleState(ctx, acct, store.DefaultBus, "r", store.RuleDisabled, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := decide(event("e3", "billing", `{}`)); len(got) != 0 {
		t.Errorf("a disabled rule decided %d intents", len(got))
	}
}

// TestRulesRetryPolicy: a start that fails for a passing reason is tried
// again until the target's MaximumRetryAttempts, then given up; a refusal
// (Permanent) is given up at once.
func TestRulesRetryPolicy(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	two := 2
	putRule(t, st, "r", `{"source":["billing"]}`, store.RuleEnabled, events.Target{Id: "a", Arn: "arn:aws:states:us-east-1:" + acct + ":stateMachine:a",
		RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: &two}})
	s := &starter{starts: map[string]start{}, fail: errors.New("the store is busy")}
	c := events.NewRules(st, s, "us-east-1", "123456789012", nil).Consumer()
	var cc store.ConsumerCommit
	if err := c.Handle(ctx, []*store.OutboxEvent{event("e1", "billing", `{}`)}, &cc); err != nil || len(cc.Intents) != 1 {
		t.Fatalf("Handle: %v, %d intents", err, len(cc.Intents))
	}
	in := cc.Intents[0]
	in.Created = time.Now()
	for i := 1; i <= 2; i++ {
		if err := c.Act(ctx, in); err == nil || events.IsPermanent(err) {
			t.Fatalf("attempt %d: %v, want a passing failure", i, err)
		}
	}
	if err := c.Act(ctx, in); !events.IsPermanent(err) {
		t.Fatalf("attempt 3 with MaximumRetryAttempts 2: %v, want given up", err)
	}
	s.fail = events.Permanent(errors.New("StateMachineDoesNotExist"))
	if err := c.Act(ctx, in); !events.IsPermanent(err) {
		t.Fatalf("a refused start: %v, want given up", err)
	}
}

// TestScheduledRule: a rule with a ScheduleExpression starts its targets
// at each slot after it was put, with EventBridge's Scheduled Event as the
// input; after downtime it fires for the latest missed slot only, once.
func TestScheduledRule(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	if _, err := st.PutRule(ctx, &store.Rule{Account: "123456789012", Bus: store.DefaultBus, Name: "hourly",
		ScheduleExpression: "rate(1 hour)", State: store.RuleEnabled, Created: t0, Modified: t0}, 0); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(events.Target{Id: "t", Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:report"})
	if err := st.PutTargets(ctx, "123456789012", store.DefaultBus, "hourly", []*store.RuleTarget{{ID: "t", Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:report", Spec: spec}}, 0); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	s := &starter{starts: map[string]start{}}
	run := func(st store.Store) func() {
		bus := events.New(st, events.Options{Clock: clk})
		bus.Register(events.NewRules(st, s, "us-east-1", "123456789012", nil).Consumer())
		c, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); bus.Run(c) }()
		return func() { cancel(); <-done }
	}
	wantStarts := func(n int) map[string]start {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(s.snapshot()) < n && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond) // polling the fake, with a deadline
		}
		got := s.snapshot()
		if len(got) != n {
			t.Fatalf("at %v: %d starts, want %d: %v", clk.Now(), len(got), n, got)
		}
		return got
	}
	stop := run(st)
	for range 3 {
		for clk.Waiters() == 0 {
			time.Sleep(time.Millisecond) // until the bus waits on the fake clock
		}
		clk.Advance(time.Hour)
		wantStarts(len(s.snapshot()) + 1)
	}
	for _, x := range s.snapshot() {
		if !strings.Contains(x.input, `"detail-type":"Scheduled Event"`) || !strings.Contains(x.input, `rule/hourly`) {
			t.Fatalf("a scheduled rule's input: %s", x.input)
		}
	}
	stop()
	st.Close()
	clk.Advance(5 * time.Hour) // down over five slots
	st, err = sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stop = run(st)
	defer stop()
	wantStarts(4)
}

func TestNotificationTarget(t *testing.T) {
	tests := []struct {
		arn, ch, addr string
		ok            bool
	}{
		{"arn:baton:notifications:::slack/#alerts", "SLACK", "#alerts", true},
		{"arn:baton:notifications:us-east-1:123456789012:webhook/https://h.example.com/x", "WEBHOOK", "https://h.example.com/x", true},
		{"arn:baton:notifications:::EMAIL/a@example.com", "EMAIL", "a@example.com", true},
		{"arn:baton:notifications:::sms/123", "", "", false},
		{"arn:baton:notifications:::slack/", "", "", false},
		{"arn:baton:notifications:slack/#x", "", "", false},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:x", "", "", false},
	}
	for _, tc := range tests {
		ch, addr, ok := events.NotificationTarget(tc.arn)
		if ch != tc.ch || addr != tc.addr || ok != tc.ok {
			t.Errorf("NotificationTarget(%q) = %q, %q, %v", tc.arn, ch, addr, ok)
		}
	}
}
