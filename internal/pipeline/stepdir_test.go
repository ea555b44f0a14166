package pipeline

import (
	"testing"

	"github.com/batonhq/baton/internal/steptask"
)

// TestShellDirReachesTask pins that a shell step's `dir` is part of its
// task, taken as written (it is static: no expression), so that the
// executor runs the step there.
func TestShellDirReachesTask(t *testing.T) {
	h := newHarness(t, `name: p
steps:
  - {name: a, script: pwd, dir: jobs/etl}
  - {name: b, command: ["true"]}
`, Options{}, nil)
	for step, want := range map[string]string{"a": "jobs/etl", "b": ""} {
		s, err := steptask.Decode[steptask.Shell](h.mustTask(step).Input)
		if err != nil || s.Dir != want {
			t.Fatalf("step %s: dir %q (%v), want %q", step, s.Dir, err, want)
		}
	}
}
