package pipeline

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/value"
	"github.com/batonhq/baton/workflow"
)

// The state of a run, serialized whole by Snapshot. Everything derivable
// from it (the counts of each step's final upstreams, the caches of
// converted values) is rebuilt by Restore instead of being stored, which
// keeps a 10,000-step or 10,000-item snapshot compact.

// Step states.
const (
	statePending uint8 = iota
	stateRunning
	stateRetrying
	stateSucceeded
	stateFailed
	stateTimedOut
	stateSkipped
	stateStopped
)

// stateNames are the states as $steps.NAME.status and docs name them.
var stateNames = [...]string{"pending", "running", "retrying", "succeeded", "failed", "timed_out", "skipped", "stopped"}

func final(s uint8) bool { return s >= stateSucceeded }

// Skip reasons, recorded in the StepSkipped event's error field.
const (
	ReasonWhen              = "when"
	ReasonUpstreamFailed    = "upstream_failed"
	ReasonUpstreamSkipped   = "upstream_skipped"
	ReasonUpstreamSucceeded = "upstream_succeeded"
)

// runState is a run's whole state.
type runState struct {
	Info     runInfo          `json:"info"`
	Input    jv               `json:"input,omitzero"` // after params
	Status   string           `json:"status"`
	Heading  string           `json:"heading,omitempty"`  // the status the run ends with once its handlers are done
	Phase    uint8            `json:"phase,omitempty"`    // listDAG, a handler list, listDone
	Failed   bool             `json:"failed,omitempty"`   // a step failed without allow_failure
	BadInput bool             `json:"badInput,omitempty"` // the input broke the params: nothing ran
	Error    string           `json:"error,omitempty"`
	Cause    string           `json:"cause,omitempty"`
	Output   jv               `json:"output,omitzero"`
	Steps    []stepState      `json:"steps"`
	Tasks    map[string]ref   `json:"tasks,omitempty"`
	Timers   map[string]timer `json:"timers,omitempty"`
	Seq      int64            `json:"seq,omitempty"`
	Events   int64            `json:"events,omitempty"`
	Redrives int              `json:"redrives,omitempty"`
	RunTimer string           `json:"runTimer,omitempty"`
	Grace    string           `json:"grace,omitempty"`
	// Filling is set when a call gave control back (Output.Interrupt)
	// before it started every for_each item it could: Continue starts
	// them.
	Filling bool `json:"filling,omitempty"`
}

// runInfo is what a run keeps of workflow.Info.
type runInfo struct {
	ID                string    `json:"id,omitempty"`
	Name              string    `json:"name,omitempty"`
	WorkflowID        string    `json:"workflowId,omitempty"`
	WorkflowName      string    `json:"workflowName,omitempty"`
	Namespace         string    `json:"namespace,omitempty"`
	Version           string    `json:"version,omitempty"`
	Region            string    `json:"region,omitempty"`
	StartTime         time.Time `json:"start"`
	LogicalDate       time.Time `json:"logicalDate,omitzero"`
	DataIntervalStart time.Time `json:"dataIntervalStart,omitzero"`
	Trigger           jv        `json:"trigger,omitzero"`
}

// stepState is one step's (or handler's) state.
type stepState struct {
	State    uint8     `json:"s,omitempty"`
	Reason   string    `json:"r,omitempty"`
	Attempts int       `json:"a,omitempty"` // attempts begun, all time ($steps.NAME.attempts)
	Output   jv        `json:"o,omitzero"`
	Error    string    `json:"e,omitempty"`
	Cause    string    `json:"c,omitempty"`
	X        *inflight `json:"x,omitempty"` // the attempt in flight (not for_each)
	Each     *each     `json:"m,omitempty"` // for_each
	Last     int64     `json:"l,omitempty"` // the step's last history event (see chainEvent)
}

// inflight is an attempt in flight of a step or a for_each item, or the wait
// before its retry.
type inflight struct {
	Task    string `json:"t,omitempty"`
	Timer   string `json:"w,omitempty"` // retry or poll timer
	Timeout string `json:"to,omitempty"`
	Beat    string `json:"hb,omitempty"` // heartbeat timer (activity steps)
	Retries int    `json:"n,omitempty"`  // retries used
	Last    int64  `json:"l,omitempty"`  // a for_each item's last history event
}

// each is a for_each step's items.
type each struct {
	Items   jv                `json:"items"`
	State   []uint8           `json:"s"` // per item: pending, running, succeeded...
	Outputs []jv              `json:"o"`
	Active  map[int]*inflight `json:"x,omitempty"`    // items running or waiting to retry
	Next    int               `json:"next,omitempty"` // no item before it is pending
	Done    int               `json:"done,omitempty"` // items succeeded
}

func (e *each) items() []any { a, _ := e.Items.V.([]any); return a }

// ref names a task's or timer's step and item (-1: the step itself).
type ref struct {
	Node int32 `json:"n"`
	Item int32 `json:"i"`
}

// timer is an armed timer: its step and item, and what it is for.
type timer struct {
	ref
	Kind uint8 `json:"k"`
}

// Timer kinds.
const (
	timerRetry uint8 = iota
	timerTimeout
	timerPoll
	timerRun
	timerGrace
	timerHeartbeat
	timerReeval // a retry of a step whose when or for_each failed to evaluate
)

var timerPurposes = [...]string{"retry", "task-timeout", "wait", "execution-timeout", "execution-timeout", "heartbeat", "retry"}

// jv is a JSON value of the run, stored with the value package so that
// numbers keep their form.
type jv struct{ V any }

func (j jv) IsZero() bool                  { return j.V == nil }
func (j jv) MarshalJSON() ([]byte, error)  { return value.Marshal(j.V), nil }
func (j *jv) UnmarshalJSON(b []byte) error { v, err := value.Parse(b); j.V = v; return err }

// Snapshot serializes the run.
func (r *run) Snapshot() ([]byte, error) {
	return json.Marshal(&r.st)
}

// Restore rebuilds a run from Snapshot's bytes.
func (p *program) Restore(snapshot []byte) (workflow.Instance, error) {
	r := &run{prog: p}
	if err := json.Unmarshal(snapshot, &r.st); err != nil {
		return nil, fmt.Errorf("pipeline snapshot: %w", err)
	}
	if len(r.st.Steps) != len(p.nodes) {
		return nil, fmt.Errorf("pipeline snapshot: %d steps, but the pipeline has %d: restore it with the version it started with", len(r.st.Steps), len(p.nodes))
	}
	r.recount()
	return r, nil
}
