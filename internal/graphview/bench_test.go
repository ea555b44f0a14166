package graphview

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkOfPipeline draws a stored 1,000-step pipeline (each step
// depending on two before it): the work of GET .../graph.
func BenchmarkOfPipeline(b *testing.B) {
	var src strings.Builder
	src.WriteString("name: big\nsteps:\n")
	for i := range 1000 {
		fmt.Fprintf(&src, "  - name: s%d\n    command: [\"true\"]\n", i)
		if i > 1 {
			fmt.Fprintf(&src, "    depends_on: [s%d, s%d]\n", i-1, i-2)
		}
	}
	for b.Loop() {
		g, err := Of("pipeline", src.String())
		if err != nil || len(g.Nodes) != 1000 {
			b.Fatal(len(g.Nodes), err)
		}
	}
}

// BenchmarkSteps maps a 10,000-event history.
func BenchmarkSteps(b *testing.B) {
	var evs []Event
	ts := time.Unix(1e9, 0)
	for i := 0; len(evs) < 10000; i++ {
		n := int64(len(evs))
		name := fmt.Sprintf("s%d", i)
		evs = append(evs, Event{ID: n + 1, Previous: n, Type: "TaskStateEntered", Name: name, Timestamp: ts},
			Event{ID: n + 2, Previous: n + 1, Type: "TaskScheduled", Timestamp: ts},
			Event{ID: n + 3, Previous: n + 2, Type: "TaskSucceeded", Timestamp: ts},
			Event{ID: n + 4, Previous: n + 3, Type: "TaskStateExited", Name: name, Timestamp: ts})
	}
	for b.Loop() {
		s := NewSteps(true)
		for _, e := range evs {
			s.Apply(e)
		}
		if len(s.List()) != 2500 {
			b.Fatal(len(s.List()))
		}
	}
}
