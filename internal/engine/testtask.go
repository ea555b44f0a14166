package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

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
