package asl

import (
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/workflow"
)

// Execution statuses.
const (
	StatusRunning   = workflow.StatusRunning
	StatusSucceeded = workflow.StatusSucceeded
	StatusFailed    = workflow.StatusFailed
	StatusTimedOut  = workflow.StatusTimedOut
	StatusAborted   = workflow.StatusAborted
)

// ExecutionInfo describes an execution for the context object ($$.Execution,
// $$.StateMachine) and the history.
type ExecutionInfo struct {
	ID               string    `json:"id"` // execution ARN
	Name             string    `json:"name"`
	StateMachineID   string    `json:"stateMachineId"`
	StateMachineName string    `json:"stateMachineName"`
	RoleArn          string    `json:"roleArn,omitempty"`
	Region           string    `json:"region,omitempty"`
	Input            any       `json:"input"`
	StartTime        time.Time `json:"startTime"`
	RedriveCount     int       `json:"redriveCount,omitempty"`
	RedriveTime      time.Time `json:"redriveTime,omitzero"` // time of the last Redrive
}

// Execution is the whole state of one execution. It is plain data: the
// caller keeps it between calls to Apply, and can serialize it (encoding/json)
// to persist it after every transition.
type Execution struct {
	Info   ExecutionInfo `json:"info"`
	Status string        `json:"status"`
	Output any           `json:"output,omitempty"`
	Error  string        `json:"error,omitempty"`
	Cause  string        `json:"cause,omitempty"`

	Seq       int64               `json:"seq"`       // last id handed out to a frame, task or timer
	LastEvent int64               `json:"lastEvent"` // id of the last history event
	Root      int64               `json:"root"`
	Frames    map[int64]*Frame    `json:"frames,omitempty"`
	Tasks     map[string]int64    `json:"tasks,omitempty"`  // task id -> frame
	Timers    map[string]timerRef `json:"timers,omitempty"` // timer id -> frame and purpose
	// Pending is set only in snapshots: the frames an interrupted call left
	// to run (Interrupted, Continue).
	Pending []int64 `json:"pending,omitempty"`

	queue       []int64    // frames to advance; empty between calls unless interrupted
	steps       int        // transitions run, for Options.Interrupt checks
	interrupted bool       // the last call stopped early because Options.Interrupt said so
	jsInput     any        // Info.Input in the JSONata engine's form, built on first use
	snap        *snapCache // frames' JSON as MarshalExecution last wrote it (snapshot.go)
}

// Interrupted reports whether the last Start or Apply returned early because
// Options.Interrupt asked it to.
func (x *Execution) Interrupted() bool { return x.interrupted }

// Done reports whether the execution has finished.
func (x *Execution) Done() bool { return x.Status != StatusRunning }

type timerKind uint8

const (
	timerWait timerKind = iota
	timerRetry
	timerTaskTimeout
	timerHeartbeat
	timerExecution
)

type timerRef struct {
	Frame int64     `json:"f"`
	Kind  timerKind `json:"k"`
}

type phase uint8

const (
	phaseEnter    phase = iota // run the current state from its start
	phaseTask                  // waiting for a task result
	phaseRetry                 // waiting for a retry back-off timer
	phaseWait                  // waiting for a Wait state's timer
	phaseChildren              // waiting for Parallel branches or Map iterations
	phaseJoin                  // children finished: complete the Parallel/Map state
	phaseDone                  // finished (frame about to be removed)
)

// Frame is one thread of control: the top level, a Parallel branch or a Map
// iteration. Frames form a tree through Parent.
type Frame struct {
	ID     int64  `json:"id"`
	Parent int64  `json:"parent,omitempty"`
	Graph  string `json:"graph,omitempty"` // key of the compiled graph the frame runs
	Index  int    `json:"index,omitempty"` // branch or item index in the parent

	State      string         `json:"state"`
	Input      any            `json:"input"`               // raw input of the current state
	Effective  any            `json:"effective,omitempty"` // effective input (Wait, Map, Parallel)
	Entered    time.Time      `json:"entered"`
	EnteredID  int64          `json:"enteredId,omitempty"`
	RetryCount int            `json:"retryCount,omitempty"`
	Attempts   []int          `json:"attempts,omitempty"` // per retrier
	Vars       map[string]any `json:"vars,omitempty"`
	Phase      phase          `json:"phase"`
	PrevEvent  int64          `json:"prev,omitempty"`

	TaskID         string `json:"taskId,omitempty"`
	Started        bool   `json:"started,omitempty"` // the worker reported the task started
	Token          string `json:"token,omitempty"`
	TimerID        string `json:"timerId,omitempty"`
	TimeoutTimer   string `json:"timeoutTimer,omitempty"`
	HeartbeatTimer string `json:"heartbeatTimer,omitempty"`
	Heartbeat      int64  `json:"heartbeat,omitempty"` // seconds

	// Parallel and Map.
	Children  []int64  `json:"children,omitempty"`
	Results   []any    `json:"results,omitempty"`
	Items     []any    `json:"items,omitempty"`
	NextItem  int      `json:"nextItem,omitempty"`
	MaxConc   int      `json:"maxConc,omitempty"`
	Running   int      `json:"running,omitempty"`
	Finished  int      `json:"finished,omitempty"`
	Failures  int      `json:"failures,omitempty"`
	TolCount  int64    `json:"tolCount,omitempty"`
	TolPct    float64  `json:"tolPct,omitempty"`
	HasTol    bool     `json:"hasTol,omitempty"`
	ChildFail *Failure `json:"childFail,omitempty"`
	Redo      *redo    `json:"redo,omitempty"` // what Machine.Redrive needs (redrive.go)

	// Outcome, handed to the parent.
	Out  any      `json:"out,omitempty"`
	Fail *Failure `json:"fail,omitempty"`

	// SharedInput and EffectiveIsInput are set only in snapshots: the
	// frame's input is its parent's effective input ("parent"), its item
	// ("item") or the execution's input ("execution"), and its effective
	// input is its input, written once.
	SharedInput      string `json:"sharedInput,omitempty"`
	EffectiveIsInput bool   `json:"effectiveIsInput,omitempty"`

	// InSize is an upper bound of the JSON size of Input (0: unknown), kept
	// so that the payload limit rarely needs to walk a payload.
	InSize int `json:"inSize,omitempty"`

	env     jsonpath.Env // evaluation environment, built on first use
	outSize int          // bound of the output being handed to the next state
	// jsEffective caches Effective in the JSONata engine's form while a
	// Map hands it to every iteration's ItemSelector as $states.input.
	jsEffective any
}
