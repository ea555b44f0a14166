package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/workflow"
)

// TestQueuedRun: a run started queued records its start, runs nothing and
// arms no timer (not even its timeout) until Dequeue; then it runs as any
// run. A queued run that is stopped ends ABORTED at once, no handler run.
// The program tells its limit (workflow.Limited).
func TestQueuedRun(t *testing.T) {
	const src = `
name: p
max_active_runs: 2
on_limit: cancel_oldest
timeout: 1h
steps:
  - {name: a, command: [x]}
handlers:
  on_exit:
    - {name: bye, command: [x]}
`
	p := compileTest(t, src, Options{}, nil)
	if max, on := p.(workflow.Limited).MaxActiveRuns(); max != 2 || on != workflow.LimitCancelOldest {
		t.Fatalf("MaxActiveRuns = %d, %q", max, on)
	}
	start := func() *harness {
		h := &harness{t: t, prog: p, now: t0, tasks: map[string]workflow.RunTask{}, timers: map[string]workflow.ArmTimer{}}
		var out workflow.Output
		h.inst = p.Start(workflow.Info{ID: "arn:run:q", Name: "q", Input: map[string]any{}, StartTime: t0, Queued: true}, t0, &out)
		h.collect(&out)
		h.twinCheck(nil)
		return h
	}
	h := start()
	h.wantStatus(workflow.StatusQueued)
	if len(h.tasks) != 0 || len(h.timers) != 0 || len(h.history) != 1 || h.history[0].Type != "ExecutionStarted" {
		t.Fatalf("a queued run: tasks %v, timers %v, history %v", h.tasks, h.timers, h.history)
	}
	h.do(workflow.Dequeue{})
	h.wantStatus(workflow.StatusRunning)
	if len(h.timers) != 1 {
		t.Fatalf("the run's timeout is armed when it runs: timers %v", h.timers)
	}
	h.ok("a", nil)
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusSucceeded)

	h = start()
	h.do(workflow.Stop{Error: "E", Cause: "not needed"})
	h.wantStatus(workflow.StatusAborted)
	if len(h.tasks) != 0 || h.inst.Result().Error != "E" {
		t.Fatalf("a stopped queued run: tasks %v, result %+v", h.tasks, h.inst.Result())
	}
}

// TestEvalErrorsRetried: a when or for_each that fails to evaluate fails
// the step's start with States.QueryEvaluationError, recorded in the
// history (TaskFailed, MapStateFailed), and the step's retry covers it as
// any error: the start is tried again after the retry's delay, then the
// step fails.
func TestEvalErrorsRetried(t *testing.T) {
	const src = `
name: p
defaults:
  retry: {retries: 2, interval: 1s, backoff_rate: 1, jitter: none, on: [States.QueryEvaluationError]}
steps:
  - {name: w, when: "{% $number($input.x) > 1 %}", command: [x]}
  - {name: fe, for_each: "{% $number($input.x) %}", command: [x]}
`
	h := newHarness(t, src, Options{}, map[string]any{"x": "not a number"})
	if len(h.timers) != 2 {
		t.Fatalf("retries armed: %v", h.timers)
	}
	h.tick(time.Second)
	h.tick(time.Second)
	h.tick(time.Second)
	h.wantStatus(workflow.StatusFailed)
	var failed, mapFailed int
	for _, ev := range h.history {
		switch ev.Type {
		case "TaskFailed":
			failed++
		case "MapStateFailed":
			mapFailed++
		}
		if (ev.Type == "TaskFailed" || ev.Type == "MapStateFailed") && ev.Error != "States.QueryEvaluationError" {
			t.Errorf("%s with error %q", ev.Type, ev.Error)
		}
	}
	if failed != 3 || mapFailed != 3 {
		t.Fatalf("%d TaskFailed and %d MapStateFailed events, want 3 each (the first try and two retries)", failed, mapFailed)
	}
}

// TestHostileExpressions: an expression past MaxExpressionBytes is refused
// without being compiled (a long path took seconds), and a file with more
// problems than MaxDiagnostics lists that many and says how many more.
func TestHostileExpressions(t *testing.T) {
	long := "name: p\nsteps:\n  - {name: a, command: [x, \"{% $input" + strings.Repeat(".a", 40000) + " %}\"]}\n"
	start := time.Now()
	_, err := Parse([]byte(long))
	if err == nil || !strings.Contains(err.Error(), "more than the 16384 an expression may have") {
		t.Fatalf("a 80 KB expression: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing it took %s", d)
	}
	var b strings.Builder
	b.WriteString("name: p\nsteps:\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "  - {name: s%d, command: [x], depends_on: [nope]}\n", i)
	}
	_, err = Parse([]byte(b.String()))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Diagnostics) != MaxDiagnostics+1 || !strings.Contains(ve.Diagnostics[MaxDiagnostics].Message, "and 500 more problems") {
		t.Fatalf("1500 problems: %d diagnostics", len(ve.Diagnostics))
	}
}

// TestScheduledTime: $run.scheduled_time is the logical date of a run a
// trigger started; a run given its logical date by hand (a backfill) was
// not scheduled.
func TestScheduledTime(t *testing.T) {
	p := compileTest(t, "name: p\nsteps:\n  - {name: a, command: [x]}\noutput: \"{% $run.scheduled_time %}\"\n", Options{}, nil)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		trigger any
		want    any
	}{
		{nil, nil},
		{map[string]any{"schedule": "nightly"}, "2026-11-20T00:00:00Z"},
	} {
		var out workflow.Output
		x := p.Start(workflow.Info{ID: "r", Name: "r", Input: map[string]any{}, StartTime: t0, LogicalDate: day, Trigger: tt.trigger}, t0, &out)
		var task string
		for _, c := range out.Commands {
			if rt, ok := c.(workflow.RunTask); ok {
				task = rt.TaskID
			}
		}
		var done workflow.Output
		x.Apply(workflow.TaskSucceeded{TaskID: task, Output: nil}, t0, &done)
		if got := x.Result().Output; got != tt.want {
			t.Errorf("trigger %v: scheduled_time %v, want %v", tt.trigger, got, tt.want)
		}
	}
}
