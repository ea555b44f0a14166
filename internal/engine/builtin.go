package engine

// Built-in tasks: those of this server's executors, run on the worker pool.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

// runBuiltin runs a task on the worker pool. For a callback resource the
// executor, when there is one, only delivers the token: its failure fails
// the task, its success is ignored and the task waits for SendTaskSuccess.
// A task of an execution with a project bundle runs in the execution's
// working directory. A task of a partition not run here does not run.
func (e *Engine) runBuiltin(arn string, t *store.Task, input any, timeout time.Duration, callback, counted bool, execName, bundle string) {
	if !e.mine(arn) {
		return // its partition was released meanwhile: the next owner finds it lost
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &runningTask{cancel: cancel, part: e.taskPart(arn)}
	if old := e.running[t.Token]; old != nil {
		e.taskEnded(old.part) // replaced: its result no longer counts
	}
	e.running[t.Token] = run
	e.taskStarted(run.part)
	resource := t.Resource
	if run := e.cfg.Classify(arn, resource).Run; callback && run != "" {
		resource = run // the executor that delivers the token
	}
	req := tasks.Request{Resource: resource, Input: input, StateName: t.StateName, Attempt: t.Attempt,
		TaskToken: t.Token, Timeout: timeout, ExecutionName: execName, ExecutionArn: arn}
	var logs tasks.LogWriter
	if e.cfg.TaskLogs != nil {
		logs = e.cfg.TaskLogs.OpenLog(arn, t.TaskID, t.StateName, t.Attempt+1)
		req.Logs = logs
	}
	e.pool.submit(func() {
		res := &resultIn{arn: arn, taskID: t.TaskID, token: t.Token, builtin: true, counted: counted, run: run}
		ex, err := e.cfg.Executors.Executor(resource, t.StateName)
		if err == nil && bundle != "" && ctx.Err() == nil { // cancelled while it waited for a worker: no directory
			if e.cfg.Projects == nil {
				err = errors.New("this server keeps no project files")
			} else {
				req.Dir, err = e.cfg.Projects.Dir(ctx, arn, bundle)
			}
			if err != nil {
				if logs != nil {
					logs.Close()
				}
				res.errName, res.cause = ErrTaskFailed, "the step's working directory could not be made: "+err.Error()
				cancel()
				e.sendResult(res)
				return
			}
		}
		if err != nil {
			if logs != nil {
				logs.Close()
			}
			if callback {
				res.waitOnly = true // nothing delivers the token: wait for the callback
			} else {
				res.errName, res.cause = ErrNoExecutor, fmt.Sprintf("no executor for resource %q (state %q) on this server: map it to a local command with `baton server --resource %s=COMMAND`", resource, t.StateName, resource)
			}
		} else {
			out, err := ex.Run(ctx, req)
			if logs != nil {
				logs.Close() // stored before the result: an ended task's log is whole
			}
			var f *tasks.Failure
			switch {
			case errors.As(err, &f):
				res.errName, res.cause = f.Name, f.Cause
			case err != nil && ctx.Err() != nil:
				res.cancelled = true
			case err != nil:
				res.errName, res.cause = ErrTaskFailed, err.Error()
			case callback:
				res.waitOnly = true
			default:
				res.ok, res.output = true, out
			}
		}
		cancel()
		e.sendResult(res)
	})
}

// lastSegment is the part of an ARN after its last colon: the name of a
// state machine or of a Standard execution.
func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// testTaskTimeout bounds a task RunTestTask runs.
const testTaskTimeout = 5 * time.Minute

// RunTestTask runs one task outside any execution, on the executor of its
// resource, and waits for its outcome: the task of a state tested on its own
// (TestState). Only resources of this server's executors run; the caller
// answers for the others (activities, callbacks, nested executions) with a
// mock.
func (e *Engine) RunTestTask(ctx context.Context, t workflow.RunTask) TaskOutcome {
	ex, err := e.cfg.Executors.Executor(t.Resource, t.StateName)
	if err != nil {
		return TaskOutcome{Error: ErrNoExecutor, Cause: err.Error()}
	}
	timeout := t.Timeout
	if timeout <= 0 || timeout > testTaskTimeout {
		timeout = testTaskTimeout
	}
	out, err := ex.Run(ctx, tasks.Request{Resource: t.Resource, Input: t.Input, StateName: t.StateName, Timeout: timeout})
	var f *tasks.Failure
	switch {
	case errors.As(err, &f):
		return TaskOutcome{Error: f.Name, Cause: f.Cause}
	case err != nil:
		return TaskOutcome{Error: ErrTaskFailed, Cause: strings.TrimSpace(err.Error())}
	}
	return TaskOutcome{OK: true, Output: out}
}
