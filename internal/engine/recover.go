package engine

import (
	"context"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/store"
)

type recovered struct{ timers, tasks int }

// recover loads what the store says is in flight: every armed timer goes
// back on the heap; built-in and nested-execution tasks that were running
// when the server stopped run again (tasks run at least once); queued
// activity tasks go back on their queues. Activity tasks a worker had taken,
// and callbacks, keep waiting: their worker may still answer, and their
// timeout and heartbeat timers decide otherwise.
func (e *Engine) recover(ctx context.Context) (recovered, error) {
	var n recovered
	err := e.st.Timers(ctx, func(t store.Timer) error {
		e.timers.add(t.ExecutionArn, t.TimerID, t.At)
		n.timers++
		return nil
	})
	if err != nil {
		return n, err
	}
	open, err := e.st.OpenTasks(ctx)
	if err != nil {
		return n, err
	}
	for _, t := range open {
		n.tasks++
		switch t.Kind {
		case store.TaskBuiltin, store.TaskCallback:
			input, err := asl.ParseJSON([]byte(t.Input))
			if err != nil {
				input = nil
			}
			var timeout = secs(t.TimeoutSec)
			e.runBuiltin(t.ExecutionArn, t, input, timeout, t.Kind == store.TaskCallback, false, nameOf(t.ExecutionArn))
		case store.TaskChild:
			input, _ := asl.ParseJSON([]byte(t.Input))
			mode := t.Resource[len(childPrefix):]
			if mode == ".sync" || mode == ".sync:2" {
				e.children[t.Token] = ""
			}
			go e.startChild(t.ExecutionArn, t, input, mode)
		case store.TaskActivity:
			if t.State == store.TaskQueued {
				e.queueActivity(&activityEntry{task: t})
			}
		}
	}
	return n, nil
}

// nameOf is the execution name in an execution ARN.
func nameOf(arn string) string { return smName(arn) }
