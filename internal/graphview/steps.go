package graphview

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Step statuses. An ASL state whose error a Catch handled is CAUGHT; one
// that failed an attempt and may be retried is RETRYING until its next
// attempt starts or the run ends. A pipeline step skipped by its `when` or
// its trigger rule is SKIPPED.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusRetrying  = "RETRYING"
	StatusCaught    = "CAUGHT"
	StatusAborted   = "ABORTED"
	StatusPending   = "PENDING"
	StatusSkipped   = "SKIPPED"
)

// Event is what Steps reads of a history event: its header, and from its
// details object the state or step name, the error and cause, and a Map's
// length.
type Event struct {
	ID        int64
	Previous  int64
	Type      string
	Timestamp time.Time
	Name      string
	Error     string
	Cause     string
	Length    int
}

// Iterations counts the items of a Map state or a for_each step.
type Iterations struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Running   int `json:"running"`
}

// Step is the status of one state or step of a run (of every entry of it,
// for a state inside a Map: the latest entry wins).
type Step struct {
	ID         string
	Status     string
	Attempts   int
	StartDate  time.Time
	StopDate   time.Time
	Error      string
	Cause      string
	Iterations *Iterations
}

// Steps derives step statuses from a run's history, one event at a time
// in id order (events at or below the last id applied are ignored, so a
// stream that reconnects may repeat some). web/src/status.ts's applyEvent
// is the same mapping in TypeScript; change both together.
//
// Events name their state when they enter or leave it (and Map iteration
// and pipeline step events always); the others belong to the state of the
// event they follow (previousEventId). The events that end a Parallel or a
// Map follow the last event of a branch, so they go up from that state to
// the Parallel or Map that holds it: Steps learns which container holds a
// state from the event that entered it.
type Steps struct {
	// Pipeline is set for the runs of pipelines, which have no Catch: a
	// step that leaves after an error failed (allow_failure only lets the
	// run go on), where an ASL state that leaves after one was caught.
	Pipeline bool

	names  []string         // every name met, by index
	index  map[string]int32 // name -> index
	steps  []*Step          // by name index; nil until entered or skipped
	order  []int32          // name indexes in the order their steps appeared
	parent []int32          // container of each name: index, -1 top, -2 unknown
	kind   []string         // type prefix of each name's entered event (Task, Map...)
	iterEr [][2]string      // last failed iteration's error and cause (Map, for_each)
	// owner is the name index+1 of each event by id (0: none), negative
	// for the events that start a branch (ParallelStateStarted and
	// MapIterationStarted): a state entered after one is inside it.
	owner   []int32
	last    int64
	applied int64 // events applied
}

// NewSteps returns an empty Steps.
func NewSteps(pipelineRun bool) *Steps {
	return &Steps{Pipeline: pipelineRun, index: map[string]int32{}}
}

// maxIDGap bounds how far past the number of events applied an id may
// be and still be recorded as an owner: ids are dense (1, 2, ...), and a
// broken history must not make the owner table huge.
const maxIDGap = 1 << 20

// LastEventID is the id of the last event applied.
func (s *Steps) LastEventID() int64 { return s.last }

// List returns the steps in the order they first appeared (copies).
func (s *Steps) List() []Step {
	out := make([]Step, 0, len(s.order))
	for _, i := range s.order {
		st := *s.steps[i]
		if st.Iterations != nil {
			it := *st.Iterations
			st.Iterations = &it
		}
		out = append(out, st)
	}
	return out
}

// Status returns the status of the step named id ("" when it has none).
func (s *Steps) Status(id string) string {
	if i, ok := s.index[id]; ok && s.steps[i] != nil {
		return s.steps[i].Status
	}
	return ""
}

func (s *Steps) nameIndex(name string) int32 {
	if i, ok := s.index[name]; ok {
		return i
	}
	i := int32(len(s.names))
	s.index[name] = i
	s.names = append(s.names, name)
	s.steps = append(s.steps, nil)
	s.parent = append(s.parent, -2)
	s.kind = append(s.kind, "")
	s.iterEr = append(s.iterEr, [2]string{})
	return i
}

// ownerOf returns the name index of event id (-1 when none) and whether
// it starts a branch.
func (s *Steps) ownerOf(id int64) (int32, bool) {
	if id <= 0 || id >= int64(len(s.owner)) {
		return -1, false
	}
	o := s.owner[id]
	if o < 0 {
		return -o - 1, true
	}
	return o - 1, false
}

func (s *Steps) setOwner(id int64, idx int32, branchStart bool) {
	if idx < 0 || id <= 0 || id > s.applied+maxIDGap {
		return
	}
	for int64(len(s.owner)) <= id {
		s.owner = append(s.owner, 0)
	}
	if branchStart {
		s.owner[id] = -(idx + 1)
	} else {
		s.owner[id] = idx + 1
	}
}

// container goes up from idx to the nearest state entered as kind
// (Parallel or Map), idx itself included; idx when there is none.
func (s *Steps) container(idx int32, kind string) int32 {
	for i, guard := idx, 0; i >= 0 && guard < 10000; guard++ {
		if s.kind[i] == kind {
			return i
		}
		i = s.parent[i]
	}
	return idx
}

// containerEvents end (or start) a Parallel or a Map without naming it.
var containerEvents = map[string]string{
	"ParallelStateStarted": "Parallel", "ParallelStateSucceeded": "Parallel", "ParallelStateFailed": "Parallel", "ParallelStateAborted": "Parallel",
	"MapStateStarted": "Map", "MapStateSucceeded": "Map", "MapStateFailed": "Map", "MapStateAborted": "Map",
}

// Apply updates the steps with one history event.
func (s *Steps) Apply(e Event) {
	if e.ID <= s.last {
		return
	}
	s.last = e.ID
	s.applied++
	t := e.Type
	idx := int32(-1)
	prev, prevStarts := s.ownerOf(e.Previous)
	switch {
	case strings.HasPrefix(t, "Execution"):
		s.executionEnd(e)
		return
	case e.Name != "":
		idx = s.nameIndex(e.Name)
	case containerEvents[t] != "" && prev >= 0:
		idx = s.container(prev, containerEvents[t])
	default:
		idx = prev
	}
	s.setOwner(e.ID, idx, t == "ParallelStateStarted" || t == "MapIterationStarted")
	var st *Step
	if idx >= 0 {
		st = s.steps[idx]
	}
	switch {
	case strings.HasSuffix(t, "StateEntered") && idx >= 0:
		s.enter(idx, prev, prevStarts, e)
	case strings.HasSuffix(t, "StateExited") && st != nil:
		if st.Status == StatusRetrying || st.Error != "" {
			st.Status = StatusCaught
			if s.Pipeline {
				st.Status = StatusFailed
			}
		} else {
			st.Status, st.Error, st.Cause = StatusSucceeded, "", ""
		}
		st.StopDate = e.Timestamp
	case t == "StepSkipped" && idx >= 0:
		n := s.fresh(idx, e.Timestamp)
		n.Status, n.StopDate, n.Error, n.Cause = StatusSkipped, e.Timestamp, e.Error, e.Cause
	case st == nil:
	case isTaskEvent(t, "Scheduled"):
		st.Attempts++
		st.Status = StatusRunning
	case isTaskEvent(t, "Succeeded"):
		// an attempt that succeeded after failed ones: the earlier error is over
		st.Error, st.Cause = "", ""
	case isTaskEvent(t, "Failed", "TimedOut", "StartFailed", "ScheduleFailed", "SubmitFailed"):
		st.Status, st.Error, st.Cause = StatusRetrying, e.Error, e.Cause
	case t == "MapStateStarted":
		st.Iterations = &Iterations{Total: max(e.Length, 0)}
	case strings.HasPrefix(t, "MapIteration"):
		s.iteration(idx, st, e)
	case t == "MapStateFailed" || t == "ParallelStateFailed":
		st.Status, st.Error, st.Cause = StatusRetrying, e.Error, e.Cause
		if st.Error == "" {
			st.Error, st.Cause = s.iterEr[idx][0], s.iterEr[idx][1]
		}
	case strings.HasSuffix(t, "StateAborted"):
		st.Status, st.StopDate = StatusAborted, e.Timestamp
	}
}

// fresh replaces the step idx by a new RUNNING one started at ts, keeping
// its attempts.
func (s *Steps) fresh(idx int32, ts time.Time) *Step {
	n := &Step{ID: s.names[idx], Status: StatusRunning, StartDate: ts}
	if old := s.steps[idx]; old != nil {
		n.Attempts = old.Attempts
	} else {
		s.order = append(s.order, idx)
	}
	s.steps[idx] = n
	return n
}

// enter records a state or step entered, and which container holds it:
// the one whose branch the previous event started, else the container of
// the state the previous event belongs to (a sibling), else none.
func (s *Steps) enter(idx, prev int32, prevStarts bool, e Event) {
	n := s.fresh(idx, e.Timestamp)
	typ := strings.TrimSuffix(e.Type, "StateEntered")
	s.kind[idx] = typ
	switch typ {
	case "Fail":
		n.Status, n.StopDate = StatusFailed, e.Timestamp
	case "Succeed", "Pass", "Choice":
		n.Attempts = max(n.Attempts, 1)
	}
	p := int32(-1)
	switch {
	case prev >= 0 && prevStarts:
		p = prev
	case prev >= 0 && prev != idx:
		p = max(s.parent[prev], -1)
	}
	if s.parent[idx] == -2 || (s.parent[idx] == -1 && p >= 0) {
		s.parent[idx] = p
	}
}

func (s *Steps) iteration(idx int32, st *Step, e Event) {
	it := st.Iterations
	if it == nil {
		return
	}
	switch e.Type {
	case "MapIterationStarted":
		it.Running++
	case "MapIterationSucceeded":
		it.Running = max(0, it.Running-1)
		it.Succeeded++
	case "MapIterationFailed", "MapIterationAborted":
		it.Running = max(0, it.Running-1)
		it.Failed++
		if e.Type == "MapIterationFailed" {
			s.iterEr[idx] = [2]string{e.Error, e.Cause}
		}
	}
}

// executionEnd settles the steps left open when the run ends: a step
// still retrying failed; one still running was stopped (ABORTED) or ended
// with the run (FAILED, TIMED_OUT: FAILED with the run's error). A run
// that succeeded may leave states of a branch cancelled by a caught error
// (ABORTED) and states whose error a Map tolerated (FAILED).
func (s *Steps) executionEnd(e Event) {
	var end string
	switch e.Type {
	case "ExecutionFailed", "ExecutionTimedOut":
		end = StatusFailed
	case "ExecutionAborted", "ExecutionSucceeded":
		end = StatusAborted
	default:
		return
	}
	for _, i := range s.order {
		x := s.steps[i]
		if x.Status != StatusRunning && x.Status != StatusRetrying {
			continue
		}
		if x.Status == StatusRetrying {
			x.Status = StatusFailed
		} else {
			x.Status = end
		}
		x.StopDate = e.Timestamp
		if x.Error == "" && end == StatusFailed {
			x.Error, x.Cause = e.Error, e.Cause
		}
	}
}

// isTaskEvent reports whether t is a Task, Activity or LambdaFunction
// event with one of the suffixes.
func isTaskEvent(t string, suffixes ...string) bool {
	for _, p := range []string{"Task", "Activity", "LambdaFunction"} {
		if rest, ok := strings.CutPrefix(t, p); ok {
			for _, suf := range suffixes {
				if rest == suf {
					return true
				}
			}
			return false
		}
	}
	return false
}

// NeedsDetails reports whether Steps reads anything of an event of type t
// beyond its header (id, previous id, type, time): the others need not be
// decoded, which keeps reading a long history cheap.
func NeedsDetails(t string) bool {
	switch {
	case strings.HasSuffix(t, "StateEntered"), strings.HasSuffix(t, "StateExited"), strings.HasSuffix(t, "StateAborted"),
		strings.HasPrefix(t, "MapIteration"),
		t == "ExecutionFailed", t == "ExecutionTimedOut", t == "ExecutionAborted",
		t == "MapStateStarted", t == "StepSkipped", t == "MapStateFailed", t == "ParallelStateFailed":
		return true
	}
	return isTaskEvent(t, "Failed", "TimedOut", "StartFailed", "ScheduleFailed", "SubmitFailed")
}

// details are the members of an event's details object that Steps reads.
type details struct {
	Name   string `json:"name"`
	Error  string `json:"error"`
	Cause  string `json:"cause"`
	Length int    `json:"length"`
}

// SetDetails fills e's Name, Error, Cause and Length from body, the event
// as GetExecutionHistory shows it (a JSON object whose details are the
// member ending in "EventDetails"). A body that is not such an object
// leaves e as it is. It decodes in one pass the details members of the
// events NeedsDetails names, and skips the rest.
func SetDetails(e *Event, body []byte) {
	var b detailsBody
	if json.Unmarshal(body, &b) != nil {
		return
	}
	for _, d := range []*details{b.StateEntered, b.StateExited, b.MapIterationStarted, b.MapIterationSucceeded, b.MapIterationFailed, b.MapIterationAborted, b.MapStateStarted, b.StepSkipped, b.TaskStateAborted, b.TaskFailed, b.TaskTimedOut, b.TaskStartFailed, b.TaskSubmitFailed, b.TaskScheduleFailed, b.ActivityFailed, b.ActivityTimedOut, b.ActivityScheduleFailed, b.ActivityStartFailed, b.LambdaFunctionFailed, b.LambdaFunctionTimedOut, b.LambdaFunctionStartFailed, b.LambdaFunctionScheduleFailed, b.ExecutionFailed, b.ExecutionTimedOut, b.ExecutionAborted} {
		if d != nil {
			e.Name, e.Error, e.Cause, e.Length = d.Name, d.Error, d.Cause, d.Length
			return
		}
	}
}

// detailsBody holds the details members SetDetails reads.
type detailsBody struct {
	StateEntered                 *details `json:"stateEnteredEventDetails"`
	StateExited                  *details `json:"stateExitedEventDetails"`
	MapIterationStarted          *details `json:"mapIterationStartedEventDetails"`
	MapIterationSucceeded        *details `json:"mapIterationSucceededEventDetails"`
	MapIterationFailed           *details `json:"mapIterationFailedEventDetails"`
	MapIterationAborted          *details `json:"mapIterationAbortedEventDetails"`
	MapStateStarted              *details `json:"mapStateStartedEventDetails"`
	StepSkipped                  *details `json:"stepSkippedEventDetails"`
	TaskStateAborted             *details `json:"taskStateAbortedEventDetails"`
	TaskFailed                   *details `json:"taskFailedEventDetails"`
	TaskTimedOut                 *details `json:"taskTimedOutEventDetails"`
	TaskStartFailed              *details `json:"taskStartFailedEventDetails"`
	TaskSubmitFailed             *details `json:"taskSubmitFailedEventDetails"`
	TaskScheduleFailed           *details `json:"taskScheduleFailedEventDetails"`
	ActivityFailed               *details `json:"activityFailedEventDetails"`
	ActivityTimedOut             *details `json:"activityTimedOutEventDetails"`
	ActivityScheduleFailed       *details `json:"activityScheduleFailedEventDetails"`
	ActivityStartFailed          *details `json:"activityStartFailedEventDetails"`
	LambdaFunctionFailed         *details `json:"lambdaFunctionFailedEventDetails"`
	LambdaFunctionTimedOut       *details `json:"lambdaFunctionTimedOutEventDetails"`
	LambdaFunctionStartFailed    *details `json:"lambdaFunctionStartFailedEventDetails"`
	LambdaFunctionScheduleFailed *details `json:"lambdaFunctionScheduleFailedEventDetails"`
	ExecutionFailed              *details `json:"executionFailedEventDetails"`
	ExecutionTimedOut            *details `json:"executionTimedOutEventDetails"`
	ExecutionAborted             *details `json:"executionAbortedEventDetails"`
}

func setDetails(e *Event, m map[string]json.RawMessage) {
	for k, v := range m {
		if !strings.HasSuffix(k, "EventDetails") {
			continue
		}
		var d details
		if json.Unmarshal(v, &d) == nil {
			e.Name, e.Error, e.Cause, e.Length = d.Name, d.Error, d.Cause, d.Length
		}
		return
	}
}

// DecodeEvent reads an event as GetExecutionHistory renders it (its
// timestamp in epoch seconds, or an RFC 3339 string as the store keeps it).
func DecodeEvent(m map[string]json.RawMessage) (Event, error) {
	var e Event
	var head struct {
		ID       int64           `json:"id"`
		Previous int64           `json:"previousEventId"`
		Type     string          `json:"type"`
		Time     json.RawMessage `json:"timestamp"`
	}
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, &head); err != nil {
		return e, fmt.Errorf("history event: %w", err)
	}
	e.ID, e.Previous, e.Type = head.ID, head.Previous, head.Type
	var secs float64
	var str string
	switch {
	case json.Unmarshal(head.Time, &secs) == nil:
		e.Timestamp = time.UnixMilli(int64(math.Round(secs * 1000))).UTC()
	case json.Unmarshal(head.Time, &str) == nil:
		e.Timestamp, _ = time.Parse(time.RFC3339Nano, str)
	}
	setDetails(&e, m)
	return e, nil
}
