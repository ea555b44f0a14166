package asl_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

// parallelOf is a Parallel state of n branches, each one Pass state.
func parallelOf(n int, end string) map[string]any {
	br := make([]any, n)
	for i := range br {
		name := "B" + strconv.Itoa(i)
		br[i] = map[string]any{"StartAt": name, "States": map[string]any{name: map[string]any{"Type": "Pass", "End": true}}}
	}
	p := map[string]any{"Type": "Parallel", "Branches": br}
	if end == "" {
		p["End"] = true
	} else {
		p["Next"] = end
	}
	return p
}

// TestMaxOpenBranches: a Parallel or Map that would open more branches and
// iterations than Options.MaxOpenBranches fails with States.Runtime naming
// the flag; within the limit it runs.
func TestMaxOpenBranches(t *testing.T) {
	mapOf := func(conc int) map[string]any {
		return map[string]any{"StartAt": "M", "States": map[string]any{"M": map[string]any{
			"Type": "Map", "MaxConcurrency": conc, "End": true,
			"ItemProcessor": map[string]any{"StartAt": "P", "States": map[string]any{"P": parallelOf(2, "")}},
		}}}
	}
	cases := []struct {
		name  string
		def   map[string]any
		input string
		limit int
		fail  bool
	}{
		{"parallel within", map[string]any{"StartAt": "P", "States": map[string]any{"P": parallelOf(3, "")}}, `{}`, 3, false},
		{"parallel over", map[string]any{"StartAt": "P", "States": map[string]any{"P": parallelOf(4, "")}}, `{}`, 3, true},
		// Map iterations (3 at once) each opening a Parallel of 2: 9 open.
		{"nested within", mapOf(3), `[1,2,3,4,5]`, 9, false},
		{"nested over", mapOf(3), `[1,2,3,4,5]`, 8, true},
		{"default", map[string]any{"StartAt": "P", "States": map[string]any{"P": parallelOf(asl.DefaultMaxOpenBranches+1, "")}}, `{}`, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, _ := json.Marshal(c.def)
			def, err := asl.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			opts := asl.Options{}
			opts.MaxOpenBranches = c.limit
			m, err := asl.Compile(def, opts)
			if err != nil {
				t.Fatal(err)
			}
			in, _ := asl.ParseJSON([]byte(c.input))
			var out asl.Output
			x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: in}, t0, &out)
			if !c.fail {
				if x.Status != asl.StatusSucceeded {
					t.Fatalf("%s %s: %s", x.Status, x.Error, x.Cause)
				}
				return
			}
			if x.Status != asl.StatusFailed || x.Error != asl.ErrRuntime || !strings.Contains(x.Cause, "--max-open-branches") {
				t.Fatalf("want States.Runtime naming --max-open-branches, got %s %s: %s", x.Status, x.Error, x.Cause)
			}
		})
	}
}
