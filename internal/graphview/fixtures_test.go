package graphview

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The cases web/src/status.test.ts runs too, so that the run page's
// mapping (web/src/status.ts) and Steps agree: each file holds a history
// as GetExecutionHistory renders it, the steps Steps derives from it (as
// GET /api/v1/executions/{arn}/steps shows them), and the steps at a cut
// (lastEventId), which the browser test seeds its reducer with.
const fixtureDir = "../../web/src/testdata/steps"

var update = flag.Bool("update", false, "rewrite the expected steps of "+fixtureDir+" from Steps")

type fixture struct {
	Name       string           `json:"name"`
	Pipeline   bool             `json:"pipeline"`
	Events     []map[string]any `json:"events"`
	Steps      []fixtureStep    `json:"steps"`
	Cut        int64            `json:"cut"`
	StepsAtCut []fixtureStep    `json:"stepsAtCut"`
}

type fixtureStep struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"`
	Attempts   int         `json:"attempts"`
	StartDate  float64     `json:"startDate,omitempty"`
	StopDate   float64     `json:"stopDate,omitempty"`
	Error      string      `json:"error,omitempty"`
	Cause      string      `json:"cause,omitempty"`
	Iterations *Iterations `json:"iterations,omitempty"`
}

func epoch(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

// apiEvent renders e as GetExecutionHistory does (the members Steps reads).
func apiEvent(e Event) map[string]any {
	m := map[string]any{"id": e.ID, "previousEventId": e.Previous, "timestamp": epoch(e.Timestamp), "type": e.Type}
	d := map[string]any{}
	if e.Name != "" {
		d["name"] = e.Name
	}
	if e.Error != "" {
		d["error"] = e.Error
	}
	if e.Cause != "" {
		d["cause"] = e.Cause
	}
	if e.Type == "MapStateStarted" {
		d["length"] = e.Length
	}
	if len(d) > 0 {
		key := e.Type
		switch {
		case strings.HasSuffix(key, "StateEntered"):
			key = "stateEntered"
		case strings.HasSuffix(key, "StateExited"):
			key = "stateExited"
		default:
			key = string(unicode.ToLower(rune(key[0]))) + key[1:]
		}
		m[key+"EventDetails"] = d
	}
	return m
}

func stepsAt(f *fixture, cut int64, t *testing.T) []fixtureStep {
	s := NewSteps(f.Pipeline)
	for _, m := range f.Events {
		b, _ := json.Marshal(m)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		e, err := DecodeEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		if cut > 0 && e.ID > cut {
			break
		}
		s.Apply(e)
	}
	out := []fixtureStep{}
	for _, x := range s.List() {
		out = append(out, fixtureStep{x.ID, x.Status, x.Attempts, epoch(x.StartDate), epoch(x.StopDate), x.Error, x.Cause, x.Iterations})
	}
	return out
}

// fixtureCases are the histories of the shared cases, written with
// -update (their expected steps come from Steps).
func fixtureCases(t *testing.T) []fixture {
	hf := func(name string, pipeline bool, cut int64, events []Event) fixture {
		f := fixture{Name: name, Pipeline: pipeline, Cut: cut}
		for _, e := range events {
			f.Events = append(f.Events, apiEvent(e))
		}
		return f
	}
	return []fixture{
		hf("simple_pass", false, 3, h(
			"0 ExecutionStarted",
			"1 PassStateEntered name=P", "2 PassStateExited name=P",
			"3 TaskStateEntered name=T", "4 TaskScheduled", "5 TaskStarted", "6 TaskSucceeded",
			"7 TaskStateExited name=T",
			"8 SucceedStateEntered name=Done", "9 SucceedStateExited name=Done",
			"10 ExecutionSucceeded",
		)),
		hf("retry_then_success", false, 4, h(
			"0 ExecutionStarted",
			"1 TaskStateEntered name=A",
			"2 TaskScheduled", "3 TaskFailed name=A error=E cause=c",
			"4 TaskScheduled", "5 TaskSucceeded",
			"6 TaskStateExited name=A",
			"7 TaskStateEntered name=B",
			"8 TaskScheduled", "9 TaskFailed error=X cause=y",
			"10 ExecutionFailed error=X cause=y",
		)),
		hf("catch", false, 4, h(
			"0 ExecutionStarted",
			"1 TaskStateEntered name=A", "2 TaskScheduled", "3 TaskFailed error=E cause=why",
			"4 TaskStateExited name=A",
			"5 PassStateEntered name=Recover", "6 PassStateExited name=Recover",
			"7 ExecutionSucceeded",
		)),
		hf("parallel_caught", false, 7, h(
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
		)),
		hf("map_in_parallel", false, 9, h(
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
		)),
		hf("map_failing_iteration", false, 6, h(
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
		)),
		hf("pipeline_skipped_and_failed", true, 5, h(
			"0 ExecutionStarted",
			"1 TaskStateEntered name=extract",
			"2 TaskScheduled", "3 TaskStarted", "4 TaskFailed name=extract error=States.TaskFailed cause=exit",
			"5 TaskStateExited name=extract",
			"6 StepSkipped name=load error=upstream_failed cause=skipped",
			"6 TaskStateEntered name=alert",
			"8 TaskScheduled", "9 TaskSucceeded",
			"10 TaskStateExited name=alert",
			"11 ExecutionFailed error=States.TaskFailed",
		)),
		hf("pipeline_for_each_aborted", true, 9, h(
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
		)),
		hf("aborted_run", false, 4, h(
			"0 ExecutionStarted",
			"1 TaskStateEntered name=A", "2 TaskScheduled", "3 TaskFailed error=E",
			"4 TaskScheduled",
			"1 WaitStateEntered name=W",
			"6 ExecutionAborted",
		)),
	}
}

// TestStepsFixtures checks Steps on the cases status.test.ts shares.
func TestStepsFixtures(t *testing.T) {
	if *update {
		for _, f := range fixtureCases(t) {
			f.Steps = stepsAt(&f, 0, t)
			f.StepsAtCut = stepsAt(&f, f.Cut, t)
			b, err := json.MarshalIndent(f, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(fixtureDir, f.Name+".json"), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) < 6 {
		t.Fatalf("%d fixtures in %s (%v)", len(files), fixtureDir, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var f fixture
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if got := stepsAt(&f, 0, t); !reflect.DeepEqual(got, f.Steps) {
				t.Errorf("%s: steps\ngot  %+v\nwant %+v", file, got, f.Steps)
			}
			if got := stepsAt(&f, f.Cut, t); !reflect.DeepEqual(got, f.StepsAtCut) {
				t.Errorf("%s: steps at %d\ngot  %+v\nwant %+v", file, f.Cut, got, f.StepsAtCut)
			}
		})
	}
}
