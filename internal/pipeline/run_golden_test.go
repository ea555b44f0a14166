package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
	"github.com/batonhq/baton/workflow"
)

// TestRunGolden runs each testdata/run/*.txtar case: its pipeline.yaml
// (with its input.json, if any) driven by the lines of its "script" section
// (see harness.script), with the snapshot round trip after every
// transition, and compares the outcome, the commands (in short) and the
// history's event types with its "want" section. Run with -update-golden to rewrite
// them, then review the diff.
func TestRunGolden(t *testing.T) {
	eachCase(t, "testdata/run/*.txtar", func(t *testing.T, a *txtar.Archive, src string) bool {
		files := map[string]string{}
		for _, f := range a.Files {
			files[f.Name] = f.Data
		}
		h := &harness{t: t, prog: compileTest(t, src, Options{Rand: func() float64 { return 0.5 }}, files), now: t0}
		var input any
		if s, ok := a.Get("input.json"); ok {
			v, err := workflow.ParseJSON([]byte(s))
			if err != nil {
				t.Fatal(err)
			}
			input = v
		}
		h.start(input)
		script, _ := a.Get("script")
		for _, line := range strings.Split(script, "\n") {
			h.script(line)
		}
		r := h.inst.Result()
		got := fmt.Sprintf("status: %s\nerror: %s\ncause: %s\noutput: %s\nopen: %s\ncommands:\n%s\nhistory:\n%s",
			h.status(), r.Error, r.Cause, workflow.MarshalJSON(r.Output),
			strings.Join(h.openNames(), " "), strings.Join(h.cmds, "\n"), strings.ReplaceAll(h.types(), " ", "\n"))
		if *updateGolden {
			setFile(a, "want", got)
			return true
		}
		want, _ := a.Get("want")
		if strings.TrimSpace(want) != got {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
		return false
	})
}
