package pipeline

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// The events of steps running side by side are linked by previousEventId
// within each step (and each for_each item), as Step Functions links the
// events of a branch, so that a reader can tell which step a TaskFailed
// belongs to without guessing from the order.
func TestHistoryChainsPerStep(t *testing.T) {
	h := newHarness(t, `name: p
steps:
  - {name: a, command: ["true"], retry: {retries: 1, interval: 1s}}
  - {name: b, command: ["true"]}
  - {name: c, depends_on: [a, b], for_each: "{% [1, 2] %}", command: ["true"]}
`, Options{}, map[string]any{})
	h.fail("a", "Shell.ExitError")
	h.ok("b", nil)
	h.tick(time.Second)
	h.ok("a", nil)
	h.ok("c#0", nil)
	h.ok("c#1", nil)
	h.wantStatus("SUCCEEDED")

	byID := map[int64]int{}
	for i, e := range h.history {
		byID[e.ID] = i
	}
	// owner follows previousEventId back to the event that names a step
	// (an entry, or a for_each item's start).
	owner := func(i int) string {
		for hops := 0; hops < len(h.history); hops++ {
			e := h.history[i]
			if e.Name != "" && (strings.HasSuffix(e.Type, "Entered") || e.Type == "MapIterationStarted") {
				if e.Type == "MapIterationStarted" {
					return e.Name + "#" + strconv.Itoa(e.Index)
				}
				return e.Name
			}
			j, ok := byID[e.PreviousEventID]
			if !ok {
				return ""
			}
			i = j
		}
		return ""
	}
	var got []string
	for i, e := range h.history {
		switch e.Type {
		case "TaskFailed", "TaskSucceeded", "TaskScheduled":
			got = append(got, e.Type+"("+owner(i)+")")
		}
	}
	want := "TaskScheduled(a) TaskScheduled(b) TaskFailed(a) TaskSucceeded(b) TaskScheduled(a) TaskSucceeded(a) " +
		"TaskScheduled(c#0) TaskScheduled(c#1) TaskSucceeded(c#0) TaskSucceeded(c#1)"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("events by owner:\n got %s\nwant %s\nhistory: %s", s, want, h.types())
	}
	for i, e := range h.history {
		if e.PreviousEventID >= e.ID || (i > 0 && e.PreviousEventID == 0) {
			t.Fatalf("event %d (%s) follows %d", e.ID, e.Type, e.PreviousEventID)
		}
	}
}
