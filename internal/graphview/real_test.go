package graphview

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/workflow"
)

// drive runs an instance to its end: every task succeeds with {} but those
// of the states or steps in fail, which fail with Boom; timers fire at
// once. It returns the history as GetExecutionHistory renders it.
func drive(t *testing.T, prog workflow.Program, fail map[string]bool) []Event {
	t.Helper()
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	var out workflow.Output
	var hist []workflow.HistoryEvent
	inst := prog.Start(workflow.Info{ID: "arn:aws:states:us-east-1:123456789012:execution:x:r", Name: "r", Input: map[string]any{}, StartTime: now}, now, &out)
	for step := 0; step < 1000 && inst.Status() == workflow.StatusRunning; step++ {
		hist = append(hist, out.History...)
		cmds := append([]workflow.Command(nil), out.Commands...)
		out.Reset()
		if len(cmds) == 0 {
			inst.Continue(now, &out)
			if len(out.History) == 0 && len(out.Commands) == 0 {
				t.Fatalf("stuck at %d events", len(hist))
			}
			continue
		}
		now = now.Add(time.Second)
		for _, c := range cmds {
			switch c := c.(type) {
			case workflow.RunTask:
				if fail[c.StateName] {
					inst.Apply(workflow.TaskFailed{TaskID: c.TaskID, Error: "Boom", Cause: "it broke"}, now, &out)
				} else {
					inst.Apply(workflow.TaskSucceeded{TaskID: c.TaskID, Output: map[string]any{}}, now, &out)
				}
			case workflow.ArmTimer:
				if c.Purpose == "wait" || c.Purpose == "retry" {
					inst.Apply(workflow.TimerFired{TimerID: c.TimerID}, now, &out)
				}
			}
		}
	}
	hist = append(hist, out.History...)
	var evs []Event
	for _, h := range hist {
		e, b := decodeJSON(t, h)
		// The store path: the header from columns, the details from the body.
		e2 := Event{ID: h.ID, Previous: h.PreviousEventID, Type: h.Type, Timestamp: h.Timestamp}
		if NeedsDetails(h.Type) {
			SetDetails(&e2, b)
		}
		e2.Timestamp = e.Timestamp
		if e != e2 {
			t.Fatalf("event %d decodes as %+v from the API, %+v from the store", h.ID, e, e2)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestStepsRealPipeline runs a pipeline with the real language (a step
// that fails after a retry, a for_each, a skipped step, a one_failed
// alert, an on_exit handler) and maps its history.
func TestStepsRealPipeline(t *testing.T) {
	src := `name: real
steps:
  - {name: extract, command: ["true"]}
  - name: each
    depends_on: [extract]
    for_each: [1, 2, 3]
    command: ["true"]
  - name: bad
    depends_on: [extract]
    command: ["false"]
    retry: {retries: 1, interval: 1s}
  - {name: after-bad, depends_on: [bad], command: ["true"]}
  - {name: alert, depends_on: [bad], trigger_rule: one_failed, command: ["true"]}
handlers:
  on_exit:
    - {name: cleanup, command: ["true"]}
`
	pl, err := pipeline.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := pipeline.CompileParsed(pl, pipeline.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSteps(true)
	for _, e := range drive(t, prog, map[string]bool{"bad": true}) {
		s.Apply(e)
	}
	want := "extract:SUCCEEDED/1 each:SUCCEEDED/3/its=3+0+0/3 bad:FAILED/2/Boom after-bad:SKIPPED/0/upstream_failed alert:SUCCEEDED/1 cleanup:SUCCEEDED/1"
	if got := brief(s.List()); !sameSteps(got, want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Every step of the graph has a status, under the same id.
	for _, id := range FromPipeline(pl).StepIDs() {
		if s.Status(id) == "" {
			t.Errorf("step %s of the graph has no status", id)
		}
	}
}

// TestStepsRealASL runs a state machine with the real interpreter: a
// Parallel whose failing branch is caught, a Map, a retried task.
func TestStepsRealASL(t *testing.T) {
	src := `{"StartAt": "Fan", "States": {
  "Fan": {"Type": "Parallel", "Next": "Each", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Each"}], "Branches": [
    {"StartAt": "Good", "States": {"Good": {"Type": "Task", "Resource": "arn:aws:states:::baton:shell", "End": true}}},
    {"StartAt": "Bad", "States": {"Bad": {"Type": "Task", "Resource": "arn:aws:states:::baton:shell",
      "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}], "End": true}}}]},
  "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done",
    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}},
  "Done": {"Type": "Succeed"}}}`
	prog, err := asl.NewLanguage(asl.LanguageOptions{}).Compile([]byte(src), workflow.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSteps(false)
	evs := drive(t, &inputProgram{prog, map[string]any{"items": []any{1, 2}}}, map[string]bool{"Bad": true})
	for _, e := range evs {
		s.Apply(e)
	}
	want := "Fan:CAUGHT/0 Good:SUCCEEDED/1 Bad:FAILED/2/Boom Each:SUCCEEDED/0/its=2+0+0/2 Item:SUCCEEDED/1 Done:SUCCEEDED/1"
	if got := brief(s.List()); !sameSteps(got, want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// inputProgram starts its program with an input.
type inputProgram struct {
	workflow.Program
	input any
}

func (p *inputProgram) Start(info workflow.Info, now time.Time, out *workflow.Output) workflow.Instance {
	info.Input = p.input
	return p.Program.Start(info, now, out)
}

// sameSteps compares briefs whatever the order of the steps (branches
// run in an order the test does not fix).
func sameSteps(a, b string) bool {
	count := map[string]int{}
	for _, x := range strings.Fields(a) {
		count[x]++
	}
	for _, x := range strings.Fields(b) {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
