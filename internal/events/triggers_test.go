package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	teamA   = "111111111111" // core-data-availability
	teamB   = "222222222222" // search
)

// recorder is a Starter that remembers the runs started, once per name.
type recorder struct {
	mu      sync.Mutex
	runs    []events.RunRequest
	names   map[string]bool
	fail    error // returned by Start while set
	stopped []string
}

func (r *recorder) Start(_ context.Context, req events.RunRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	if r.names == nil {
		r.names = map[string]bool{}
	}
	if r.names[req.Name] {
		return nil // exists: the same start again
	}
	r.names[req.Name] = true
	r.runs = append(r.runs, req)
	return nil
}

func (r *recorder) Stop(_ context.Context, arn, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = append(r.stopped, arn)
	return nil
}

func (r *recorder) started() []events.RunRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.RunRequest(nil), r.runs...)
}

// world is a store with scenario 2's three pipelines, and a bus running the
// triggers consumer on it.
type world struct {
	t    *testing.T
	dir  string
	st   store.Store
	rec  *recorder
	stop func()
	bus  *events.Bus
	tr   *events.Triggers
	clk  *clock.Fake // nil: the real clock
	n    int
	at   time.Time
}

const pipelineX = `name: pipeline-x
trigger:
  executions:
    allOf:
      - {name: listings, namespace: core-data-availability, status: [SUCCESS]}
      - {name: searches, account: search}
    window: 24h
steps:
  - {name: join, type: shell, command: [echo, ok]}
`

func newWorld(t *testing.T, match string) *world {
	w := &world{t: t, dir: t.TempDir(), rec: &recorder{}, at: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)}
	st := w.open()
	ctx := context.Background()
	for _, n := range []*store.Namespace{{Name: "core-data-availability", AccountID: teamA}, {Name: "search", AccountID: teamB}} {
		if err := st.CreateNamespace(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	def := pipelineX
	if match != "" {
		def = fmt.Sprintf("%s    match: %s\n", def[:len("name: pipeline-x\ntrigger:\n  executions:\n")], match) + def[len("name: pipeline-x\ntrigger:\n  executions:\n"):]
	}
	for _, sm := range []*store.StateMachine{
		{Arn: smArn(teamA, "listings"), Name: "listings", Language: "pipeline", Definition: "name: listings\nsteps:\n  - {name: a, type: shell, command: [echo, ok]}\n"},
		{Arn: smArn(teamB, "searches"), Name: "searches", Language: "pipeline", Definition: "name: searches\nsteps:\n  - {name: a, type: shell, command: [echo, ok]}\n"},
		{Arn: smArn(account, "pipeline-x"), Name: "pipeline-x", Language: "pipeline", Definition: def},
	} {
		sm.Type, sm.RevisionID = store.TypeStandard, "r1"
		if err := st.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
	}
	w.run()
	return w
}

func smArn(acct, name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, acct, name)
}

func (w *world) open() store.Store {
	st, err := sqlite.Open(w.dir, sqlite.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	return st
}

// run starts the bus with the triggers consumer and the recorder.
func (w *world) run() { w.runWith(w.rec) }

// runWith starts the bus with the triggers consumer starting runs with s.
func (w *world) runWith(s events.Starter) {
	opts := events.Options{}
	if w.clk != nil {
		opts.Clock = w.clk
	}
	bus := events.New(w.st, opts)
	w.bus = bus
	tr := events.NewTriggers(events.TriggerOptions{Store: w.st, Starter: s, Region: region, DefaultAccount: account})
	w.tr = tr
	bus.Register(tr.Consumer())
	if err := bus.Prepare(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(ctx) }()
	w.stop = func() { cancel(); <-done }
	w.t.Cleanup(func() { w.stop(); w.st.Close() })
}

// restart stops the bus, reopens the store and starts again.
func (w *world) restart() {
	w.stop()
	w.st.Close()
	w.open()
	w.run()
}

// finish records that a run of an upstream ended with status, an hour
// after the last one, as the engine does: its status event in the outbox.
func (w *world) finish(acct, name, status, logicalDay string) {
	w.n++
	w.at = w.at.Add(time.Hour)
	x := &store.Execution{Arn: fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:run-%d", region, acct, name, w.n),
		StateMachineArn: smArn(acct, name), Name: fmt.Sprintf("run-%d", w.n), Status: status, Input: "{}",
		StartDate: w.at.Add(-time.Minute), StopDate: w.at, Language: "pipeline", EventCount: 9}
	if status == "SUCCEEDED" {
		x.Output = fmt.Sprintf(`{"rows":%d}`, w.n)
	}
	if logicalDay != "" {
		x.LogicalDate, _ = time.Parse("2006-01-02", logicalDay)
	}
	if err := w.bus.Put(context.Background(), []*store.OutboxEvent{service.StatusEvent(region, x)}); err != nil {
		w.t.Fatal(err)
	}
}

// settle waits until the bus has read the whole outbox and carried out
// its intents, then returns the runs started.
func (w *world) settle() []events.RunRequest {
	w.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		last, err := w.st.LastOutboxSeq(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		cur, err := w.st.Cursors(ctx, events.TriggersConsumer)
		if err != nil {
			w.t.Fatal(err)
		}
		ins, err := w.st.Intents(ctx, events.TriggersConsumer)
		if err != nil {
			w.t.Fatal(err)
		}
		// Every event is in some partition: the bus has read them all when
		// the greatest cursor is the last event's.
		high := int64(0)
		for _, seq := range cur {
			high = max(high, seq)
		}
		read := high == last
		if read && len(ins) == 0 {
			return w.rec.started()
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the bus did not read the outbox: last %d, cursors %v, %d intents left", last, cur, len(ins))
		}
		time.Sleep(5 * time.Millisecond) // polling, with the deadline above
	}
}

func TestUpstreamTriggerScenario2(t *testing.T) {
	w := newWorld(t, "")
	w.finish(teamA, "listings", "SUCCEEDED", "")
	if got := w.settle(); len(got) != 0 {
		t.Fatalf("pipeline-x started on listings alone: %+v", got)
	}
	w.finish(teamB, "searches", "SUCCEEDED", "")
	got := w.settle()
	if len(got) != 1 || got[0].StateMachineArn != smArn(account, "pipeline-x") {
		t.Fatalf("both succeeded: want one run of pipeline-x, got %+v", got)
	}
	trig, _ := json.Marshal(got[0].Trigger)
	for _, want := range []string{`:run-1"`, `:run-2"`, `"rows":1`, `"rows":2`, `"type":"executions"`} {
		if !json.Valid(trig) || !strings.Contains(string(trig), want) {
			t.Errorf("$run.trigger %s does not hold %s", trig, want)
		}
	}

	// searches succeeds again the same day: listings' outcome was consumed.
	w.finish(teamB, "searches", "SUCCEEDED", "")
	if got := w.settle(); len(got) != 1 {
		t.Fatalf("searches succeeded twice: want no second run, got %d", len(got))
	}
	// listings fails: nothing; fixed and re-run: pipeline-x runs by itself.
	w.finish(teamA, "listings", "FAILED", "")
	if got := w.settle(); len(got) != 1 {
		t.Fatalf("listings failed: want no run, got %d", len(got))
	}
	w.restart() // the run log survives a restart
	w.finish(teamA, "listings", "SUCCEEDED", "")
	got = w.settle()
	if len(got) != 2 {
		t.Fatalf("listings fixed and re-run: want a second run, got %d", len(got))
	}
	if trig, _ := json.Marshal(got[1].Trigger); !strings.Contains(string(trig), `:run-3"`) || !strings.Contains(string(trig), `:run-5"`) {
		t.Errorf("the second run's trigger should name searches' run-3 and listings' run-5: %s", trig)
	}
}

func TestUpstreamTriggerWindow(t *testing.T) {
	w := newWorld(t, "")
	w.finish(teamA, "listings", "SUCCEEDED", "")
	w.at = w.at.Add(25 * time.Hour) // listings' success is past the 24 h window
	w.finish(teamB, "searches", "SUCCEEDED", "")
	if got := w.settle(); len(got) != 0 {
		t.Fatalf("an outcome older than the window counted: %+v", got)
	}
	w.finish(teamA, "listings", "SUCCEEDED", "")
	if got := w.settle(); len(got) != 1 {
		t.Fatalf("want one run once both are within the window, got %d", len(got))
	}
}

func TestUpstreamTriggerSameLogicalDate(t *testing.T) {
	w := newWorld(t, "logical_date")
	w.finish(teamA, "listings", "SUCCEEDED", "2026-12-01")
	w.finish(teamB, "searches", "SUCCEEDED", "2026-12-02")
	if got := w.settle(); len(got) != 0 {
		t.Fatalf("outcomes of different days fired: %+v", got)
	}
	w.finish(teamA, "listings", "SUCCEEDED", "2026-12-02")
	got := w.settle()
	if len(got) != 1 || !got[0].LogicalDate.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("want one run for 2026-12-02, got %+v", got)
	}
	// The 1st's listings outcome is still there for the 1st's searches.
	w.finish(teamB, "searches", "SUCCEEDED", "2026-12-01")
	got = w.settle()
	if len(got) != 2 || !got[1].LogicalDate.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("want a second run for 2026-12-01, got %+v", got)
	}
}

func TestTriggerIntentSurvivesAFailingStart(t *testing.T) {
	w := newWorld(t, "")
	w.rec.mu.Lock()
	w.rec.fail = fmt.Errorf("the engine is not ready")
	w.rec.mu.Unlock()
	w.finish(teamA, "listings", "SUCCEEDED", "")
	w.finish(teamB, "searches", "SUCCEEDED", "")
	// The decision is stored before the start is tried.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ins, err := w.st.Intents(context.Background(), events.TriggersConsumer)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stored intent: %d", len(ins))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A crash before the start passed; the engine is ready when the
	// server comes back (set before the new bus runs: it carries out the
	// stored intent at once).
	w.stop()
	w.st.Close()
	w.rec.mu.Lock()
	w.rec.fail = nil
	w.rec.mu.Unlock()
	w.open()
	w.run()
	if got := w.settle(); len(got) != 1 {
		t.Fatalf("want the stored start carried out once after the restart, got %d", len(got))
	}
}

func TestEventTrigger(t *testing.T) {
	w := &world{t: t, dir: t.TempDir(), rec: &recorder{}}
	st := w.open()
	sm := &store.StateMachine{Arn: smArn(account, "invoices"), Name: "invoices", Language: "pipeline", Type: store.TypeStandard, RevisionID: "r1",
		Definition: "name: invoices\ntrigger:\n  event:\n    pattern: {source: [billing], detail-type: [InvoiceBatchClosed], detail: {amount: [{numeric: ['>', 100]}]}}\nsteps:\n  - {name: a, command: [echo, ok]}\n"}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	w.run()
	put := func(acct, id, detailType string, amount int) {
		body := fmt.Sprintf(`{"version":"0","id":%q,"source":"billing","detail-type":%q,"account":%q,"time":"2026-12-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"amount":%d}}`, id, detailType, acct, amount)
		if err := w.bus.Put(context.Background(), []*store.OutboxEvent{{Partition: store.PartitionOf(id), Account: acct, Bus: "default", Time: time.Now(), Body: []byte(body)}}); err != nil {
			t.Fatal(err)
		}
	}
	put(account, "e1", "InvoiceBatchClosed", 500)
	put(account, "e2", "InvoiceBatchOpened", 500) // another detail-type
	put(account, "e3", "InvoiceBatchClosed", 50)  // amount too small
	put(teamA, "e4", "InvoiceBatchClosed", 500)   // another namespace's bus
	put(account, "e1", "InvoiceBatchClosed", 500) // the same event delivered twice
	got := w.settle()
	if len(got) != 1 {
		t.Fatalf("want one run (e1), got %d: %+v", len(got), got)
	}
	if trig, _ := json.Marshal(got[0].Trigger); !strings.Contains(string(trig), `"id":"e1"`) || !strings.Contains(string(trig), `"type":"event"`) {
		t.Fatalf("$run.trigger: %s", trig)
	}
}
