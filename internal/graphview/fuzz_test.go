package graphview

import (
	"encoding/binary"
	"testing"
)

// fuzzTypes are the event types the fuzzer picks from.
var fuzzTypes = []string{
	"ExecutionStarted", "TaskStateEntered", "TaskStateExited", "PassStateEntered", "FailStateEntered",
	"ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateExited",
	"MapStateEntered", "MapStateStarted", "MapIterationStarted", "MapIterationSucceeded", "MapIterationFailed",
	"MapIterationAborted", "MapStateSucceeded", "MapStateFailed", "MapStateAborted", "MapStateExited",
	"TaskScheduled", "TaskSucceeded", "TaskFailed", "TaskTimedOut", "StepSkipped", "TaskStateAborted",
	"ExecutionFailed", "ExecutionSucceeded", "ExecutionAborted", "ExecutionRedriven",
}

// FuzzSteps feeds arbitrary histories (ids, previous ids, types and names
// from the input, in any order, pointing anywhere) to Steps and to the
// details decoder: nothing panics, the owner table stays bounded, and
// every step listed has a status.
func FuzzSteps(f *testing.F) {
	f.Add([]byte{1, 0, 1, 0, 2, 1, 2, 1, 3, 2, 21, 0}, []byte(`{"stateEnteredEventDetails":{"name":"A"}}`), true)
	f.Add([]byte{1, 0, 10, 0, 2, 1, 11, 1, 3, 2, 12, 1, 255, 3, 13, 2}, []byte(`{"mapStateStartedEventDetails":{"length":-5}}`), false)
	f.Fuzz(func(t *testing.T, script, body []byte, pipelineRun bool) {
		var e Event
		SetDetails(&e, body)
		s := NewSteps(pipelineRun)
		names := []string{"", "A", "B", "M", "P"}
		for len(script) >= 4 {
			id := int64(script[0])
			if script[0] == 255 {
				id = int64(binary.BigEndian.Uint16(script[1:3])) << 20
			}
			ev := Event{ID: id, Previous: int64(script[1]), Type: fuzzTypes[int(script[2])%len(fuzzTypes)],
				Name: names[int(script[3])%len(names)], Length: int(int8(script[3])), Error: e.Error}
			s.Apply(ev)
			script = script[4:]
		}
		if int64(len(s.owner)) > s.applied+maxIDGap+1 {
			t.Fatalf("owner table of %d entries", len(s.owner))
		}
		for _, st := range s.List() {
			if st.Status == "" || st.ID == "" {
				t.Fatalf("step %+v", st)
			}
			if it := st.Iterations; it != nil && (it.Total < 0 || it.Running < 0) {
				t.Fatalf("iterations %+v", it)
			}
		}
	})
}
