package asl_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/runner"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/internal/txtar"
	"github.com/batonhq/baton/workflow"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the expected sections of golden files with what the interpreter produces (review the diff!)")

// goldenStart is the fixed start of every golden execution, so that
// timestamps in outputs are reproducible.
var goldenStart = time.Date(2024, 11, 22, 10, 0, 0, 0, time.UTC)

// TestGolden runs every testdata/golden/*.txtar case: a definition, an input
// and optional mocks, and the expected output or error and event types.
// Sections:
//
//	definition.json | definition.yaml   the state machine
//	input.json                          execution input (default {})
//	mocks.json                          Step Functions Local mock config; machine "golden", test case "Test"
//	output.json                         expected output (the execution must succeed)
//	error                               expected "ERROR" line, optionally followed by the exact cause
//	status                              expected status when not SUCCEEDED/FAILED (TIMED_OUT, ABORTED)
//	events                              expected history event types, one per line
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runGolden(t, file)
		})
	}
}

func runGolden(t *testing.T, file string) {
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res := runArchive(t, a)
	x := &asl.Execution{Status: res.Status, Output: res.Outcome.Output, Error: res.Outcome.Error, Cause: res.Outcome.Cause}
	var types []string
	for _, e := range res.History {
		types = append(types, e.Type)
	}
	gotEvents := strings.Join(types, "\n") + "\n"

	if *updateGolden {
		rewriteGolden(t, file, a, x, gotEvents)
		return
	}
	wantStatus := asl.StatusSucceeded
	if s, ok := a.Get("status"); ok {
		wantStatus = strings.TrimSpace(s)
	} else if _, ok := a.Get("error"); ok {
		wantStatus = asl.StatusFailed
	}
	if x.Status != wantStatus {
		t.Fatalf("status %s, want %s (error %q, cause %q)", x.Status, wantStatus, x.Error, x.Cause)
	}
	if want, ok := a.Get("output.json"); ok {
		wantV, err := asl.ParseJSON([]byte(want))
		if err != nil {
			t.Fatalf("output.json: %v", err)
		}
		if string(asl.MarshalJSON(wantV)) != string(asl.MarshalJSON(x.Output)) {
			t.Errorf("output\n got: %s\nwant: %s", asl.MarshalJSON(x.Output), asl.MarshalJSON(wantV))
		}
	}
	if want, ok := a.Get("error"); ok {
		lines := strings.SplitN(strings.TrimRight(want, "\n"), "\n", 2)
		if x.Error != lines[0] {
			t.Errorf("error %q, want %q (cause %q)", x.Error, lines[0], x.Cause)
		}
		if len(lines) == 2 && x.Cause != lines[1] {
			t.Errorf("cause\n got: %q\nwant: %q", x.Cause, lines[1])
		}
	}
	if want, ok := a.Get("events"); ok {
		if !reflect.DeepEqual(strings.Fields(want), types) {
			t.Errorf("events\n got:\n%s\nwant:\n%s", gotEvents, want)
		}
	}
}

func rewriteGolden(t *testing.T, file string, a *txtar.Archive, x *asl.Execution, events string) {
	for i := range a.Files {
		f := &a.Files[i]
		switch f.Name {
		case "output.json":
			f.Data = string(asl.MarshalJSON(x.Output)) + "\n"
		case "error":
			f.Data = x.Error + "\n" + x.Cause + "\n"
		case "events":
			f.Data = events
		}
	}
	if err := os.WriteFile(file, []byte(txtar.Format(a)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runArchive runs an archive's definition.json (or .yaml) on its input.json
// and mocks.json (machine "golden", test case "Test") with the fixed
// execution identity and a virtual clock starting at goldenStart.
func runArchive(t *testing.T, a *txtar.Archive) *runner.Result {
	t.Helper()
	src, ok := a.Get("definition.json")
	if !ok {
		src, ok = a.Get("definition.yaml")
	}
	if !ok {
		t.Fatal("no definition.json or definition.yaml section")
	}
	def, err := asl.Parse([]byte(src))
	if err != nil {
		t.Fatalf("definition does not parse:\n%v", err)
	}
	m, err := asl.Compile(def, asl.Options{Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var input any = map[string]any{}
	if in, ok := a.Get("input.json"); ok && strings.TrimSpace(in) != "" {
		input, err = asl.ParseJSON([]byte(in))
		if err != nil {
			t.Fatalf("input.json: %v", err)
		}
	}
	opts := tasks.Options{StateMachineName: "golden", TestCase: "Test"}
	if mocks, ok := a.Get("mocks.json"); ok {
		mc, err := tasks.ParseMockConfig([]byte(mocks))
		if err != nil {
			t.Fatalf("mocks.json: %v", err)
		}
		opts.Mocks = mc
	} else {
		opts.TestCase = ""
	}
	resolver, err := tasks.NewResolver(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := runner.Run(ctx, asl.ProgramOf(m), workflow.Info{
		ID:           "arn:aws:states:us-east-1:123456789012:execution:golden:exec-1",
		Name:         "exec-1",
		WorkflowID:   "arn:aws:states:us-east-1:123456789012:stateMachine:golden",
		WorkflowName: "golden",
		RoleArn:      "arn:aws:iam::123456789012:role/golden",
		Region:       "us-east-1",
		Input:        input,
		StartTime:    goldenStart,
	}, runner.Options{Resolver: resolver, SkipWaits: true, Now: func() time.Time { return goldenStart }, KeepHistory: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}
