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
			opts := asl.Options{}
			opts.MaxOpenBranches = c.limit
			in, _ := asl.ParseJSON([]byte(c.input))
			errName := ""
			if c.fail {
				errName = asl.ErrRuntime
			}
			runLimited(t, c.def, opts, in, errName, "--max-open-branches")
		})
	}
}

// TestSnapshotSharesBranchInputs: the N branches of a Parallel share its
// input, and so does the snapshot: it holds the input once, not N times
// (10,000 branches of a 256 KiB input were 2.5 GB a snapshot), and the
// execution resumes from it with the same outcome.
func TestSnapshotSharesBranchInputs(t *testing.T) {
	const n, size = 500, 20000
	br := make([]any, n)
	for i := range br {
		name := "W" + strconv.Itoa(i)
		br[i] = map[string]any{"StartAt": name, "States": map[string]any{name: map[string]any{"Type": "Wait", "Seconds": 1, "OutputPath": "$.n", "End": true}}}
	}
	src, _ := json.Marshal(map[string]any{"StartAt": "P", "States": map[string]any{"P": map[string]any{"Type": "Parallel", "Branches": br, "End": true}}})
	def, err := asl.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	opts := asl.Options{MaxPayloadBytes: -1}
	m, err := asl.Compile(def, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out asl.Output
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: map[string]any{"n": int64(7), "pad": strings.Repeat("x", size)}}, t0, &out)
	var timers []asl.ArmTimer
	for _, c := range out.Commands {
		if a, ok := c.(asl.ArmTimer); ok {
			timers = append(timers, a)
		}
	}
	for i, tm := range timers {
		data, err := asl.MarshalExecution(x)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 4*size+n*1000 {
			t.Fatalf("snapshot of %d bytes for %d branches sharing a %d-byte input", len(data), n, size)
		}
		if i%100 == 0 { // resume from the snapshot now and then
			if x, err = asl.UnmarshalExecution(data); err != nil {
				t.Fatal(err)
			}
		}
		out.Reset()
		m.Apply(x, asl.TimerFired{TimerID: tm.TimerID}, tm.At, &out)
	}
	if x.Status != asl.StatusSucceeded {
		t.Fatalf("%s %s %s", x.Status, x.Error, x.Cause)
	}
	res, _ := x.Output.([]any)
	if len(res) != n || res[0] != int64(7) || res[n-1] != int64(7) {
		t.Fatalf("output %v", asl.MarshalJSON(x.Output)[:100])
	}
}
