package pipeline

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// FuzzParse checks that ParseFS never panics and returns either a pipeline
// or a *ValidationError whose diagnostics are complete and sorted. Its
// seeds are the golden cases and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if src, ok := a.Get("pipeline.yaml"); ok {
			f.Add([]byte(src))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		pl, err := ParseFS(nil, "p.yaml", src)
		if err == nil {
			checkPipeline(t, pl)
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("ParseFS returned %T, want *ValidationError: %v", err, err)
		}
		if len(ve.Diagnostics) == 0 {
			t.Fatal("ValidationError without diagnostics")
		}
		for _, d := range ve.Diagnostics {
			if d.Code == "" || d.Message == "" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Fatalf("incomplete diagnostic %+v", d)
			}
		}
		if !slices.IsSortedFunc(ve.Diagnostics, func(a, b Diagnostic) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		}) {
			t.Fatalf("diagnostics not sorted: %v", err)
		}
	})
}

// checkPipeline checks the invariants of a valid pipeline.
func checkPipeline(t *testing.T, pl *Pipeline) {
	t.Helper()
	if pl == nil || !nameRE.MatchString(pl.Name) {
		t.Fatalf("valid pipeline with a bad name: %+v", pl)
	}
	if (pl.Body != nil) == (len(pl.Steps) > 0) {
		t.Fatalf("a valid pipeline has exactly one of body and steps")
	}
	names := map[string]bool{}
	for _, s := range allSteps(pl) {
		if names[s.Name] || s.Name == "" || s.Type == "" {
			t.Fatalf("valid pipeline with step %+v", s)
		}
		names[s.Name] = true
	}
	for _, s := range pl.Steps {
		for _, d := range s.DependsOn {
			if !names[d] {
				t.Fatalf("step %s depends on unknown %s", s.Name, d)
			}
		}
	}
}

func allSteps(pl *Pipeline) []*Step {
	return slices.Concat(pl.Steps, pl.Handlers.OnFailure, pl.Handlers.OnSuccess, pl.Handlers.OnExit)
}
