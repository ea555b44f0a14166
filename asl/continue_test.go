package asl_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

// TestContinueAcrossSnapshots cuts runs into slices with Output.Interrupt,
// stores the execution after each slice (as the engine does) and continues
// it from the restored snapshot: the outcome and the history are those of
// one uninterrupted run.
func TestContinueAcrossSnapshots(t *testing.T) {
	var branches []string
	for i := range 200 {
		branches = append(branches, fmt.Sprintf(`{"StartAt":"P%d","States":{"P%d":{"Type":"Pass","Result":%d,"End":true}}}`, i, i, i))
	}
	cases := map[string]struct{ def, input string }{
		"loop": {`{"StartAt":"Inc","States":{
		  "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
		  "Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":1000,"Next":"Inc"}],"Default":"Done"},
		  "Done":{"Type":"Succeed"}}}`, `{"i":0}`},
		"parallel": {`{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(branches, ",") + `]}}}`, `{}`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := compile(t, c.def)
			input, err := asl.ParseJSON([]byte(c.input))
			if err != nil {
				t.Fatal(err)
			}
			info := asl.ExecutionInfo{ID: "x", Input: input}

			var whole asl.Output
			x := m.Start(info, t0, &whole)
			if x.Interrupted() || x.Status != asl.StatusSucceeded {
				t.Fatalf("uninterrupted run: %s %v", x.Status, x.Interrupted())
			}
			want := string(asl.MarshalJSON(x.Output))

			var out asl.Output
			calls := 0
			out.Interrupt = func() bool { calls++; return true } // every check
			var events []asl.HistoryEvent
			x = m.Start(info, t0, &out)
			slices := 0
			for {
				events = append(events, out.History...)
				if !x.Interrupted() {
					break
				}
				slices++
				snap, err := asl.MarshalExecution(x)
				if err != nil {
					t.Fatal(err)
				}
				if x, err = asl.UnmarshalExecution(snap); err != nil {
					t.Fatal(err)
				}
				if !x.Interrupted() {
					t.Fatal("the restored snapshot lost the work left")
				}
				out.Reset()
				m.Continue(x, t0, &out)
			}
			if slices < 3 || calls < slices {
				t.Fatalf("%d slices, %d checks: the run was not cut", slices, calls)
			}
			if x.Status != asl.StatusSucceeded || string(asl.MarshalJSON(x.Output)) != want {
				t.Fatalf("%s %s, want %s", x.Status, asl.MarshalJSON(x.Output), want)
			}
			if len(events) != len(whole.History) {
				t.Fatalf("%d events, want %d", len(events), len(whole.History))
			}
			for i, ev := range events {
				if ev.ID != int64(i+1) || ev.Type != whole.History[i].Type {
					t.Fatalf("event %d: %d %s, want %s", i, ev.ID, ev.Type, whole.History[i].Type)
				}
			}
			// Nothing is left: Continue does nothing.
			out.Reset()
			m.Continue(x, t0, &out)
			if len(out.History) != 0 {
				t.Fatalf("Continue of a finished run made %d events", len(out.History))
			}
		})
	}
}
