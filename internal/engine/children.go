package engine

// Nested executions: a task whose class is store.TaskChild starts one
// through Config.Children and, when it waits for it, is completed by its end.

import (
	"context"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// childName is the name of the nested execution of a task: derived from the
// task token, so that starting it again after a crash finds the same one.
func childName(token string) string { return "baton-" + token[:32] }

// startChild starts a nested execution and, unless the task waits for its
// end or a callback, reports the start as the task's result.
func (e *Engine) startChild(parentArn string, t *store.Task, params any, class TaskClass) {
	ctx := context.Background()
	res := &resultIn{arn: parentArn, taskID: t.TaskID, token: t.Token}
	if e.cfg.Children == nil {
		res.errName, res.cause = ErrNoExecutor, "nested executions are not available in this engine"
		e.sendResult(res)
		return
	}
	req := ChildRequest{ParentArn: parentArn, Name: childName(t.Token), Resource: t.Resource, Parameters: params}
	if class.WaitChild {
		req.ParentToken = t.Token
	}
	child, err := e.cfg.Children.StartChild(ctx, req)
	if err != nil {
		e.tokensMu.Lock()
		delete(e.children, t.Token)
		e.tokensMu.Unlock()
		res.set(e.cfg.Children.ChildOutcome(t.Resource, nil, err))
		e.sendResult(res)
		return
	}
	running := child.Status == workflow.StatusRunning || child.Status == workflow.StatusQueued
	if class.WaitChild && running {
		e.tokensMu.Lock()
		cancelled := e.children[t.Token] == childCancelled
		if cancelled {
			delete(e.children, t.Token)
		} else {
			e.children[t.Token] = child.Arn
		}
		e.tokensMu.Unlock()
		if cancelled {
			// The parent's task was cancelled while the child started.
			cause := "the parent execution's task " + parentArn + " was cancelled"
			if e.cfg.Partitioned {
				e.stopExecution(child.Arn, workflow.ErrAborted, cause)
			} else {
				e.Stop(ctx, child.Arn, workflow.ErrAborted, cause)
			}
			return
		}
	}
	switch {
	case class.Callback, class.WaitChild && running:
		return // the callback, or the child's end, completes the task
	}
	// Started (a task that does not wait), or already ended (started
	// before a crash, or an Express child).
	res.set(e.cfg.Children.ChildOutcome(t.Resource, child, nil))
	e.sendResult(res)
}

// childCancelled marks a waiting child task cancelled before its child
// started.
const childCancelled = "-"

// stopChild stops, once the cancellation is stored, the nested execution a
// cancelled task was waiting for (best effort, as Step Functions stops the
// job of a cancelled .sync task).
func (e *Engine) stopChild(l *live, tok string) {
	e.tokensMu.Lock()
	child, ok := e.children[tok]
	if ok && child == "" {
		e.children[tok] = childCancelled // startChild stops it once started
	} else {
		delete(e.children, tok)
	}
	e.tokensMu.Unlock()
	if !ok || child == "" || child == childCancelled {
		return
	}
	e.afterCommit(l, func(err error) {
		if err != nil {
			return
		}
		go e.stopExecution(child, workflow.ErrAborted, "the parent execution's task "+l.arn+" was cancelled")
	})
}

// reportToParent completes the task of the parent of an ended child that
// waited for it (TaskClass.WaitChild): through Config.Remote when the
// parent's partition is not run here.
func (e *Engine) reportToParent(child *store.Execution) {
	e.tokensMu.Lock()
	delete(e.children, child.ParentToken)
	e.tokensMu.Unlock()
	ctx := context.Background()
	t, err := e.st.GetTask(ctx, child.ParentToken)
	express := err != nil // an Express parent's task is in memory, here
	if err != nil {
		e.tokensMu.Lock()
		ref, ok := e.memTasks[child.ParentToken]
		e.tokensMu.Unlock()
		if !ok {
			return // the parent no longer waits (stopped, timed out)
		}
		t = &store.Task{ExecutionArn: ref.arn, TaskID: ref.taskID, Token: child.ParentToken, Resource: ref.resource}
	}
	if e.cfg.Children == nil {
		return
	}
	outcome := e.cfg.Children.ChildOutcome(t.Resource, child, nil)
	if e.cfg.Partitioned && e.cfg.Remote != nil && !express {
		e.crossCall("reporting a nested execution's end to its parent", t.ExecutionArn, func(ctx context.Context) error {
			var err error
			if e.ownsNow(t.ExecutionArn) {
				err = e.DeliverResult(ctx, t.Token, outcome)
			} else {
				err = e.cfg.Remote.DeliverResult(ctx, t.Token, outcome)
			}
			if ae, ok := apierr.As(err); ok && (ae.Code == apierr.TaskTimedOut || ae.Code == apierr.InvalidToken) {
				return nil // the parent no longer waits (stopped, timed out)
			}
			return err
		})
		return
	}
	res := &resultIn{arn: t.ExecutionArn, taskID: t.TaskID, token: t.Token}
	res.set(outcome)
	e.sendResult(res)
}
