package pipeline

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/workflow"
)

// twoUpstreams is a pipeline whose steps a and b end as the input says
// (S succeeded, F failed, T timed out, K skipped by when), and c depends
// on both with the rule under test.
const twoUpstreams = `
name: p
steps:
  - {name: a, command: [x], when: "{%% $input.a != 'K' %%}", timeout: 1m}
  - {name: b, command: [x], when: "{%% $input.b != 'K' %%}", timeout: 1m}
  - {name: c, command: [x], depends_on: [a, b], trigger_rule: %s}
`

// endAs drives the open tasks of a and b to their outcomes: successes and
// failures first, then the timeouts.
func endAs(h *harness, outcomes map[string]string) {
	h.t.Helper()
	for _, name := range []string{"a", "b"} {
		switch outcomes[name] {
		case "S":
			h.ok(name, map[string]any{"from": name})
		case "F":
			h.fail(name, "Shell.ExitError")
		}
	}
	if outcomes["a"] == "T" || outcomes["b"] == "T" {
		h.tick(time.Minute)
	}
}

func TestTriggerRules(t *testing.T) {
	cases := []struct {
		rule, a, b string
		want       string // "run" or the skip reason
	}{
		{RuleAllSuccess, "S", "S", "run"},
		{RuleAllSuccess, "S", "F", ReasonUpstreamFailed},
		{RuleAllSuccess, "S", "T", ReasonUpstreamFailed},
		{RuleAllSuccess, "S", "K", ReasonUpstreamSkipped},
		{RuleAllSuccess, "K", "F", ReasonUpstreamSkipped}, // decided at the first final upstream
		{RuleAllSuccess, "F", "K", ReasonUpstreamSkipped},
		{RuleAllFailed, "F", "F", "run"},
		{RuleAllFailed, "F", "T", "run"},
		{RuleAllFailed, "S", "F", ReasonUpstreamSucceeded},
		{RuleAllFailed, "K", "F", ReasonUpstreamSkipped},
		{RuleAllDone, "S", "F", "run"},
		{RuleAllDone, "K", "K", "run"},
		{RuleAllDone, "T", "S", "run"},
		{RuleAlways, "F", "F", "run"},
		{RuleAlways, "K", "T", "run"},
		{RuleOneSuccess, "S", "F", "run"},
		{RuleOneSuccess, "F", "S", "run"},
		{RuleOneSuccess, "K", "S", "run"},
		{RuleOneSuccess, "F", "F", ReasonUpstreamFailed},
		{RuleOneSuccess, "K", "F", ReasonUpstreamFailed},
		{RuleOneSuccess, "K", "K", ReasonUpstreamSkipped},
		{RuleOneFailed, "S", "F", "run"},
		{RuleOneFailed, "T", "S", "run"},
		{RuleOneFailed, "K", "F", "run"},
		{RuleOneFailed, "S", "S", ReasonUpstreamSucceeded},
		{RuleOneFailed, "K", "S", ReasonUpstreamSkipped},
		{RuleNoneFailed, "S", "K", "run"},
		{RuleNoneFailed, "K", "K", "run"},
		{RuleNoneFailed, "S", "S", "run"},
		{RuleNoneFailed, "S", "F", ReasonUpstreamFailed},
		{RuleNoneFailed, "K", "T", ReasonUpstreamFailed},
		{RuleNoneFailedMinOneSuccess, "S", "K", "run"},
		{RuleNoneFailedMinOneSuccess, "S", "S", "run"},
		{RuleNoneFailedMinOneSuccess, "K", "K", ReasonUpstreamSkipped},
		{RuleNoneFailedMinOneSuccess, "S", "F", ReasonUpstreamFailed},
		{RuleNoneFailedMinOneSuccess, "T", "K", ReasonUpstreamFailed},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s%s", tc.rule, tc.a, tc.b), func(t *testing.T) {
			h := newHarness(t, fmt.Sprintf(twoUpstreams, tc.rule), Options{}, map[string]any{"a": tc.a, "b": tc.b})
			endAs(h, map[string]string{"a": tc.a, "b": tc.b})
			got := h.skipped("c")
			if _, ok := h.task("c"); ok {
				got = "run"
				h.ok("c", nil)
			}
			if got != tc.want {
				t.Fatalf("c: %q, want %q\nhistory: %s", got, tc.want, h.types())
			}
			if h.status() == workflow.StatusRunning {
				t.Fatalf("the run did not end: %s", h.types())
			}
			// a failed or timed-out upstream fails the run, whatever c does
			want := workflow.StatusSucceeded
			if strings.ContainsAny(tc.a+tc.b, "FT") {
				want = workflow.StatusFailed
			}
			h.wantStatus(want)
		})
	}
}

// TestTriggerRuleAsSoonAs: one_success and one_failed start as soon as one
// upstream has the outcome, without waiting for the others.
func TestTriggerRuleAsSoonAs(t *testing.T) {
	for _, tc := range []struct{ rule, first, outcome string }{
		{RuleOneSuccess, "a", "S"},
		{RuleOneFailed, "b", "F"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			h := newHarness(t, fmt.Sprintf(twoUpstreams, tc.rule), Options{}, map[string]any{"a": "S", "b": "S"})
			endAs(h, map[string]string{tc.first: tc.outcome})
			if _, ok := h.task("c"); !ok {
				t.Fatalf("c did not start after %s: %s", tc.first, h.types())
			}
			if _, ok := h.task(map[string]string{"a": "b", "b": "a"}[tc.first]); !ok {
				t.Fatal("the other upstream should still run")
			}
		})
	}
}

func TestSkipPropagatesWithReasons(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x]}
  - {name: b, command: [x], depends_on: [a], when: "{% $steps.a.output.go %}"}
  - {name: c, command: [x], depends_on: [b]}
  - {name: d, command: [x], depends_on: [c], trigger_rule: none_failed}
  - {name: e, command: [x], depends_on: [d]}
`, Options{}, nil)
	h.ok("a", map[string]any{"go": false})
	for step, want := range map[string]string{"b": ReasonWhen, "c": ReasonUpstreamSkipped, "d": ""} {
		if got := h.skipped(step); got != want {
			t.Errorf("%s skipped %q, want %q", step, got, want)
		}
	}
	h.ok("d", nil)
	h.ok("e", nil)
	h.wantStatus(workflow.StatusSucceeded)
	out := h.inst.Result().Output.(map[string]any)
	if _, ok := out["b"]; ok || len(out) != 3 {
		t.Fatalf("output %v: want the succeeded steps a, d, e", out)
	}
}

func TestWhenErrors(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x], when: "{% $input.flag %}"}
  - {name: b, command: [x], when: "{% $input.missing.deeper %}"}
`, Options{}, map[string]any{"flag": "yes"})
	h.wantStatus(workflow.StatusFailed)
	if r := h.inst.Result(); r.Error != "States.QueryEvaluationError" || !strings.Contains(r.Cause, "when") {
		t.Fatalf("result %+v", r)
	}
}

func TestRunStatusAndHandlers(t *testing.T) {
	const src = `
name: p
steps:
  - {name: a, command: [x], allow_failure: %v}
  - {name: b, command: [x], depends_on: [a], trigger_rule: one_failed}
handlers:
  on_failure: [{name: undo, command: [x]}]
  on_success: [{name: yay, command: [x]}]
  on_exit: [{name: bye, command: [x]}]
`
	cases := []struct {
		name       string
		allow      bool
		script     []string
		wantStatus string
		wantRan    string
	}{
		{"success", false, []string{"ok a", "ok yay", "ok bye"}, workflow.StatusSucceeded, "a yay bye"},
		{"failure handled downstream still fails", false, []string{"fail a E", "ok b", "ok undo", "ok bye"}, workflow.StatusFailed, "a b undo bye"},
		{"allow_failure", true, []string{"fail a E", "ok b", "ok yay", "ok bye"}, workflow.StatusSucceeded, "a b yay bye"},
		{"failing on_success fails the run, then on_failure runs", false, []string{"ok a", "fail yay E", "ok undo", "ok bye"}, workflow.StatusFailed, "a yay undo bye"},
		{"failing on_exit fails the run", false, []string{"ok a", "ok yay", "fail bye E"}, workflow.StatusFailed, "a yay bye"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, fmt.Sprintf(src, tc.allow), Options{}, nil)
			for _, l := range tc.script {
				h.script(l)
			}
			h.wantStatus(tc.wantStatus)
			if got := strings.Join(h.ran(), " "); got != tc.wantRan {
				t.Fatalf("ran %q, want %q", got, tc.wantRan)
			}
		})
	}
}

func TestRunOutputExpression(t *testing.T) {
	h := newHarness(t, `
name: p
params:
  n: {type: integer, default: 2}
steps:
  - {name: a, command: [x]}
output: "{% {'total': $steps.a.output.rows * $input.n, 'status': $steps.a.status} %}"
`, Options{}, nil)
	h.ok("a", map[string]any{"rows": 21})
	h.wantStatus(workflow.StatusSucceeded)
	if got := string(workflow.MarshalJSON(h.inst.Result().Output)); got != `{"status":"succeeded","total":42}` {
		t.Fatalf("output %s", got)
	}
}

func TestRetryBackoff(t *testing.T) {
	cases := []struct {
		name  string
		retry string
		rand  float64
		fails []string
		want  []time.Duration // the delays of the retries
		final string
	}{
		{"backoff", "{retries: 3, interval: 10s, backoff_rate: 2, jitter: none}", 0, []string{"E", "E", "E", "E"}, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second}, workflow.StatusFailed},
		{"max_delay", "{retries: 3, interval: 10s, backoff_rate: 3, max_delay: 40s}", 0, []string{"E", "E", "E", "E"}, []time.Duration{10 * time.Second, 30 * time.Second, 40 * time.Second}, workflow.StatusFailed},
		{"full jitter", "{retries: 2, interval: 10s, jitter: full}", 0.5, []string{"E", "E"}, []time.Duration{5 * time.Second, 10 * time.Second}, workflow.StatusSucceeded},
		{"on matches", "{retries: 1, interval: 1s, on: [Shell.ExitError]}", 0, []string{"Shell.ExitError"}, []time.Duration{time.Second}, workflow.StatusSucceeded},
		{"on does not match", "{retries: 1, interval: 1s, on: [Shell.ExitError]}", 0, []string{"Other"}, nil, workflow.StatusFailed},
		{"TaskFailed covers all but timeouts", "{retries: 1, on: [States.TaskFailed]}", 0, []string{"Other"}, []time.Duration{time.Second}, workflow.StatusSucceeded},
		{"never a non-retryable error", "{retries: 3}", 0, []string{"States.Runtime"}, nil, workflow.StatusFailed},
		{"ASL defaults", "{}", 0, []string{"E", "E", "E", "E"}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, workflow.StatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: p\nsteps:\n  - {name: a, command: [x], retry: " + tc.retry + "}\n"
			h := newHarness(t, src, Options{Rand: func() float64 { return tc.rand }}, nil)
			var delays []time.Duration
			for k, e := range tc.fails {
				rt := h.mustTask("a")
				if rt.Attempt != k {
					t.Fatalf("attempt %d has Attempt %d", k, rt.Attempt)
				}
				h.fail("a", e)
				if h.status() != workflow.StatusRunning {
					break
				}
				for _, tm := range h.timers {
					delays = append(delays, tm.At.Sub(h.now))
				}
				h.tick(time.Hour)
			}
			if h.status() == workflow.StatusRunning {
				h.ok("a", nil)
			}
			h.wantStatus(tc.final)
			if fmt.Sprint(delays) != fmt.Sprint(tc.want) {
				t.Fatalf("delays %v, want %v", delays, tc.want)
			}
		})
	}
}

// TestDefaultsMerge: retry, timeout and env merge field by field over
// defaults.
func TestDefaultsMerge(t *testing.T) {
	h := newHarness(t, `
name: p
defaults:
  timeout: 10m
  retry: {retries: 1, interval: 5s}
  env: {TZ: UTC, A: "1"}
steps:
  - name: a
    command: [x]
    retry: {interval: 7s}
    env: {A: "{% $string($input.n + 1) %}", B: b}
`, Options{}, map[string]any{"n": 1})
	rt := h.mustTask("a")
	if rt.Timeout != 10*time.Minute {
		t.Fatalf("timeout %v", rt.Timeout)
	}
	sh, err := steptask.Decode[steptask.Shell](rt.Input)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sh.Env) != "map[A:2 B:b TZ:UTC]" || sh.Step != "a" || sh.Pipeline != "p" {
		t.Fatalf("shell task %+v", sh)
	}
	h.fail("a", "E")
	var at time.Time
	for _, tm := range h.timers {
		if tm.Purpose == "retry" {
			at = tm.At
		}
	}
	if at.Sub(h.now) != 7*time.Second {
		t.Fatalf("retry at +%v, want +7s", at.Sub(h.now))
	}
	h.tick(7 * time.Second)
	h.fail("a", "E")
	h.wantStatus(workflow.StatusFailed)
}

func TestStepTimeout(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x], timeout: 1m}
  - {name: b, command: [x], depends_on: [a], trigger_rule: all_done}
`, Options{}, nil)
	rt := h.mustTask("a")
	if rt.Timeout != time.Minute {
		t.Fatalf("RunTask.Timeout %v", rt.Timeout)
	}
	// the task is lost: its timer still times the step out
	h.tick(time.Minute)
	if _, ok := h.tasks[rt.TaskID]; ok {
		t.Fatal("the timed-out task was not cancelled")
	}
	if !strings.Contains(h.types(), "TaskTimedOut") {
		t.Fatalf("no TaskTimedOut: %s", h.types())
	}
	h.ok("b", nil)
	h.wantStatus(workflow.StatusFailed)
	if r := h.inst.Result(); r.Error != "States.Timeout" {
		t.Fatalf("result %+v", r)
	}
	// a late result is ignored
	h.do(workflow.TaskSucceeded{TaskID: rt.TaskID})
	h.wantStatus(workflow.StatusFailed)
}

func TestPipelineTimeout(t *testing.T) {
	h := newHarness(t, `
name: p
timeout: 1h
steps:
  - {name: a, command: [x]}
  - {name: b, command: [x], depends_on: [a]}
handlers:
  on_failure: [{name: undo, command: [x]}]
  on_success: [{name: yay, command: [x]}]
  on_exit: [{name: bye, command: [x]}]
`, Options{}, nil)
	h.ok("a", nil)
	b := h.mustTask("b")
	h.tick(time.Hour)
	if _, ok := h.tasks[b.TaskID]; ok {
		t.Fatal("b's task was not cancelled")
	}
	h.wantStatus(workflow.StatusRunning) // its handlers run
	h.ok("undo", nil)
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusTimedOut)
	if got := strings.Join(h.ran(), " "); got != "a b undo bye" {
		t.Fatalf("ran %q", got)
	}
}

func TestStop(t *testing.T) {
	const src = `
name: p
steps:
  - {name: a, command: [x]}
handlers:
  on_failure: [{name: undo, command: [x]}]
  on_exit: [{name: bye, command: [x]}]
`
	t.Run("on_exit runs", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.stop()
		if _, ok := h.task("a"); ok {
			t.Fatal("a was not cancelled")
		}
		h.wantStatus(workflow.StatusRunning)
		h.ok("bye", nil)
		h.wantStatus(workflow.StatusAborted)
		if got := strings.Join(h.ran(), " "); got != "a bye" {
			t.Fatalf("ran %q: on_failure must not run after a stop", got)
		}
	})
	t.Run("grace period", func(t *testing.T) {
		h := newHarness(t, src, Options{HandlerGrace: time.Minute}, nil)
		h.stop()
		h.tick(time.Minute)
		h.wantStatus(workflow.StatusAborted)
		if len(h.tasks) != 0 || len(h.timers) != 0 {
			t.Fatalf("left %v tasks, %v timers", h.tasks, h.timers)
		}
	})
	t.Run("second stop", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.stop()
		h.stop()
		h.wantStatus(workflow.StatusAborted)
		if r := h.inst.Result(); r.Error != "User" {
			t.Fatalf("result %+v", r)
		}
	})
	t.Run("no handlers", func(t *testing.T) {
		h := newHarness(t, "name: p\nsteps: [{name: a, command: [x]}]\n", Options{}, nil)
		h.stop()
		h.wantStatus(workflow.StatusAborted)
		if len(h.timers) != 0 {
			t.Fatalf("timers left: %v", h.timers)
		}
	})
}

func TestParams(t *testing.T) {
	const src = `
name: p
params:
  day: {type: string, default: "{% $run.logical_date %}"}
  n: {type: integer, default: 3}
  mode: {type: string, enum: [full, delta], default: full}
  need: {type: boolean}
steps:
  - {name: a, command: [x, "{% $input.day %}", "{% $input.n %}", "{% $input.mode %}"]}
`
	cases := []struct {
		input     any
		wantCause string // "" : runs
		wantArgs  string
	}{
		{map[string]any{"need": true}, "", "[x 2026-03-01T12:00:00Z 3 full]"},
		{map[string]any{"need": true, "day": "2026-01-01", "n": int64(7), "mode": "delta"}, "", "[x 2026-01-01 7 delta]"},
		{map[string]any{}, "param 'need' is required", ""},
		{map[string]any{"need": true, "n": "seven"}, "param 'n' must be of type integer", ""},
		{map[string]any{"need": true, "n": 1.5}, "param 'n' must be of type integer", ""},
		{map[string]any{"need": true, "mode": "other"}, "param 'mode' must be one of", ""},
		{[]any{1}, "must be a JSON object", ""},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := newHarness(t, src, Options{}, tc.input)
			if tc.wantCause != "" {
				h.wantStatus(workflow.StatusFailed)
				if r := h.inst.Result(); r.Error != "States.Runtime" || !strings.Contains(r.Cause, tc.wantCause) {
					t.Fatalf("result %+v, want cause %q", r, tc.wantCause)
				}
				if got := h.types(); got != "ExecutionStarted ExecutionFailed" {
					t.Fatalf("history %s", got)
				}
				return
			}
			sh, _ := steptask.Decode[steptask.Shell](h.mustTask("a").Input)
			if got := fmt.Sprint(sh.Command); got != tc.wantArgs {
				t.Fatalf("command %s, want %s", got, tc.wantArgs)
			}
		})
	}
}

func TestRunVariable(t *testing.T) {
	h := &harness{t: t, prog: compileTest(t, `
name: p
steps:
  - {name: a, command: [x, "{% $run.id %}", "{% $run.pipeline %}", "{% $run.logical_date %}", "{% $run.data_interval_start %}", "{% $run.data_interval_end %}", "{% $run.namespace %}", "{% $env.REGION %}"]}
`, Options{Env: map[string]string{"REGION": "eu"}}, nil), now: t0}
	h.tasks, h.timers = map[string]workflow.RunTask{}, map[string]workflow.ArmTimer{}
	var out workflow.Output
	h.inst = h.prog.Start(workflow.Info{ID: "arn:x", WorkflowName: "p", Namespace: "ns", StartTime: t0,
		LogicalDate: t0.Add(-24 * time.Hour), DataIntervalStart: t0.Add(-48 * time.Hour)}, t0, &out)
	h.collect(&out)
	sh, _ := steptask.Decode[steptask.Shell](h.mustTask("a").Input)
	want := "[x arn:x p 2026-02-28T12:00:00Z 2026-02-27T12:00:00Z 2026-02-28T12:00:00Z ns eu]"
	if got := fmt.Sprint(sh.Command); got != want {
		t.Fatalf("command %s\nwant    %s", got, want)
	}
}

func TestForEach(t *testing.T) {
	const src = `
name: p
steps:
  - {name: list, command: [x]}
  - name: each
    depends_on: [list]
    for_each: "{% $steps.list.output.regions %}"
    max_concurrency: 2
    command: [x, "{% $item %}", "{% $string($index) %}"]
`
	t.Run("success", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.ok("list", map[string]any{"regions": []any{"eu", "us", "ap"}})
		if got := len(h.tasks); got != 2 {
			t.Fatalf("%d items at once, want 2", got)
		}
		sh, _ := steptask.Decode[steptask.Shell](h.mustTask("each#1").Input)
		if fmt.Sprint(sh.Command) != "[x us 1]" || sh.Index == nil || *sh.Index != 1 {
			t.Fatalf("item 1: %+v", sh)
		}
		h.ok("each#1", "US")
		h.ok("each#0", "EU")
		h.ok("each#2", "AP")
		h.wantStatus(workflow.StatusSucceeded)
		out := h.inst.Result().Output.(map[string]any)
		if got := fmt.Sprint(out["each"]); got != "[EU US AP]" {
			t.Fatalf("each output %s", got)
		}
		want := "ExecutionStarted TaskStateEntered(list) TaskScheduled TaskStarted TaskSucceeded TaskStateExited(list) MapStateEntered(each) MapStateStarted(each) " +
			"MapIterationStarted(each#0) TaskScheduled TaskStarted MapIterationStarted(each#1) TaskScheduled TaskStarted " +
			"TaskSucceeded MapIterationSucceeded(each#1) MapIterationStarted(each#2) TaskScheduled TaskStarted " +
			"TaskSucceeded MapIterationSucceeded(each#0) TaskSucceeded MapIterationSucceeded(each#2) MapStateSucceeded(each) MapStateExited(each) ExecutionSucceeded"
		if got := h.types(); got != want {
			t.Fatalf("history\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("an item fails", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.ok("list", map[string]any{"regions": []any{"eu", "us", "ap"}})
		h.ok("each#0", "EU")
		h.fail("each#1", "E")
		h.wantStatus(workflow.StatusFailed)
		if len(h.tasks) != 0 {
			t.Fatalf("items left running: %v", h.openNames())
		}
		if !strings.Contains(h.types(), "MapIterationFailed(each#1) MapIterationAborted(each#2) MapStateFailed(each)") {
			t.Fatalf("history %s", h.types())
		}
		// redrive runs the items that did not succeed, keeping item 0's output
		if err := h.redrive(); err != nil {
			t.Fatal(err)
		}
		if _, ok := h.task("each#0"); ok {
			t.Fatal("item 0 ran again")
		}
		h.ok("each#1", "US")
		h.ok("each#2", "AP")
		h.wantStatus(workflow.StatusSucceeded)
		if got := fmt.Sprint(h.inst.Result().Output.(map[string]any)["each"]); got != "[EU US AP]" {
			t.Fatalf("each output %s", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.ok("list", map[string]any{"regions": []any{}})
		h.wantStatus(workflow.StatusSucceeded)
	})
	t.Run("not an array", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		h.ok("list", map[string]any{"regions": "eu"})
		h.wantStatus(workflow.StatusFailed)
		if r := h.inst.Result(); r.Error != "States.QueryEvaluationError" || !strings.Contains(r.Cause, "must give an array") {
			t.Fatalf("result %+v", r)
		}
	})
}

// TestForEach10000 runs 10,000 items, 100 at a time, one of them retried,
// checking the snapshot round trip every 500 transitions (every one with
// BATON_SLOW_TESTS=1).
func TestForEach10000(t *testing.T) {
	const n = 10_000
	items := make([]any, n)
	for i := range items {
		items[i] = int64(i)
	}
	h := newHarness(t, `
name: p
steps:
  - name: each
    for_each: "{% $input.items %}"
    max_concurrency: 100
    retry: {retries: 1, interval: 1s}
    command: [x, "{% $item %}"]
`, Options{}, map[string]any{"items": items})
	start := time.Now()
	every := 500 // the round trip at every transition is quadratic in the test (not in the interpreter)
	if os.Getenv("BATON_SLOW_TESTS") == "1" {
		every = 1
	}
	for k := 0; len(h.tasks) > 0; k++ {
		h.noTwin = k%every != 0
		if len(h.tasks) > 100 {
			t.Fatalf("%d items at once", len(h.tasks))
		}
		id := h.order[0]
		for _, id2 := range h.order {
			if _, ok := h.tasks[id2]; ok {
				id = id2
				break
			}
		}
		h.order = h.order[1:]
		if k == 5000 {
			h.do(workflow.TaskFailed{TaskID: id, Error: "E"}) // retried
			h.tick(time.Second)
			continue
		}
		h.do(workflow.TaskSucceeded{TaskID: id, Output: int64(k)})
	}
	h.wantStatus(workflow.StatusSucceeded)
	if got := len(h.inst.Result().Output.(map[string]any)["each"].([]any)); got != n {
		t.Fatalf("%d outputs", got)
	}
	snap, _ := h.inst.Snapshot()
	t.Logf("10,000 items in %v; final snapshot %d bytes", time.Since(start), len(snap))
}

func TestRedrive(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x]}
  - {name: b, command: [x]}
  - {name: c, command: [x], depends_on: [a, b]}
handlers:
  on_exit: [{name: bye, command: [x]}]
`, Options{}, nil)
	if err := h.redrive(); !errors.Is(err, workflow.ErrNotRedrivable) {
		t.Fatalf("redrive of a running run: %v", err)
	}
	h.ok("a", "A")
	h.fail("b", "E")
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusFailed)
	if err := h.redrive(); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.task("a"); ok {
		t.Fatal("a, which succeeded, ran again")
	}
	h.ok("b", "B")
	h.ok("c", "C")
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusSucceeded)
	if got := string(workflow.MarshalJSON(h.inst.Result().Output)); got != `{"a":"A","b":"B","c":"C"}` {
		t.Fatalf("output %s", got)
	}
	if !strings.Contains(h.types(), "ExecutionRedriven") {
		t.Fatal("no ExecutionRedriven event")
	}
}

func TestRetryFrom(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x]}
  - {name: b, command: [x], depends_on: [a]}
  - {name: c, command: [x], depends_on: [b]}
  - {name: d, command: [x], depends_on: [a]}
handlers:
  on_exit: [{name: bye, command: [x]}]
`, Options{}, nil)
	if err := h.retryFrom("b"); !errors.Is(err, workflow.ErrNotRedrivable) {
		t.Fatalf("retry of a running run: %v", err)
	}
	for _, l := range []string{"ok a 1", "ok b 1", "ok d 1", "ok c 1", "ok bye"} {
		h.script(l)
	}
	h.wantStatus(workflow.StatusSucceeded)
	for _, name := range []string{"nope", "bye"} {
		if err := h.retryFrom(name); !errors.Is(err, workflow.ErrUnknownStep) {
			t.Fatalf("retry from %s: %v", name, err)
		}
	}
	if err := h.retryFrom("b"); err != nil {
		t.Fatal(err)
	}
	h.ok("b", 2)
	h.ok("c", 2)
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusSucceeded)
	if got := strings.Join(h.ran(), " "); got != "a b d c bye b c bye" {
		t.Fatalf("ran %q", got)
	}
	if got := string(workflow.MarshalJSON(h.inst.Result().Output)); got != `{"a":1,"b":2,"c":2,"d":1}` {
		t.Fatalf("output %s", got)
	}
}

func TestWaitFor(t *testing.T) {
	const src = `
name: p
steps:
  - name: w
    type: wait_for
    path: "s3://landing/*.csv"
    poll_interval: 1m
    timeout: 10m
`
	t.Run("found later", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		rt := h.mustTask("w")
		wf, err := steptask.Decode[steptask.WaitFor](rt.Input)
		if err != nil || wf.Path != "s3://landing/*.csv" || !wf.Since.Equal(t0) {
			t.Fatalf("probe %+v (%v)", wf, err)
		}
		h.ok("w", map[string]any{"found": false, "objects": []any{}})
		if len(h.tasks) != 0 {
			t.Fatal("a task is in flight while waiting")
		}
		h.tick(time.Minute)
		found := map[string]any{"found": true, "objects": []any{map[string]any{"url": "s3://landing/a.csv"}}}
		h.ok("w", found)
		h.wantStatus(workflow.StatusSucceeded)
		if got := string(workflow.MarshalJSON(h.inst.Result().Output)); !strings.Contains(got, "a.csv") {
			t.Fatalf("output %s", got)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h := newHarness(t, src, Options{}, nil)
		for range 9 {
			h.ok("w", map[string]any{"found": false})
			h.tick(time.Minute)
		}
		h.ok("w", map[string]any{"found": false})
		h.tick(time.Minute)
		h.wantStatus(workflow.StatusFailed)
		if r := h.inst.Result(); r.Error != "States.Timeout" {
			t.Fatalf("result %+v", r)
		}
		if len(h.timers) != 0 {
			t.Fatalf("timers left %v", h.timers)
		}
	})
	// The timeout of a wait_for is its answer (the data did not come in
	// time), not a transient failure: a retry that does not name
	// States.Timeout (no `on`, States.ALL, defaults.retry) does not wait
	// all over again; one that names it does.
	for _, tt := range []struct {
		retry    string
		attempts int
	}{
		{"{retries: 2}", 1},
		{"{retries: 2, on: [States.ALL]}", 1},
		{"{retries: 1, on: [States.Timeout]}", 2},
	} {
		t.Run("timeout with retry "+tt.retry, func(t *testing.T) {
			h := newHarness(t, src+"    retry: "+tt.retry+"\n", Options{}, nil)
			for attempt := 0; h.status() == workflow.StatusRunning; attempt++ {
				if attempt > 30 {
					t.Fatal("the wait never ended")
				}
				if _, ok := h.task("w"); ok {
					h.ok("w", map[string]any{"found": false})
				}
				h.tick(time.Minute)
			}
			if r := h.inst.Result(); r.Error != "States.Timeout" {
				t.Fatalf("result %+v", r)
			}
			if n := strings.Count(h.types(), "TaskTimedOut"); n != tt.attempts {
				t.Fatalf("%d attempts timed out, want %d: %s", n, tt.attempts, h.types())
			}
		})
	}
}

func TestStepTypes(t *testing.T) {
	p := compileTest(t, `
name: p
steps:
  - {name: q, type: sql, connection: wh, file: sql/load.sql}
  - {name: act, type: activity, activity: resize, input: {day: "{% $input.day %}"}, heartbeat_timeout: 30s}
  - {name: child, type: workflow, workflow: other, input: {n: 1}}
  - {name: get, type: http, url: "https://x/{% $input.day %}", headers: {N: "{% 1 + 1 %}"}}
  - {name: cp, type: copy, from: "file://out/a", to: "s3://b/{% $input.day %}/a"}
`, Options{}, map[string]string{"sql/load.sql": "INSERT {% not a template %}"})
	h := &harness{t: t, prog: p, now: t0}
	h.start(map[string]any{"day": "d1"})
	q, _ := steptask.Decode[steptask.SQL](h.mustTask("q").Input)
	act := h.mustTask("act")
	child, _ := steptask.Decode[steptask.Workflow](h.mustTask("child").Input)
	get, _ := steptask.Decode[steptask.HTTP](h.mustTask("get").Input)
	cp, _ := steptask.Decode[steptask.Copy](h.mustTask("cp").Input)
	got := fmt.Sprintf("%s|%s|%s %v|%s %v|%s %s %v|%s %s", q.Connection, q.Query, act.Resource, act.Input, child.Workflow, child.Input,
		get.URL, get.Method, get.Headers, cp.From, cp.To)
	want := "wh|INSERT {% not a template %}|baton:step:activity:resize map[day:d1]|other map[n:1]|https://x/d1 GET map[N:2]|file://out/a s3://b/d1/a"
	if got != want {
		t.Fatalf("tasks\n%s\nwant\n%s", got, want)
	}
	if rt := h.mustTask("act"); rt.Heartbeat != 30*time.Second {
		t.Fatalf("activity task %+v", rt)
	}
	// a missing file is a compile error
	if _, err := NewLanguage(Options{}).Compile([]byte("name: p\nsteps: [{name: q, type: sql, connection: c, file: x.sql}]\n"), workflow.CompileOptions{}); err == nil || !strings.Contains(err.Error(), "x.sql") {
		t.Fatalf("compile without files: %v", err)
	}
}

func TestBodyIsASL(t *testing.T) {
	_, err := NewLanguage(Options{}).Compile([]byte(`
name: p
body: {StartAt: A, States: {A: {Type: Succeed}}}
`), workflow.CompileOptions{})
	if !errors.Is(err, ErrBody) {
		t.Fatalf("err %v, want ErrBody", err)
	}
}

func TestExpressionFailureIsRetried(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: a, command: [x, "{% $number('abc') %}"], retry: {retries: 1, interval: 1s}}
`, Options{}, map[string]any{"n": 1})
	h.tick(time.Second)
	h.wantStatus(workflow.StatusFailed)
	if r := h.inst.Result(); r.Error != "States.QueryEvaluationError" {
		t.Fatalf("result %+v", r)
	}
	if strings.Count(h.types(), "TaskFailed") != 2 {
		t.Fatalf("history %s: want two failed attempts", h.types())
	}
}

func TestLimits(t *testing.T) {
	t.Run("payload", func(t *testing.T) {
		h := newHarness(t, "name: p\nsteps: [{name: a, command: [x], retry: {retries: 3}}]\n", Options{MaxPayloadBytes: 100}, nil)
		h.ok("a", strings.Repeat("x", 200))
		h.wantStatus(workflow.StatusFailed)
		if r := h.inst.Result(); r.Error != "States.DataLimitExceeded" || !strings.Contains(r.Cause, "100 bytes") {
			t.Fatalf("result %+v", r)
		}
	})
	t.Run("history", func(t *testing.T) {
		h := newHarness(t, "name: p\nsteps: [{name: a, command: [x], retry: {retries: 100, interval: 1s, backoff_rate: 1}}]\n", Options{MaxHistoryEvents: 20}, nil)
		for h.status() == workflow.StatusRunning {
			h.fail("a", "E")
			h.tick(time.Second)
		}
		h.wantStatus(workflow.StatusFailed)
		if r := h.inst.Result(); r.Error != "States.Runtime" || !strings.Contains(r.Cause, "20 events") {
			t.Fatalf("result %+v", r)
		}
	})
}

func TestRestoreRefusesOtherPipeline(t *testing.T) {
	h := newHarness(t, "name: p\nsteps: [{name: a, command: [x]}]\n", Options{}, nil)
	snap, _ := h.inst.Snapshot()
	other := compileTest(t, "name: p\nsteps: [{name: a, command: [x]}, {name: b, command: [x]}]\n", Options{}, nil)
	if _, err := other.Restore(snap); err == nil {
		t.Fatal("restored a snapshot into a pipeline with other steps")
	}
	if _, err := other.Restore([]byte("{")); err == nil {
		t.Fatal("restored garbage")
	}
}

func TestBadInputCannotBeRedriven(t *testing.T) {
	h := newHarness(t, "name: p\nparams: {n: {type: integer}}\nsteps: [{name: a, command: [x]}]\n", Options{}, map[string]any{"n": "x"})
	h.wantStatus(workflow.StatusFailed)
	if err := h.redrive(); !errors.Is(err, workflow.ErrNotRedrivable) {
		t.Fatalf("redrive: %v", err)
	}
	if err := h.retryFrom("a"); !errors.Is(err, workflow.ErrNotRedrivable) {
		t.Fatalf("retry from: %v", err)
	}
}

func TestActivityHeartbeat(t *testing.T) {
	h := newHarness(t, "name: p\nsteps: [{name: a, type: activity, activity: act, heartbeat_timeout: 30s, timeout: 10m}]\n", Options{}, nil)
	rt := h.mustTask("a")
	h.tick(20 * time.Second)
	h.do(workflow.TaskHeartbeat{TaskID: rt.TaskID})
	h.tick(20 * time.Second) // 40 s after the start, 20 s after the heartbeat
	h.wantStatus(workflow.StatusRunning)
	h.tick(10 * time.Second)
	h.wantStatus(workflow.StatusFailed)
	if r := h.inst.Result(); r.Error != "States.HeartbeatTimeout" {
		t.Fatalf("result %+v", r)
	}
	if len(h.timers) != 0 || len(h.tasks) != 0 {
		t.Fatalf("left %v %v", h.tasks, h.timers)
	}
}

func TestStopDuringForEach(t *testing.T) {
	h := newHarness(t, `
name: p
steps:
  - {name: each, for_each: [1, 2, 3, 4], max_concurrency: 2, command: [x, "{% $item %}"], retry: {retries: 1}}
`, Options{}, nil)
	h.ok("each#0", "A")
	h.fail("each#1", "E") // waits for its retry
	h.stop()
	h.wantStatus(workflow.StatusAborted)
	if len(h.tasks) != 0 || len(h.timers) != 0 {
		t.Fatalf("left %v %v", h.tasks, h.timers)
	}
	if !strings.Contains(h.types(), "MapIterationAborted(each#1) MapIterationAborted(each#2) MapStateAborted(each) ExecutionAborted") {
		t.Fatalf("history %s", h.types())
	}
	// a redrive runs the items that did not succeed
	if err := h.redrive(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1", "2", "3"} {
		h.ok("each#"+k, k)
	}
	h.wantStatus(workflow.StatusSucceeded)
	if got := fmt.Sprint(h.inst.Result().Output.(map[string]any)["each"]); got != "[A 1 2 3]" {
		t.Fatalf("output %s", got)
	}
}

func TestTimeoutDuringHandlers(t *testing.T) {
	h := newHarness(t, `
name: p
timeout: 1h
steps: [{name: a, command: [x]}]
handlers:
  on_success: [{name: yay, command: [x]}]
  on_exit: [{name: bye, command: [x]}]
`, Options{}, nil)
	h.ok("a", nil)
	h.tick(time.Hour) // yay is cut short; on_exit still runs
	h.wantStatus(workflow.StatusRunning)
	h.ok("bye", nil)
	h.wantStatus(workflow.StatusTimedOut)
	if got := strings.Join(h.ran(), " "); got != "a yay bye" {
		t.Fatalf("ran %q", got)
	}
}

func TestCheckInput(t *testing.T) {
	p := compileTest(t, "name: p\nparams: {n: {type: integer}}\nsteps: [{name: a, command: [x]}]\n", Options{}, nil)
	if err := CheckInput(p, workflow.Info{Input: map[string]any{"n": int64(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := CheckInput(p, workflow.Info{Input: map[string]any{"n": "x"}}); err == nil || !strings.Contains(err.Error(), "param 'n'") {
		t.Fatalf("err %v", err)
	}
}

// TestExpressionLimits: expressions are bounded by asl's JSONata limits,
// and the error names the flag that raises them.
func TestExpressionLimits(t *testing.T) {
	h := newHarness(t, "name: p\nsteps: [{name: a, command: [x, \"{% $join([1..100000].$string(), ',') %}\"]}]\n",
		Options{JSONata: asl.JSONataLimits{MaxBytes: 10_000}}, nil)
	h.wantStatus(workflow.StatusFailed)
	if r := h.inst.Result(); r.Error != "States.QueryEvaluationError" || !strings.Contains(r.Cause, "--jsonata-max-bytes") || !strings.Contains(r.Cause, "command/1") {
		t.Fatalf("result %+v", r)
	}
	v, err := asl.EvalJSONata("$x + 1", map[string]any{"x": int64(41)}, asl.DefaultJSONataLimits())
	if err != nil || v != int64(42) {
		t.Fatalf("EvalJSONata: %v %v", v, err)
	}
}

func TestHandlersOrderAndLateStop(t *testing.T) {
	h := newHarness(t, `
name: p
steps: [{name: a, command: [x]}]
handlers:
  on_exit:
    - {name: second, command: [x], depends_on: [first], trigger_rule: all_done}
    - {name: first, command: [x]}
`, Options{}, nil)
	h.ok("a", nil)
	if _, ok := h.task("second"); ok {
		t.Fatal("second started before first")
	}
	h.fail("first", "E")
	h.mustTask("second")
	h.stop() // a stop once on_exit runs ends the run at once
	h.wantStatus(workflow.StatusAborted)
	if len(h.tasks) != 0 {
		t.Fatalf("tasks left %v", h.openNames())
	}
}

// TestStepSkippedEvent pins the JSON of the StepSkipped history event.
func TestStepSkippedEvent(t *testing.T) {
	h := newHarness(t, "name: p\nsteps: [{name: a, command: [x], when: \"{% $input.go %}\"}]\n", Options{}, map[string]any{"go": false})
	h.wantStatus(workflow.StatusSucceeded)
	var ev workflow.HistoryEvent
	for _, e := range h.history {
		if e.Type == "StepSkipped" {
			ev = e
		}
	}
	b, _ := ev.MarshalJSON()
	want := `{"timestamp":"2026-03-01T12:00:00.000Z","type":"StepSkipped","id":2,"previousEventId":1,"stepSkippedEventDetails":{"name":"a","error":"when","cause":"Step 'a' was skipped: its when condition is false"}}`
	if string(b) != want {
		t.Fatalf("event\n%s\nwant\n%s", b, want)
	}
}

// TestForEachInterrupt: a for_each of many items without max_concurrency
// starts them in bounded slices when the caller asks (Output.Interrupt),
// the rest by Continue, through a snapshot and restore between slices; a
// call without Interrupt starts them all.
func TestForEachInterrupt(t *testing.T) {
	const n = 1000
	items := make([]any, n)
	for i := range items {
		items[i] = int64(i)
	}
	const src = `
name: p
steps:
  - name: each
    for_each: "{% $input.items %}"
    command: [x, "{% $item %}"]
  - name: after
    command: [y]
`
	h := &harness{t: t, prog: compileTest(t, src, Options{}, nil), now: t0, tasks: map[string]workflow.RunTask{}, timers: map[string]workflow.ArmTimer{}}
	slice := func(out *workflow.Output) { out.Interrupt = func() bool { return true } }
	var out workflow.Output
	slice(&out)
	h.inst = h.prog.Start(workflow.Info{ID: "arn:run:1", Name: "run-1", WorkflowName: "p", Input: map[string]any{"items": items}, StartTime: h.now}, h.now, &out)
	h.collect(&out)
	slices := 1
	for h.inst.Interrupted() {
		if len(out.Commands) > 65 {
			t.Fatalf("a slice started %d tasks", len(out.Commands))
		}
		h.twinCheck(func(inst workflow.Instance, o *workflow.Output) {
			slice(o)
			inst.Continue(h.now, o)
			out = *o
		})
		slices++
	}
	if len(h.tasks) != n+1 || slices < n/64 {
		t.Fatalf("%d tasks in %d slices, want %d tasks (each item and the independent step)", len(h.tasks), slices, n+1)
	}
	for _, id := range h.order {
		h.noTwin = true
		h.do(workflow.TaskSucceeded{TaskID: id, Output: int64(1)})
	}
	h.wantStatus(workflow.StatusSucceeded)

	// Without Interrupt, one call starts every item.
	h2 := newHarness(t, src, Options{}, map[string]any{"items": items})
	if h2.inst.Interrupted() || len(h2.tasks) != n+1 {
		t.Fatalf("without Interrupt: %d tasks, interrupted %v", len(h2.tasks), h2.inst.Interrupted())
	}
}
