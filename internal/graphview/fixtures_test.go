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

// decodeJSON renders v as JSON and reads it back with DecodeEvent, as the
// server reads GetExecutionHistory's events; it returns the JSON too.
func decodeJSON(t *testing.T, v any) (Event, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	e, err := DecodeEvent(m)
	if err != nil {
		t.Fatal(err)
	}
	return e, b
}

func stepsAt(f *fixture, cut int64, t *testing.T) []fixtureStep {
	s := NewSteps(f.Pipeline)
	for _, m := range f.Events {
		e, _ := decodeJSON(t, m)
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

// fixtureCases are the cases of stepCases that name a fixture, written
// with -update (their expected steps come from Steps).
func fixtureCases() []fixture {
	var out []fixture
	for _, c := range stepCases {
		if c.fixture == "" {
			continue
		}
		f := fixture{Name: c.fixture, Pipeline: c.pipeline, Cut: c.cut}
		for _, e := range c.events {
			f.Events = append(f.Events, apiEvent(e))
		}
		out = append(out, f)
	}
	return out
}

// TestStepsFixtures checks Steps on the cases status.test.ts shares.
func TestStepsFixtures(t *testing.T) {
	if *update {
		for _, f := range fixtureCases() {
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
