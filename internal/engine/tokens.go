package engine

// Task tokens: how a worker's or a callback's answer finds its task.

import (
	"context"
	"errors"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// lookupToken finds the execution and task of a token.
func (e *Engine) lookupToken(ctx context.Context, token string) (taskRef, error) {
	e.tokensMu.Lock()
	ref, ok := e.memTasks[token]
	e.tokensMu.Unlock()
	if ok {
		return ref, nil
	}
	t, err := e.st.GetTask(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		if !plausibleToken(token) {
			return ref, apierr.New(apierr.InvalidToken, "Invalid Token: '%s' is not a task token issued by this server", truncate(token, 64))
		}
		return ref, apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
	}
	if err != nil {
		return ref, err
	}
	ref = taskRef{arn: t.ExecutionArn, taskID: t.TaskID}
	if !e.ownsNow(t.ExecutionArn) {
		return ref, notOwner(t.ExecutionArn)
	}
	return ref, nil
}

// plausibleToken reports whether s has the form of the tokens Baton issues
// (48 hex digits).
func plausibleToken(s string) bool {
	if len(s) != 48 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// TokenExecution is the ARN of the execution whose open task a token
// names (apierr InvalidToken or TaskTimedOut otherwise): the server
// authorizes a task result in that execution's namespace. It answers for
// executions of any partition (a router finds the owner with it).
func (e *Engine) TokenExecution(ctx context.Context, token string) (string, error) {
	ref, err := e.lookupToken(ctx, token)
	if IsNotOwner(err) {
		err = nil
	}
	return ref.arn, err
}
