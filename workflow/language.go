package workflow

import (
	"errors"
	"time"
)

// Execution statuses, as Step Functions names them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
	// StatusQueued is Baton's: a run that waits for a slot of its
	// workflow's concurrency limit (Limited) before it runs.
	StatusQueued = "QUEUED"
)

// Limited is implemented by programs of workflows that bound how many of
// their runs are RUNNING at once (a pipeline's max_active_runs). Past the
// bound, OnLimit decides: LimitQueue starts the run QUEUED (Info.Queued)
// until the caller sends it Dequeue; LimitSkip refuses the start;
// LimitCancelOldest stops the oldest running run and queues the new one.
type Limited interface {
	MaxActiveRuns() (max int, onLimit string)
}

// What a Limited workflow does past its bound.
const (
	LimitQueue        = "queue"
	LimitSkip         = "skip"
	LimitCancelOldest = "cancel_oldest"
)

// Language compiles the definitions of one workflow language. A Language is
// built once with the server's limits (payload size, expression time
// bounds...) and shared by every execution; its methods are safe for
// concurrent use.
type Language interface {
	// Name is recorded with every stored workflow, so the engine knows
	// which language runs it: "asl" or "pipeline".
	Name() string
	// Compile checks a definition and builds the program that runs it.
	// An invalid definition gives an error that says what is wrong and
	// where.
	Compile(definition []byte, opts CompileOptions) (Program, error)
}

// CompileOptions are the per-workflow settings of a compilation.
type CompileOptions struct {
	// Express is set for Express workflows (in memory, outcome recorded),
	// whose time bound the language may enforce.
	Express bool
	// Files reads a file of the workflow's project (pipeline.yaml's
	// `body:`, a step's `file:`), nil when the workflow has none.
	Files func(name string) ([]byte, error)
}

// Program is a compiled definition. It holds no execution state and is
// safe for concurrent use by many executions.
type Program interface {
	// Start begins an execution: its first transitions run at once and
	// what they produced lands in out.
	Start(info Info, now time.Time, out *Output) Instance
	// Restore rebuilds an execution from the bytes Instance.Snapshot wrote.
	Restore(snapshot []byte) (Instance, error)
}

// Instance is one execution's whole state, driven by one goroutine at a
// time. Every method that changes it appends the resulting commands and
// history events to out; the caller stores them, with Snapshot, in one
// transaction.
type Instance interface {
	// Apply feeds one event. Events for tasks or timers the execution no
	// longer has are ignored, so delivering one twice is harmless.
	Apply(ev Event, now time.Time, out *Output)
	// Continue runs what a call interrupted through Output.Interrupt left.
	Continue(now time.Time, out *Output)
	// Interrupted reports whether the last call returned early because
	// Output.Interrupt asked it to.
	Interrupted() bool
	// Redrive restarts a FAILED, TIMED_OUT or ABORTED execution from where
	// it failed, keeping what had succeeded. It returns an error wrapping
	// ErrNotRedrivable when the execution cannot be redriven.
	Redrive(now time.Time, out *Output) error

	// Status is one of the Status* constants.
	Status() string
	// Result is the outcome of a finished execution.
	Result() Result
	// Tasks calls fn for each task in flight, with its token ("" when it
	// has none): the tasks a restart must dispatch again or whose results
	// are still wanted.
	Tasks(fn func(taskID, token string))
	// HasTask reports whether the task is still in flight.
	HasTask(taskID string) bool
	// Timers calls fn for each armed timer.
	Timers(fn func(timerID string))
	// Snapshot serializes the whole state for Program.Restore.
	Snapshot() ([]byte, error)
}

// StepRetrier is implemented by instances of languages that can run one
// step and everything downstream of it again in the same execution
// (pipelines). It returns an error wrapping ErrNotRedrivable or
// ErrUnknownStep when it cannot.
type StepRetrier interface {
	RetryFrom(step string, now time.Time, out *Output) error
}

// Result is the outcome of a finished execution: Output when it
// succeeded, Error and Cause otherwise.
type Result struct {
	Output any
	Error  string
	Cause  string
}

// Info describes an execution to its language: the context object of ASL
// ($$.Execution, $$.StateMachine), the $run variable of pipelines.
type Info struct {
	ID           string // the execution's ARN
	Name         string
	WorkflowID   string // the workflow's ARN (version-qualified when started through one)
	WorkflowName string
	Namespace    string
	Version      string // the workflow version the execution runs, "" for the latest
	RoleArn      string
	Region       string
	Input        any
	StartTime    time.Time
	// LogicalDate is the time the run stands for: the scheduled slot of a
	// scheduled run, --logical-date given at start, else zero (StartTime).
	LogicalDate time.Time
	// DataIntervalStart is the start of the data interval the run covers
	// (the previous slot, or the previous run's start); zero when none.
	DataIntervalStart time.Time
	// Trigger describes what started the run (a schedule, upstream
	// executions, an event), nil when a user did.
	Trigger any
	// Queued starts the run QUEUED: it records its start and waits for
	// Dequeue before it runs (see Limited).
	Queued bool
}

// Error names the caller of a language raises for tasks (TaskFailed.Error,
// Stop.Error): those of the Amazon States Language, which every language's
// Retry and Catch rules match.
const (
	// ErrTaskFailed fails a task whose executor failed without naming an
	// error, or that was lost with the server that ran it.
	ErrTaskFailed = "States.TaskFailed"
	// ErrAborted stops a nested execution whose parent's task was cancelled.
	ErrAborted = "States.Aborted"
)

var (
	// ErrNotRedrivable is wrapped by Redrive and RetryFrom errors when the
	// execution is in a status or shape that cannot run again.
	ErrNotRedrivable = errors.New("execution cannot be redriven")
	// ErrUnknownStep is wrapped by RetryFrom when the step does not exist.
	ErrUnknownStep = errors.New("no such step")
)
