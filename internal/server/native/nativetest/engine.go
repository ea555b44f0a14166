package nativetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// Engine implements service.Engine over a store without running anything:
// executions stay RUNNING until the test appends their events and ends
// them. Activity tasks are queued by the test and their results recorded.
type Engine struct {
	st store.Store
	w  *Watcher

	mu      sync.Mutex
	onStart func(arn string)
	queues  map[string]chan *store.Task // activity ARN -> queued tasks
	open    map[string]*store.Task      // task token -> task handed out
	results chan TaskResult
	seq     int
}

var _ service.Engine = (*Engine)(nil)

// TaskResult is what a worker reported about a task.
type TaskResult struct {
	Token  string
	Kind   string // "success", "failure" or "heartbeat"
	Output string // JSON text, for success
	Error  string
	Cause  string
}

// NewEngine returns an Engine over st publishing to w (which may be nil).
func NewEngine(st store.Store, w *Watcher) *Engine {
	return &Engine{st: st, w: w, queues: map[string]chan *store.Task{}, open: map[string]*store.Task{}, results: make(chan TaskResult, 100)}
}

// Results delivers the reports of workers, in order.
func (e *Engine) Results() <-chan TaskResult { return e.results }

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// body renders a history event body with its details member.
func body(typ, detailsKey string, details any) []byte {
	m := map[string]any{"type": typ}
	if detailsKey != "" {
		m[detailsKey] = details
	}
	b, _ := json.Marshal(m)
	return b
}

// Start stores a new RUNNING execution with its ExecutionStarted event.
func (e *Engine) Start(ctx context.Context, req service.StartRequest) (*store.Execution, error) {
	e.mu.Lock()
	if old, err := e.st.GetExecution(ctx, req.ExecutionArn); err == nil {
		e.mu.Unlock()
		if old.Status == service.StatusRunning && old.Input == req.Input {
			return old, nil
		}
		return nil, apierr.New(apierr.ExecutionAlreadyExists, "Execution Already Exists: '%s'", req.ExecutionArn)
	}
	t := now()
	x := &store.Execution{
		Arn: req.ExecutionArn, StateMachineArn: req.StateMachineArn, VersionArn: req.VersionArn, AliasArn: req.AliasArn,
		Name: req.Name, Type: req.Type, Status: service.StatusRunning, Input: req.Input, StartDate: t,
		TraceHeader: req.TraceHeader, Definition: req.Definition, Language: req.Language, RoleArn: req.RoleArn, EventCount: 1,
	}
	ev := store.Event{ID: 1, Type: "ExecutionStarted", Timestamp: t, Body: body("ExecutionStarted", "executionStartedEventDetails",
		map[string]any{"input": req.Input, "inputDetails": map[string]bool{"truncated": false}, "roleArn": req.RoleArn})}
	err := e.st.Commit(ctx, []*store.Transition{{Execution: x, New: true, Events: []store.Event{ev}}})
	onStart := e.onStart
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	e.publish(x)
	if onStart != nil {
		go onStart(x.Arn)
	}
	return x, nil
}

// OnStart makes the engine call fn, in its own goroutine, for every
// execution started from now on, to script its run; nil stops it.
func (e *Engine) OnStart(fn func(arn string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onStart = fn
}

// StartSync is not supported by the fake.
func (e *Engine) StartSync(context.Context, service.StartRequest) (*store.Execution, error) {
	return nil, apierr.New(apierr.StateMachineTypeNotSupported, "nativetest: Express executions are not supported")
}

// Event is a history event to append: its type and details.
type Event struct {
	Type       string
	DetailsKey string // e.g. "stateEnteredEventDetails"
	Details    any
}

// Append appends events to a RUNNING execution's history and publishes an
// update.
func (e *Engine) Append(ctx context.Context, arn string, evs ...Event) error {
	return e.transition(ctx, arn, func(*store.Execution) error { return nil }, evs...)
}

// Enter appends a TaskStateEntered event of the state.
func (e *Engine) Enter(ctx context.Context, arn, state string) error {
	return e.Append(ctx, arn, Event{"TaskStateEntered", "stateEnteredEventDetails", map[string]any{"name": state, "input": "{}"}})
}

// Exit appends a TaskStateExited event of the state.
func (e *Engine) Exit(ctx context.Context, arn, state string) error {
	return e.Append(ctx, arn, Event{"TaskStateExited", "stateExitedEventDetails", map[string]any{"name": state, "output": "{}"}})
}

// Succeed ends an execution with output (JSON text).
func (e *Engine) Succeed(ctx context.Context, arn, output string) error {
	return e.transition(ctx, arn, func(x *store.Execution) error {
		x.Status, x.Output, x.StopDate = service.StatusSucceeded, output, now()
		return nil
	}, Event{"ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{"output": output}})
}

// Fail ends an execution with an error.
func (e *Engine) Fail(ctx context.Context, arn, errName, cause string) error {
	return e.transition(ctx, arn, func(x *store.Execution) error {
		x.Status, x.Error, x.Cause, x.StopDate = service.StatusFailed, errName, cause, now()
		return nil
	}, Event{"ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": errName, "cause": cause}})
}

// transition changes an execution with fn and appends events, in one commit.
func (e *Engine) transition(ctx context.Context, arn string, fn func(*store.Execution) error, evs ...Event) error {
	e.mu.Lock()
	x, err := e.st.GetExecution(ctx, arn)
	if err != nil {
		e.mu.Unlock()
		return apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if err := fn(x); err != nil {
		e.mu.Unlock()
		return err
	}
	tr := &store.Transition{Execution: x}
	for _, ev := range evs {
		x.EventCount++
		tr.Events = append(tr.Events, store.Event{ID: x.EventCount, Type: ev.Type, Timestamp: now(), Previous: x.EventCount - 1,
			Body: body(ev.Type, ev.DetailsKey, ev.Details)})
	}
	err = e.st.Commit(ctx, []*store.Transition{tr})
	e.mu.Unlock()
	if err != nil {
		return err
	}
	e.publish(x)
	return nil
}

func (e *Engine) publish(x *store.Execution) {
	if e.w != nil {
		e.w.Publish(x.Arn, x.StateMachineArn, x.Status, x.EventCount)
	}
}

// Stop aborts a RUNNING execution; a finished one is returned unchanged.
func (e *Engine) Stop(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	x, err := e.st.GetExecution(ctx, arn)
	if err != nil {
		return nil, apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if x.Status != service.StatusRunning {
		return x, nil
	}
	err = e.transition(ctx, arn, func(x *store.Execution) error {
		x.Status, x.Error, x.Cause, x.StopDate = service.StatusAborted, errName, cause, now()
		return nil
	}, Event{"ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": errName, "cause": cause}})
	if err != nil {
		return nil, err
	}
	return e.st.GetExecution(ctx, arn)
}

// Redrive sets a FAILED, TIMED_OUT or ABORTED execution RUNNING again.
func (e *Engine) Redrive(ctx context.Context, arn string) (*store.Execution, error) {
	err := e.transition(ctx, arn, func(x *store.Execution) error {
		switch x.Status {
		case service.StatusFailed, service.StatusTimedOut, service.StatusAborted:
		default:
			return apierr.New(apierr.ExecutionNotRedrivable, "Execution is %s and cannot be redriven", x.Status)
		}
		x.Status, x.StopDate, x.Error, x.Cause = service.StatusRunning, time.Time{}, "", ""
		x.RedriveCount++
		x.RedriveDate = now()
		return nil
	}, Event{"ExecutionRedriven", "executionRedrivenEventDetails", map[string]any{"redriveCount": 1}})
	if err != nil {
		return nil, err
	}
	return e.st.GetExecution(ctx, arn)
}

// QueueTask queues a task of an activity with input (JSON text) and
// returns its token.
func (e *Engine) QueueTask(activityArn, input string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	t := &store.Task{Token: fmt.Sprintf("token-%d", e.seq), ActivityArn: activityArn, Kind: store.TaskActivity, Input: input, State: store.TaskQueued}
	e.queue(activityArn) <- t
	e.open[t.Token] = t
	return t.Token
}

// queue returns the queue of an activity; e.mu is held.
func (e *Engine) queue(activityArn string) chan *store.Task {
	q, ok := e.queues[activityArn]
	if !ok {
		q = make(chan *store.Task, 100)
		e.queues[activityArn] = q
	}
	return q
}

// GetActivityTask hands out the next queued task of the activity, waiting
// for one until ctx ends.
func (e *Engine) GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	e.mu.Lock()
	q := e.queue(activityArn)
	e.mu.Unlock()
	select {
	case t := <-q:
		t.WorkerName, t.State = workerName, store.TaskStarted
		return t, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (e *Engine) report(r TaskResult, done bool) error {
	e.mu.Lock()
	_, ok := e.open[r.Token]
	if ok && done {
		delete(e.open, r.Token)
	}
	e.mu.Unlock()
	if !ok {
		return apierr.New(apierr.TaskDoesNotExist, "Task Does Not Exist: the task token is unknown or its task is done")
	}
	e.results <- r
	return nil
}

// SendTaskSuccess records a task's success.
func (e *Engine) SendTaskSuccess(_ context.Context, token, output string) error {
	return e.report(TaskResult{Token: token, Kind: "success", Output: output}, true)
}

// SendTaskFailure records a task's failure.
func (e *Engine) SendTaskFailure(_ context.Context, token, errName, cause string) error {
	return e.report(TaskResult{Token: token, Kind: "failure", Error: errName, Cause: cause}, true)
}

// SendTaskHeartbeat records a heartbeat.
func (e *Engine) SendTaskHeartbeat(_ context.Context, token string) error {
	return e.report(TaskResult{Token: token, Kind: "heartbeat"}, false)
}

// RunTestTask fails: the fake runs no task.
func (e *Engine) RunTestTask(context.Context, workflow.RunTask) engine.TaskOutcome {
	return engine.TaskOutcome{Error: "States.TaskFailed", Cause: "nativetest: tasks do not run"}
}

// TokenExecution is the execution of a task handed out.
func (e *Engine) TokenExecution(_ context.Context, token string) (string, error) {
	e.mu.Lock()
	t, ok := e.open[token]
	e.mu.Unlock()
	if !ok {
		return "", apierr.New(apierr.TaskDoesNotExist, "Task Does Not Exist: the task token is unknown or its task is done")
	}
	return t.ExecutionArn, nil
}
