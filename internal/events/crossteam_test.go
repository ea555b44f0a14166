package events_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// simulated starts runs as the engine would, instantly: listings and
// searches end at once (FAILED when told to), with their status events on
// the bus; pipeline-x's runs are only recorded.
type simulated struct {
	w    *world
	mu   sync.Mutex
	runs []events.RunRequest
	seen map[string]bool
	fail map[string]bool // workflow -> its next run fails
	n    int
}

func (s *simulated) Start(ctx context.Context, r events.RunRequest) error {
	s.mu.Lock()
	if s.seen[r.Name] {
		s.mu.Unlock()
		return nil
	}
	s.seen[r.Name] = true
	s.runs = append(s.runs, r)
	name := r.StateMachineArn[strings.LastIndex(r.StateMachineArn, ":")+1:]
	failed := s.fail[name]
	delete(s.fail, name)
	s.mu.Unlock()
	if name == "pipeline-x" {
		return nil
	}
	return s.end(ctx, r.StateMachineArn, r.Name, r.LogicalDate, failed)
}

func (s *simulated) Stop(context.Context, string, string) error { return nil }

// end puts the status event of a run of an upstream that ended.
func (s *simulated) end(ctx context.Context, smArn, name string, logical time.Time, failed bool) error {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	now := s.w.clk.Now()
	x := &store.Execution{Arn: strings.Replace(smArn, ":stateMachine:", ":execution:", 1) + ":" + name,
		StateMachineArn: smArn, Name: name, Status: "SUCCEEDED", Input: "{}", StartDate: now, StopDate: now,
		Language: "pipeline", LogicalDate: logical, EventCount: int64(n)}
	switch {
	case failed:
		x.Status, x.Error = "FAILED", "Shell.ExitError"
	case strings.HasSuffix(smArn, ":listings"):
		x.Output = `{"aggregate": {"listings": 1000}}`
	default:
		x.Output = `{"export": {"searches": 5000}}`
	}
	return s.w.bus.Put(ctx, []*store.OutboxEvent{service.StatusEvent(region, x)})
}

func (s *simulated) metrics() []events.RunRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.RunRequest
	for _, r := range s.runs {
		if strings.HasSuffix(r.StateMachineArn, ":pipeline-x") {
			out = append(out, r)
		}
	}
	return out
}

// TestCrossTeamWeek runs examples/cross-team for a simulated week on a
// fake clock: listings at 03:00 (team A), searches at 05:00 (team B),
// pipeline-x (team C) after both succeeded for the same day.
func TestCrossTeamWeek(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(start), rec: &recorder{}}
	sim := &simulated{w: w, seen: map[string]bool{}, fail: map[string]bool{}}
	st := w.open()
	ctx := context.Background()
	accounts := map[string]string{"core-data-availability": teamA, "search": teamB, "analytics": "333333333333"}
	for ns, acct := range accounts {
		if err := st.CreateNamespace(ctx, &store.Namespace{Name: ns, AccountID: acct}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct{ name, ns string }{{"listings", "core-data-availability"}, {"searches", "search"}, {"pipeline-x", "analytics"}} {
		def, err := os.ReadFile("../../examples/cross-team/" + p.name + "/pipeline.yaml")
		if err != nil {
			t.Fatal(err)
		}
		sm := &store.StateMachine{Arn: smArn(accounts[p.ns], p.name), Name: p.name, Language: "pipeline", Type: store.TypeStandard,
			RevisionID: "r1", Definition: string(def)}
		if err := st.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
	}
	w.runWith(sim)
	day := func(d int) time.Time { return start.AddDate(0, 0, d-1) }
	expect := func(want int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for len(sim.metrics()) < want && time.Now().Before(deadline) {
			w.waitIdle()
			time.Sleep(time.Millisecond) // polling, with the deadline above
		}
		w.waitIdle()
		if got := sim.metrics(); len(got) != want {
			t.Fatalf("at %v: want %d runs of pipeline-x, got %d: %+v", w.clk.Now(), want, len(got), got)
		}
	}
	advanceTo := func(at time.Time) {
		for w.clk.Now().Before(at) {
			w.waitIdle()
			w.clk.Advance(min(time.Hour, at.Sub(w.clk.Now())))
		}
		w.waitIdle()
	}

	// Days 1 and 2: both succeed; pipeline-x runs once a day, for that day.
	advanceTo(day(2).Add(6 * time.Hour))
	expect(2)
	for i, r := range sim.metrics() {
		if !r.LogicalDate.Equal(day(i + 1)) {
			t.Errorf("pipeline-x run %d stands for %v, want %v", i, r.LogicalDate, day(i+1))
		}
	}
	// Day 3: listings fails; pipeline-x does not run.
	sim.mu.Lock()
	sim.fail["listings"] = true
	sim.mu.Unlock()
	advanceTo(day(3).Add(6 * time.Hour))
	expect(2)
	// Team A fixes it and re-runs day 3's listings: pipeline-x runs by itself.
	if err := sim.end(ctx, smArn(teamA, "listings"), "rerun-day-3", day(3).Add(3*time.Hour), false); err != nil {
		t.Fatal(err)
	}
	expect(3)
	if got := sim.metrics()[2]; !got.LogicalDate.Equal(day(3)) {
		t.Fatalf("the re-run's pipeline-x stands for %v, want day 3", got.LogicalDate)
	}
	// Day 4: searches succeeds twice; pipeline-x runs once.
	advanceTo(day(4).Add(6 * time.Hour))
	expect(4)
	if err := sim.end(ctx, smArn(teamB, "searches"), "again-day-4", day(4).Add(5*time.Hour), false); err != nil {
		t.Fatal(err)
	}
	expect(4)
	// The rest of the week: once a day.
	advanceTo(day(8))
	expect(7)
	for i, r := range sim.metrics() {
		if !strings.Contains(fmt.Sprint(r.Trigger), "executions") {
			t.Errorf("run %d: trigger %v", i, r.Trigger)
		}
	}
}
