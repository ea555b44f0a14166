package engine

// Heartbeats: a task says it is alive, which re-arms its heartbeat timer.

import (
	"context"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// heartbeatIn is SendTaskHeartbeat.
type heartbeatIn struct {
	arn, taskID, token string
	reply              chan error
}

func (e *Engine) handleHeartbeat(h *heartbeatIn) {
	e.withExec(h.arn, func(l *live, err error) {
		if IsNotOwner(err) {
			h.reply <- err
			return
		}
		if l == nil || done(l.x) || l.tokens[h.taskID] != h.token || !l.x.HasTask(h.taskID) {
			h.reply <- apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
			return
		}
		now := e.clk.Now()
		e.step(l, now, &store.Transition{}, func(out *workflow.Output) error {
			l.x.Apply(workflow.TaskHeartbeat{TaskID: h.taskID}, now, out)
			return nil
		}, func(err error) { e.replyErr(l, h.reply, err) })
	})
}

// SendTaskHeartbeat tells the execution the task is alive.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	ref, err := e.lookupToken(ctx, token)
	if err != nil {
		return err
	}
	h := &heartbeatIn{arn: ref.arn, taskID: ref.taskID, token: token, reply: make(chan error, 1)}
	if err := e.send(ctx, h); err != nil {
		return err
	}
	return await(e, h.reply, asIs)
}
