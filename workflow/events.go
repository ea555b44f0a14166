package workflow

import "time"

// Event is something that happened outside the interpreter and that the
// caller feeds to Instance.Apply: a task finished, a timer fired, a user
// stopped the execution.
type Event interface{ isEvent() }

// TaskSucceeded reports the result of a task the interpreter asked for with
// RunTask.
type TaskSucceeded struct {
	TaskID string
	Output any
}

// TaskFailed reports that a task failed with an ASL error name and a cause.
type TaskFailed struct {
	TaskID string
	Error  string
	Cause  string
}

// TaskStarted reports that a worker picked the task up (activities); other
// resources are reported started when scheduled.
type TaskStarted struct {
	TaskID     string
	WorkerName string
}

// TaskHeartbeat reports that a task is still alive; it re-arms the task's
// heartbeat timer.
type TaskHeartbeat struct {
	TaskID string
}

// TimerFired reports that the time of a timer armed with ArmTimer has come.
type TimerFired struct {
	TimerID string
}

// Stop aborts the execution (StopExecution).
type Stop struct {
	Error string
	Cause string
}

// Dequeue lets a QUEUED run run: a slot of its workflow's concurrency
// limit is free.
type Dequeue struct{}

func (Dequeue) isEvent()       {}
func (TaskSucceeded) isEvent() {}
func (TaskFailed) isEvent()    {}
func (TaskStarted) isEvent()   {}
func (TaskHeartbeat) isEvent() {}
func (TimerFired) isEvent()    {}
func (Stop) isEvent()          {}

// Command is something the interpreter asks its caller to do.
type Command interface{ isCommand() }

// RunTask asks the caller to run one attempt of a Task state and to report
// its outcome with TaskSucceeded or TaskFailed (once; duplicates and late
// results are ignored).
type RunTask struct {
	TaskID    string
	Resource  string
	Input     any // the effective input (InputPath, then Parameters)
	StateName string
	Attempt   int    // 0 for the first attempt, then 1, 2... for retries
	Token     string // task token, for callback resources
	Timeout   time.Duration
	Heartbeat time.Duration
}

// CancelTask tells the caller that a task's result is no longer wanted (its
// state timed out, its Parallel branch failed, the execution stopped).
type CancelTask struct {
	TaskID string
}

// ArmTimer asks the caller to send TimerFired{TimerID} at time At.
type ArmTimer struct {
	TimerID string
	At      time.Time
	Purpose string // "wait", "retry", "task-timeout", "heartbeat" or "execution-timeout"
}

// CancelTimer tells the caller that a timer is no longer needed.
type CancelTimer struct {
	TimerID string
}

func (RunTask) isCommand()     {}
func (CancelTask) isCommand()  {}
func (ArmTimer) isCommand()    {}
func (CancelTimer) isCommand() {}

// Output collects what one call to Start, Apply, Redrive or Continue produced. Callers reuse it
// across calls (Reset) to avoid allocations.
type Output struct {
	Commands []Command
	History  []HistoryEvent

	// FlushHistory, when set, receives the history in batches of
	// HistoryBatch events during a long call (an inline Map over 100,000
	// items runs in one call) instead of holding it all until the call
	// returns; History then holds only the last batch. Leave it nil when the
	// events must be stored atomically with the execution's new state.
	FlushHistory func([]HistoryEvent)

	// Interrupt, when set, is asked every 64 transitions of this call
	// whether to give control back: a caller running many executions at
	// once tells each call its own time slice. Instance.Continue runs what
	// the call left.
	Interrupt func() bool
}

// HistoryBatch is the batch size of Output.FlushHistory.
const HistoryBatch = 4096

// Reset empties o, keeping its storage.
func (o *Output) Reset() {
	clear(o.Commands)
	clear(o.History)
	o.Commands = o.Commands[:0]
	o.History = o.History[:0]
}
