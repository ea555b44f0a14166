package engine

import (
	"context"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

type recovered struct{ timers, tasks int }

// recover loads what the store says is in flight: every armed timer goes
// back on the heap, and queued activity tasks go back on their queues.
//
// A built-in task that was running when the server stopped died with it. It
// fails with workflow.ErrTaskFailed (its cause says it was lost), and the state's
// Retry policy decides whether it runs again: a task without a Retry for it
// is not silently run twice. The failures are delivered once the loop runs.
//
// Nested-execution starts run again; they find the child started before, by
// its name. Activity tasks a worker had taken, and callbacks, keep waiting:
// their worker may still answer, and their timeout and heartbeat timers
// decide otherwise.
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
		e.recoverTask(t, &e.lost)
	}
	return n, nil
}

// recoverTask resumes an open task found in the store (see recover); a
// lost built-in task's failure is added to lost, to be sent once the loop
// runs.
func (e *Engine) recoverTask(t *store.Task, lost *[]*resultIn) {
	switch t.Kind {
	case store.TaskBuiltin:
		*lost = append(*lost, &resultIn{arn: t.ExecutionArn, taskID: t.TaskID, token: t.Token,
			errName: ErrTaskFailed, cause: LostTaskCause})
	case store.TaskCallback:
		// The callback keeps waiting for its token. A command that
		// delivers the token runs again: the token may not have left.
		input, err := workflow.ParseJSON([]byte(t.Input))
		if err != nil {
			input = nil
		}
		e.runBuiltin(t.ExecutionArn, t, input, secs(t.TimeoutSec), true, false, lastSegment(t.ExecutionArn), "")
	case store.TaskChild:
		input, _ := workflow.ParseJSON([]byte(t.Input))
		class := e.cfg.Classify(t.ExecutionArn, t.Resource)
		if class.WaitChild {
			e.tokensMu.Lock()
			e.children[t.Token] = ""
			e.tokensMu.Unlock()
		}
		go e.startChild(t.ExecutionArn, t, input, class)
	case store.TaskActivity:
		if t.State == store.TaskQueued {
			e.queueActivity(&activityEntry{task: t})
		}
	}
}

// LostTaskCause is the cause of the ErrTaskFailed of a built-in task that
// was running when the server stopped.
const LostTaskCause = "Baton.TaskLost: the server stopped while this task ran, so it may or may not have done its work; the state's Retry decides whether it runs again"
