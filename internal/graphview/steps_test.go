package graphview

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// h builds a history: each line "PREV TYPE [name=N] [error=E] [cause=C]
// [length=L]", ids 1, 2, ... and timestamps 1000+id seconds.
func h(lines ...string) []Event {
	var out []Event
	for i, l := range lines {
		f := strings.Fields(l)
		e := Event{ID: int64(i + 1), Type: f[1], Timestamp: time.Unix(int64(1000+i+1), 0).UTC()}
		fmt.Sscan(f[0], &e.Previous)
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "name":
				e.Name = v
			case "error":
				e.Error = v
			case "cause":
				e.Cause = v
			case "length":
				fmt.Sscan(v, &e.Length)
			}
		}
		out = append(out, e)
	}
	return out
}

// brief renders steps as "id:STATUS/attempts[/error][/its=s+f+r/t]".
func brief(steps []Step) string {
	var b []string
	for _, s := range steps {
		x := fmt.Sprintf("%s:%s/%d", s.ID, s.Status, s.Attempts)
		if s.Error != "" {
			x += "/" + s.Error
		}
		if it := s.Iterations; it != nil {
			x += fmt.Sprintf("/its=%d+%d+%d/%d", it.Succeeded, it.Failed, it.Running, it.Total)
		}
		b = append(b, x)
	}
	return strings.Join(b, " ")
}

// stepCase is a history and the steps Steps derives from it, in brief's
// form. A case with a fixture name is also one of the cases status.test.ts
// shares (fixtures_test.go writes it to web/src/testdata/steps with -update),
// with the steps at event cut too.
type stepCase struct {
	name     string
	pipeline bool
	events   []Event
	want     string
	fixture  string
	cut      int64
}

var stepCases = []stepCase{
	{"a pass, a task and a succeed state", false, h(
		"0 ExecutionStarted",
		"1 PassStateEntered name=P", "2 PassStateExited name=P",
		"3 TaskStateEntered name=T", "4 TaskScheduled", "5 TaskStarted", "6 TaskSucceeded",
		"7 TaskStateExited name=T",
		"8 SucceedStateEntered name=Done", "9 SucceedStateExited name=Done",
		"10 ExecutionSucceeded",
	), "P:SUCCEEDED/1 T:SUCCEEDED/1 Done:SUCCEEDED/1", "simple_pass", 3},
	{"retried task that succeeds, then a failing one (status.test.ts)", false, h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=A",
		"2 TaskScheduled", "3 TaskFailed name=A error=E cause=c",
		"4 TaskScheduled", "5 TaskSucceeded",
		"6 TaskStateExited name=A",
		"7 TaskStateEntered name=B",
		"8 TaskScheduled", "9 TaskFailed error=X cause=y",
		"10 ExecutionFailed error=X cause=y",
	), "A:SUCCEEDED/2 B:FAILED/1/X", "retry_then_success", 4},
	{"caught error, then an aborted run (status.test.ts)", false, h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=A", "2 TaskScheduled", "3 TaskFailed error=E",
		"4 TaskStateExited name=A",
		"5 WaitStateEntered name=W",
		"6 ExecutionAborted",
	), "A:CAUGHT/1/E W:ABORTED/0", "", 0},
	{"a caught error, then a recovery", false, h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=A", "2 TaskScheduled", "3 TaskFailed error=E cause=why",
		"4 TaskStateExited name=A",
		"5 PassStateEntered name=Recover", "6 PassStateExited name=Recover",
		"7 ExecutionSucceeded",
	), "A:CAUGHT/1/E Recover:SUCCEEDED/1", "catch", 4},
	{"a run aborted while a task is retried: the task keeps its last error", false, h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=A", "2 TaskScheduled", "3 TaskFailed error=E",
		"4 TaskScheduled",
		"1 WaitStateEntered name=W",
		"6 ExecutionAborted",
	), "A:ABORTED/2/E W:ABORTED/0", "aborted_run", 4},
	{"the run's error lands on the step that was running", false, h(
		"0 ExecutionStarted",
		"1 PassStateEntered name=P", "2 PassStateExited name=P",
		"3 TaskStateEntered name=T", "4 TaskScheduled",
		"5 ExecutionTimedOut error=States.Timeout",
	), "P:SUCCEEDED/1 T:FAILED/1/States.Timeout", "", 0},
	{"fail and choice states", false, h(
		"0 ExecutionStarted",
		"1 ChoiceStateEntered name=C", "2 ChoiceStateExited name=C",
		"3 FailStateEntered name=F",
		"4 ExecutionFailed error=Boom",
	), "C:SUCCEEDED/1 F:FAILED/0", "", 0},
	{"Map: iterations count under the Map, its end goes to the Map not the last inner state", false, h(
		"0 ExecutionStarted",
		"1 MapStateEntered name=Each",
		"2 MapStateStarted length=2",
		"3 MapIterationStarted name=Each",
		"4 PassStateEntered name=Item",
		"5 PassStateExited name=Item",
		"6 MapIterationSucceeded name=Each",
		"6 MapIterationStarted name=Each",
		"8 PassStateEntered name=Item",
		"9 PassStateExited name=Item",
		"10 MapIterationSucceeded name=Each",
		"11 MapStateSucceeded",
		"12 MapStateExited name=Each",
		"13 ExecutionSucceeded",
	), "Each:SUCCEEDED/0/its=2+0+0/2 Item:SUCCEEDED/1", "", 0},
	{"Parallel: a failed branch fails the Parallel, whose Catch catches it; the other branch is cancelled", false, h(
		"0 ExecutionStarted",
		"1 ParallelStateEntered name=Fan",
		"2 ParallelStateStarted",
		"3 TaskStateEntered name=A",
		"3 TaskStateEntered name=B",
		"4 TaskScheduled",
		"5 TaskScheduled",
		"6 TaskFailed error=E1",
		"8 ParallelStateFailed",
		"9 ParallelStateExited name=Fan",
		"10 PassStateEntered name=Recover",
		"11 PassStateExited name=Recover",
		"12 ExecutionSucceeded",
	), "Fan:CAUGHT/0 A:FAILED/1/E1 B:ABORTED/1 Recover:SUCCEEDED/1", "parallel_caught", 7},
	{"Map inside a Parallel: the Map's end finds the Map, not the Parallel", false, h(
		"0 ExecutionStarted",
		"1 ParallelStateEntered name=Fan",
		"2 ParallelStateStarted",
		"3 MapStateEntered name=M",
		"4 MapStateStarted length=1",
		"5 MapIterationStarted name=M",
		"6 TaskStateEntered name=Inner",
		"7 TaskScheduled", "8 TaskSucceeded",
		"9 TaskStateExited name=Inner",
		"10 MapIterationSucceeded name=M",
		"11 MapStateSucceeded",
		"12 MapStateExited name=M",
		"13 ParallelStateSucceeded",
		"14 ParallelStateExited name=Fan",
		"15 ExecutionSucceeded",
	), "Fan:SUCCEEDED/0 M:SUCCEEDED/0/its=1+0+0/1 Inner:SUCCEEDED/1", "map_in_parallel", 9},
	{"Map failure: the iteration's error is the Map's", false, h(
		"0 ExecutionStarted",
		"1 MapStateEntered name=M",
		"2 MapStateStarted length=2",
		"3 MapIterationStarted name=M",
		"4 TaskStateEntered name=In",
		"5 TaskScheduled",
		"6 TaskFailed error=Bad cause=why",
		"7 MapIterationFailed name=M error=Bad cause=why",
		"8 MapStateFailed",
		"9 ExecutionFailed error=Bad",
	), "M:FAILED/0/Bad/its=0+1+0/2 In:FAILED/1/Bad", "map_failing_iteration", 6},
	{"pipeline: a failed step that leaves is FAILED, not CAUGHT", true, h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=extract",
		"2 TaskScheduled", "3 TaskStarted", "4 TaskFailed name=extract error=States.TaskFailed cause=exit",
		"5 TaskStateExited name=extract",
		"6 StepSkipped name=load error=upstream_failed cause=skipped",
		"6 TaskStateEntered name=alert",
		"8 TaskScheduled", "9 TaskSucceeded",
		"10 TaskStateExited name=alert",
		"11 ExecutionFailed error=States.TaskFailed",
	), "extract:FAILED/1/States.TaskFailed load:SKIPPED/0/upstream_failed alert:SUCCEEDED/1", "pipeline_skipped_and_failed", 5},
	{"pipeline: for_each with a retried item, then a stop", true, h(
		"0 ExecutionStarted",
		"1 MapStateEntered name=each",
		"2 MapStateStarted name=each length=3",
		"3 MapIterationStarted name=each",
		"4 TaskScheduled",
		"3 MapIterationStarted name=each",
		"6 TaskScheduled",
		"5 TaskSucceeded",
		"8 MapIterationSucceeded name=each",
		"7 TaskFailed error=E",
		"10 TaskScheduled",
		"1 TaskStateEntered name=other",
		"12 TaskScheduled",
		"11 MapIterationAborted name=each",
		"14 MapStateAborted",
		"13 TaskStateAborted name=other",
		"16 ExecutionAborted",
	), "each:ABORTED/3/E/its=1+1+0/3 other:ABORTED/1", "pipeline_for_each_aborted", 9},
	{"repeated and old events are ignored", false, append(h(
		"0 ExecutionStarted",
		"1 TaskStateEntered name=A",
		"2 TaskStateExited name=A",
	), Event{ID: 2, Type: "TaskFailed", Error: "late"}), "A:SUCCEEDED/0", "", 0},
	{"events of unknown states change nothing", false, h(
		"0 ExecutionStarted",
		"99 TaskScheduled",
		"1 TaskStateExited name=Ghost",
		"0 MapStateSucceeded",
	), "", "", 0},
}

func TestSteps(t *testing.T) {
	for _, tt := range stepCases {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSteps(tt.pipeline)
			for _, e := range tt.events {
				s.Apply(e)
			}
			if got := brief(s.List()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if s.LastEventID() != tt.events[len(tt.events)-1].ID && tt.name != "repeated and old events are ignored" {
				t.Errorf("lastEventId %d", s.LastEventID())
			}
		})
	}
}

// TestStepsRealHistory reads the history the ASL interpreter writes for a
// machine with a Lambda task, a Parallel and a Map (asl's own golden), as
// GetExecutionHistory renders it.
func TestStepsRealHistory(t *testing.T) {
	b, err := os.ReadFile("../../asl/testdata/history/task_map_parallel.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	s := NewSteps(false)
	for _, m := range raw {
		e, err := DecodeEvent(m)
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e)
	}
	want := "Load:SUCCEEDED/1 Fan:SUCCEEDED/0 Notify:SUCCEEDED/1 Each:SUCCEEDED/0/its=2+0+0/2 Item:SUCCEEDED/1"
	if got := brief(s.List()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if st := s.List()[0]; st.StartDate.IsZero() || st.StopDate.Before(st.StartDate) {
		t.Errorf("dates of Load: %v %v", st.StartDate, st.StopDate)
	}
}

// TestStepsBoundedOwners: an id far past the others is not recorded, so
// a broken history cannot grow the owner table without bound.
func TestStepsBoundedOwners(t *testing.T) {
	s := NewSteps(false)
	s.Apply(Event{ID: 1, Type: "TaskStateEntered", Name: "A"})
	s.Apply(Event{ID: 1 << 40, Previous: 1, Type: "TaskScheduled"})
	if len(s.owner) > 10 {
		t.Errorf("owner table of %d entries", len(s.owner))
	}
	if got := brief(s.List()); got != "A:RUNNING/1" {
		t.Errorf("got %s", got)
	}
}
