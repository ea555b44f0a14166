package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errTaskTimeout is the cause of a task context whose own timeout passed, as
// opposed to one its caller cancelled.
var errTaskTimeout = errors.New("task timeout")

// withTaskTimeout bounds ctx by the task's timeout d (none when d <= 0).
func withTaskTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, errTaskTimeout)
}

// interruption is the error for work that ctx stopped: a States.Timeout
// failure when the task's own timeout passed, else the caller's reason
// (context.Canceled, or whatever cause the caller gave).
func interruption(ctx context.Context, d time.Duration) error {
	if errors.Is(context.Cause(ctx), errTaskTimeout) {
		return &Failure{Name: ErrorTimeout, Cause: fmt.Sprintf("the task did not finish within its timeout of %s", d)}
	}
	return context.Cause(ctx)
}
