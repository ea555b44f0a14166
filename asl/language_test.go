package asl_test

import (
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/workflow"
)

// The ASL language through the engine's contract: start, a task, a
// snapshot restored, the result, and a redrive refused while running.
func TestLanguageRunsThroughTheContract(t *testing.T) {
	lang := asl.NewLanguage(asl.LanguageOptions{Region: "eu-west-3"})
	if lang.Name() != "asl" {
		t.Fatalf("name %q", lang.Name())
	}
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"baton:shell","Next":"W"},
		"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","Parameters":{"r.$":"$$.Execution.Id"},"End":true}}}`
	p, err := lang.Compile([]byte(def), workflow.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var out workflow.Output
	x := p.Start(workflow.Info{ID: "exec-1", Name: "n", WorkflowID: "wf", WorkflowName: "wf", Input: map[string]any{}, StartTime: now}, now, &out)
	if x.Status() != workflow.StatusRunning {
		t.Fatalf("status %s", x.Status())
	}
	if got := asl.ExecutionOf(x).Info.Region; got != "eu-west-3" {
		t.Fatalf("region %q, want the language's default", got)
	}
	var run workflow.RunTask
	for _, c := range out.Commands {
		if r, ok := c.(workflow.RunTask); ok {
			run = r
		}
	}
	if run.TaskID == "" || !x.HasTask(run.TaskID) {
		t.Fatalf("no task in flight: %#v", out.Commands)
	}
	n := 0
	x.Tasks(func(id, token string) { n++ })
	if n != 1 {
		t.Fatalf("%d tasks", n)
	}
	if err := x.Redrive(now, &out); !errors.Is(err, workflow.ErrNotRedrivable) {
		t.Fatalf("redrive of a running execution: %v", err)
	}

	// The execution leaves memory and comes back from its snapshot.
	snap, err := x.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	x, err = p.Restore(snap)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	x.Apply(workflow.TaskSucceeded{TaskID: run.TaskID, Output: map[string]any{"ok": true}}, now, &out)
	var timer string
	x.Timers(func(id string) { timer = id })
	if timer == "" {
		t.Fatal("no timer armed by the Wait state")
	}
	out.Reset()
	x.Apply(workflow.TimerFired{TimerID: timer}, now.Add(5*time.Second), &out)
	if x.Status() != workflow.StatusSucceeded {
		t.Fatalf("status %s (%+v)", x.Status(), x.Result())
	}
	got := string(workflow.MarshalJSON(x.Result().Output))
	if got != `{"r":"exec-1"}` {
		t.Fatalf("output %s", got)
	}
}

// Express workflows keep no history and end by ExpressTimeout at the latest.
func TestLanguageExpressTimeout(t *testing.T) {
	lang := asl.NewLanguage(asl.LanguageOptions{ExpressTimeout: time.Minute})
	for _, tc := range []struct {
		name, def string
		want      int64
	}{
		{"none", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, 60},
		{"larger", `{"TimeoutSeconds":600,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, 60},
		{"smaller", `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := lang.Compile([]byte(tc.def), workflow.CompileOptions{Express: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := *asl.MachineOf(p).Definition().TimeoutSeconds; got != tc.want {
				t.Fatalf("TimeoutSeconds %d, want %d", got, tc.want)
			}
			now := time.Unix(0, 0)
			var out workflow.Output
			p.Start(workflow.Info{ID: "x", Input: map[string]any{}}, now, &out)
			if len(out.History) != 0 {
				t.Fatalf("an Express execution made %d history events", len(out.History))
			}
		})
	}
	// A Standard workflow keeps its definition's bound (none here).
	p, err := lang.Compile([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`), workflow.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if asl.MachineOf(p).Definition().TimeoutSeconds != nil {
		t.Fatal("a Standard workflow got a timeout")
	}
}
