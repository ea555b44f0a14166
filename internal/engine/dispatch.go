package engine

// Dispatch: a RunTask command becomes a stored task, handed once stored to
// whoever runs it (the worker pool, an activity queue, a nested execution).

import (
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// Error names the engine raises for tasks.
const (
	ErrNoExecutor = "Baton.NoExecutor" // no executor for the Task's resource on this server
	ErrTaskFailed = workflow.ErrTaskFailed
)

// schedule records a task the interpreter asked for and, once that is
// stored, hands it to whoever runs it.
func (e *Engine) schedule(l *live, now time.Time, c workflow.RunTask, tr *store.Transition) {
	class := e.cfg.Classify(l.arn, c.Resource)
	kind, activityArn := class.Kind, class.Queue
	tok := tokenFor(l.arn, c.TaskID, c.Token)
	if l.tokens == nil {
		l.tokens = map[string]string{}
	}
	l.tokens[c.TaskID] = tok
	input := string(workflow.MarshalJSON(c.Input))
	t := &store.Task{
		Token: tok, ExecutionArn: l.arn, TaskID: c.TaskID, Kind: kind, Resource: c.Resource,
		ActivityArn: activityArn, StateName: c.StateName, Input: input, State: store.TaskQueued,
		Attempt: c.Attempt, TimeoutSec: int64(c.Timeout / time.Second), HeartbeatSec: int64(c.Heartbeat / time.Second),
		CreatedAt: now,
	}
	if l.express {
		e.tokensMu.Lock()
		e.memTasks[tok] = taskRef{arn: l.arn, taskID: c.TaskID, resource: c.Resource}
		e.tokensMu.Unlock()
	} else {
		tr.AddTasks = append(tr.AddTasks, t)
	}
	switch kind {
	case store.TaskBuiltin, store.TaskCallback:
		l.busy++
		e.afterCommit(l, func(err error) {
			if err != nil || l.tokens[c.TaskID] != tok {
				l.busy-- // not stored, or cancelled in the same transition
				return
			}
			e.runBuiltin(l.arn, t, c.Input, c.Timeout, kind == store.TaskCallback, true, l.row.Name, l.row.Bundle)
		})
	case store.TaskActivity:
		a := &activityEntry{task: t, held: l.express}
		if q := e.activity[activityArn]; q != nil && len(q.waiters) > 0 && !l.express {
			// A worker is waiting: claim the task in the same group commit
			// that schedules it, so that it reaches the worker one commit
			// sooner. (The claim runs once this transition is recorded.)
			e.soon = append(e.soon, func(error) { e.queueActivity(a) })
			break
		}
		e.afterCommit(l, func(err error) {
			if err == nil && l.tokens[c.TaskID] == tok {
				e.queueActivity(a)
			}
		})
	case store.TaskChild:
		if class.WaitChild {
			e.tokensMu.Lock()
			e.children[tok] = "" // its child, once started
			e.tokensMu.Unlock()
		}
		l.busy++
		e.afterCommit(l, func(err error) {
			l.busy--
			if err == nil && l.tokens[c.TaskID] == tok && e.mine(l.arn) {
				go e.startChild(l.arn, t, c.Input, class)
			} else {
				e.tokensMu.Lock()
				delete(e.children, tok)
				e.tokensMu.Unlock()
			}
		})
	}
	if e.met != nil {
		e.met.tasks.WithLabelValues(kind).Inc()
	}
}
