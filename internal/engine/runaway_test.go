package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// endlessLoop is a Pass/Choice loop that never waits for anything.
const endlessLoop = `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"C"}],"Default":"A"},"C":{"Type":"Succeed"}}}`

// gatedLoop waits for an activity task, then loops forever: once the task's
// result is applied, the loop is computing.
const gatedLoop = `{"StartAt":"Gate","States":{"Gate":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:gate","Next":"A"},
  "A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"C"}],"Default":"A"},"C":{"Type":"Succeed"}}}`

const gateActivity = "arn:aws:states:us-east-1:123456789012:activity:gate"

// within fails the test when fn takes longer than d.
func within(t *testing.T, what string, d time.Duration, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	took := time.Since(start)
	t.Logf("%s: %s", what, took)
	if took > d {
		t.Errorf("%s took %s, want under %s", what, took, d)
	}
}

// prompt bounds the answers of the tests of runaway executions. They take
// milliseconds (a few group commits); the bound leaves room for the race
// detector on a loaded machine (CI runs the packages' tests side by side on
// two cores: 8 s seen), well below the MaxStepTime of a minute that one
// loop held every other execution up for before.
const prompt = 20 * time.Second

// TestRunawayLoopsDoNotHoldUpOthers: several executions computing endless
// loops at once (Standard, and Express run with StartSync) leave the engine
// to other work: a normal start completes at once, the loops all go on, and
// each Stop is answered at once. Before the loops ran off the engine's loop,
// each held up every other execution for MaxStepTime, one after another.
func TestRunawayLoopsDoNotHoldUpOthers(t *testing.T) {
	for _, typ := range []string{store.TypeStandard, store.TypeExpress} {
		t.Run(typ, func(t *testing.T) {
			w := newTunedWorld(t, func(c *engine.Config) { withASL(c, noHistoryLimit); c.MaxStepTime = time.Minute })
			ctx := context.Background()
			const loops = 4
			var arns []string
			ended := make(chan *store.Execution, loops)
			for i := range loops {
				req := w.req(fmt.Sprint("loop", i), gatedLoop, `{}`)
				if typ == store.TypeExpress {
					req.Type = store.TypeExpress
					req.ExecutionArn = strings.Replace(req.ExecutionArn, ":execution:", ":express:", 1)
					go func() {
						ex, err := w.eng.StartSync(ctx, req)
						if err != nil {
							t.Error(err)
						}
						ended <- ex
					}()
				} else if _, err := w.eng.Start(ctx, req); err != nil {
					t.Fatal(err)
				}
				arns = append(arns, req.ExecutionArn)
			}
			// Open every gate: each SendTaskSuccess returns once its loop
			// has computed (and, Standard, stored) a first slice.
			for range loops {
				task, err := w.eng.GetActivityTask(ctx, gateActivity, "w")
				if err != nil || task == nil {
					t.Fatalf("gate: %v %v", task, err)
				}
				within(t, "SendTaskSuccess into a loop", prompt, func() {
					if err := w.eng.SendTaskSuccess(ctx, task.Token, `{}`); err != nil {
						t.Fatal(err)
					}
				})
			}
			within(t, "a Standard start while loops run", prompt, func() {
				ex := w.start("normal", passChain, `{}`)
				w.wait(ex.Arn, "SUCCEEDED")
			})
			within(t, "an Express StartSync while loops run", prompt, func() {
				req := w.req("normal-express", passChain, `{}`)
				req.Type = store.TypeExpress
				req.ExecutionArn = strings.Replace(req.ExecutionArn, ":execution:", ":express:", 1)
				ex, err := w.eng.StartSync(ctx, req)
				if err != nil || ex.Status != "SUCCEEDED" {
					t.Fatalf("%+v %v", ex, err)
				}
			})
			if typ == store.TypeStandard {
				// The loops take turns: each stores its history as it goes.
				for _, arn := range arns {
					w.until(arn+" goes on", func() bool {
						ex, err := w.st.GetExecution(ctx, arn)
						return err == nil && ex.EventCount > 3000
					})
				}
			}
			for _, arn := range arns {
				within(t, "Stop of a loop", prompt, func() {
					ex, err := w.eng.Stop(ctx, arn, "Halt", "enough")
					if err != nil || ex.Status != "ABORTED" {
						t.Fatalf("stop: %+v %v", ex, err)
					}
				})
			}
			for _, arn := range arns {
				if typ == store.TypeExpress {
					ex := <-ended
					if ex == nil || ex.Status != "ABORTED" || ex.Error != "Halt" {
						t.Fatalf("express loop ended as %+v", ex)
					}
					continue
				}
				ex := w.wait(arn, "ABORTED")
				if ex.Error != "Halt" {
					t.Fatalf("%s: %s %s", arn, ex.Error, ex.Cause)
				}
				w.history(arn) // gap-free across the slices
			}
		})
	}
}

// TestRunawayStopDate: the runaway guard's stop is dated when it happens,
// not when the run began. The clock moves a second each time it is read, so
// the run spans many seconds.
func TestRunawayStopDate(t *testing.T) {
	w := newTunedWorld(t, func(c *engine.Config) {
		withASL(c, noHistoryLimit)
		c.MaxStepTime = 500 * time.Millisecond
		c.Clock = tickingClock{c.Clock.(*clock.Fake)}
	})
	ex := w.start("runaway", endlessLoop, `{}`)
	done := w.wait(ex.Arn, "ABORTED")
	if done.Error != engine.ErrRunaway {
		t.Fatalf("%s: %s", done.Error, done.Cause)
	}
	if !done.StopDate.After(done.StartDate.Add(time.Second)) || done.StopDate.After(w.clk.Now()) {
		t.Fatalf("stopDate %s: the run began at %s and the clock shows %s", done.StopDate, done.StartDate, w.clk.Now())
	}
	if !strings.Contains(done.Cause, "500ms") || !strings.Contains(done.Cause, "--max-step-time") {
		t.Fatalf("cause does not name the limit and its flag: %s", done.Cause)
	}
}

// tickingClock is a fake clock that moves a second each time it is read.
type tickingClock struct{ *clock.Fake }

func (c tickingClock) Now() time.Time {
	c.Advance(time.Second)
	return c.Fake.Now()
}

// TestLongRunContinuesAfterRestart: a run cut into slices is stored slice
// by slice (its memory holds one slice), and after a restart it goes on
// from its last stored slice.
func TestLongRunContinuesAfterRestart(t *testing.T) {
	w := newTunedWorld(t, func(c *engine.Config) { withASL(c, noHistoryLimit); c.MaxStepTime = time.Hour })
	ctx := context.Background()
	ex := w.start("long", endlessLoop, `{}`)
	count := func() int64 {
		row, err := w.st.GetExecution(ctx, ex.Arn)
		if err != nil {
			t.Fatal(err)
		}
		if row.Status != "RUNNING" {
			t.Fatalf("%s: %s %s", row.Status, row.Error, row.Cause)
		}
		return row.EventCount
	}
	w.until("history stored while it runs", func() bool { return count() > 2000 })
	w.restart()
	c0 := count()
	w.until("the run goes on after a restart", func() bool { return count() > c0+2000 })
	if _, err := w.eng.Stop(ctx, ex.Arn, "Halt", ""); err != nil {
		t.Fatal(err)
	}
	w.wait(ex.Arn, "ABORTED")
	h := w.history(ex.Arn)
	if h[len(h)-1] != "ExecutionAborted" {
		t.Fatalf("last event %s", h[len(h)-1])
	}
}

// until polls cond with a deadline.
func (w *world) until(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling with a deadline
	}
}

// TestWideParallelInSlices: a Parallel of many branches runs in slices,
// each stored as one transition, and ends as one uninterrupted run would:
// every branch's result in order, and a history without gaps.
func TestWideParallelInSlices(t *testing.T) {
	w := newWorld(t)
	const n = 1000
	var branches []string
	for i := range n {
		branches = append(branches, fmt.Sprintf(`{"StartAt":"P%d","States":{"P%d":{"Type":"Pass","Result":%d,"End":true}}}`, i, i, i))
	}
	def := `{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(branches, ",") + `]}}}`
	start := time.Now()
	ex := w.start("wide", def, `{}`)
	done := w.waitUpTo(ex.Arn, "SUCCEEDED", time.Minute)
	t.Logf("%d branches: %s", n, time.Since(start))
	var want []string
	for i := range n {
		want = append(want, fmt.Sprint(i))
	}
	if done.Output != "["+strings.Join(want, ",")+"]" {
		t.Fatalf("output %.80s...", done.Output)
	}
	h := w.history(ex.Arn)
	if len(h) <= 1024 || h[len(h)-1] != "ExecutionSucceeded" {
		t.Fatalf("%d events, last %s", len(h), h[len(h)-1])
	}
}

// TestWideParallelOfWaits: the Wait timers of a Parallel's branches fall due
// together and are applied in one call, stored as one transition a slice,
// also after a restart. Applied one by one, each timer stored the whole
// execution again: 2,000 branches took 6 s, 10,000 over 150 s, and
// StopExecution waited behind them.
func TestWideParallelOfWaits(t *testing.T) {
	w := newWorld(t)
	const n = 1500
	var branches []string
	for i := range n {
		branches = append(branches, fmt.Sprintf(`{"StartAt":"W%d","States":{"W%d":{"Type":"Wait","Seconds":1,"End":true}}}`, i, i))
	}
	def := `{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(branches, ",") + `]}}}`
	within(t, "Stop of a Parallel of 1,500 Waits", prompt, func() {
		ex := w.start("stopped", def, `{}`)
		if _, err := w.eng.Stop(context.Background(), ex.Arn, "Halt", ""); err != nil {
			t.Fatal(err)
		}
		w.waitUpTo(ex.Arn, "ABORTED", time.Minute)
	})
	ex := w.start("waits", def, `{"k":1}`) // answered once the first slice is stored
	reg := prometheus.NewRegistry()
	w.tune = func(c *engine.Config) { c.Metrics = engine.NewMetrics(reg) }
	w.restart() // the rest is entered after it
	w.until("the branches' timers fire", func() bool {
		w.clk.Advance(time.Second)
		row, err := w.st.GetExecution(context.Background(), ex.Arn)
		return err == nil && row.Status == "SUCCEEDED"
	})
	done := w.waitUpTo(ex.Arn, "SUCCEEDED", time.Minute)
	if !strings.HasPrefix(done.Output, `[{"k":1},{"k":1},`) || strings.Count(done.Output, `{"k":1}`) != n {
		t.Fatalf("output %.80s...", done.Output)
	}
	w.history(ex.Arn)
	// Stored transitions of the execution after the restart: a few per
	// slice of 1,024 events, not one per timer.
	if stored := storedTransitions(t, reg); stored > n/10 {
		t.Fatalf("%d transitions stored for %d timers", stored, n)
	}
}

// storedTransitions is the number of execution transitions the engine
// committed (baton_commit_batch_transitions' sum).
func storedTransitions(t *testing.T, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "baton_commit_batch_transitions" {
			return int(mf.GetMetric()[0].GetHistogram().GetSampleSum())
		}
	}
	t.Fatal("no baton_commit_batch_transitions")
	return 0
}

// TestWideParallelOfTasks: the results of a wide Parallel's tasks that
// arrive while the execution computes are applied together, one stored
// snapshot for each batch instead of one for each result. The count of
// stored transitions says so whatever the machine's speed; one snapshot for
// each result stored 1,500 growing states.
func TestWideParallelOfTasks(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := newTunedWorld(t, func(c *engine.Config) { c.Metrics = engine.NewMetrics(reg) })
	w.execs["zz:echo"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) { return r.Input, nil })
	const n = 1500
	var branches []string
	for i := range n {
		branches = append(branches, fmt.Sprintf(`{"StartAt":"T%d","States":{"T%d":{"Type":"Task","Resource":"zz:echo","End":true}}}`, i, i))
	}
	def := `{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(branches, ",") + `]}}}`
	ex := w.start("tasks", def, `{"k":1}`)
	done := w.waitUpTo(ex.Arn, "SUCCEEDED", time.Minute)
	if strings.Count(done.Output, `{"k":1}`) != n {
		t.Fatalf("output %.80s...", done.Output)
	}
	w.history(ex.Arn)
	stored := storedTransitions(t, reg)
	t.Logf("%d transitions stored for %d task results", stored, n)
	if stored > n/2 { // the number of batches depends on the machine's speed: 9 to 207 here
		t.Fatalf("%d transitions stored for %d task results, want one per batch of results", stored, n)
	}
}
