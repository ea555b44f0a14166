package native

import (
	"context"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
)

// final tells whether an execution status is an end: the execution will
// not change again unless redriven.
func final(status string) bool {
	switch status {
	case service.StatusSucceeded, service.StatusFailed, service.StatusTimedOut, service.StatusAborted:
		return true
	}
	return false
}

// watch subscribes to the updates of arn ("" for all); without a Watcher it
// returns a nil channel, which never delivers.
func (h *handler) watch(ctx context.Context, arn string) <-chan engine.Update {
	if h.w == nil {
		return nil
	}
	return h.w.Watch(ctx, arn)
}

// isExpress tells whether arn is an Express execution's: those are stored
// only when they end, so "does not exist" means "still running".
func isExpress(arn string) bool {
	a, err := service.ParseArn(arn)
	return err == nil && a.Kind == service.ArnExpressExecution
}

// waitEnd waits up to d for an execution to reach a final status and
// returns it as DescribeExecution shows it, with done telling whether it
// ended. It rereads the execution on every update of it and every recheck
// interval, so a missed update delays it but does not lose it.
func (h *handler) waitEnd(ctx context.Context, arn string, d time.Duration) (*service.DescribeExecutionOutput, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	updates := h.watch(ctx, arn) // before the first read: no update falls between
	tick := time.NewTicker(h.recheck)
	defer tick.Stop()
	express := isExpress(arn)
	for {
		// The answer is read with the request's context, not the wait's,
		// so that the last read happens even when the wait ran out.
		out, err := h.svc.DescribeExecution(context.WithoutCancel(ctx), &service.DescribeExecutionInput{ExecutionArn: arn})
		switch {
		case err == nil && final(out.Status):
			return out, true, nil
		case err == nil:
		case express && isCode(err, apierr.ExecutionDoesNotExist):
			out = expressRunning(arn)
		default:
			return nil, false, err
		}
		if !h.awaitChange(ctx, &updates, tick.C) {
			return out, false, nil
		}
	}
}

// awaitChange blocks until an update with a final status comes, the
// recheck ticker fires (true) or ctx ends (false).
func (h *handler) awaitChange(ctx context.Context, updates *<-chan engine.Update, tick <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			return true
		case u, ok := <-*updates:
			if !ok {
				*updates = nil // the watch ended with ctx
				continue
			}
			if final(u.Status) {
				return true
			}
		}
	}
}

// expressRunning describes an Express execution that is not stored yet.
func expressRunning(arn string) *service.DescribeExecutionOutput {
	out := &service.DescribeExecutionOutput{ExecutionArn: arn, Status: service.StatusRunning}
	if a, err := service.ParseArn(arn); err == nil {
		out.StateMachineArn, out.Name = a.StateMachineArn(), a.Execution
	}
	return out
}

// isCode tells whether err is an API error with the code.
func isCode(err error, code string) bool {
	e, ok := apierr.As(err)
	return ok && strings.EqualFold(e.Code, code)
}
