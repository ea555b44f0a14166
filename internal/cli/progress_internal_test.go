package cli

import (
	"io"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
)

// TestProgressBoundedOnLoops: the progress display of 'baton run' keeps a
// bounded index of events, however long the run. A loop of Pass and
// Choice states grew it by one entry a state (50 MB a second, gigabytes
// before anyone pressed Ctrl-C).
func TestProgressBoundedOnLoops(t *testing.T) {
	src := []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Done"}],"Default":"A"},
		"Done":{"Type":"Succeed"}}}`)
	def, err := asl.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	const events = 260_000 // about 130,000 states, past the bound of 100,000
	m, err := asl.Compile(def, asl.Options{MaxHistoryEvents: events})
	if err != nil {
		t.Fatal(err)
	}
	p := newProgress(io.Discard, false)
	most := 0
	out := asl.Output{FlushHistory: func(h []asl.HistoryEvent) {
		p.events(h)
		most = max(most, len(p.stateOf))
	}}
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: map[string]any{}}, time.Unix(0, 0), &out)
	p.events(out.History)
	if x.Status != asl.StatusFailed {
		t.Fatalf("want the history limit to stop the loop, got %s %s", x.Status, x.Error)
	}
	if most > 100_000 { // maxTrackedEvents
		t.Fatalf("the progress display held %d events (bound 100,000)", most)
	}
}
