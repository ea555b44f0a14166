package engine

import (
	"context"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/store"
)

// activityQueue holds the tasks of one activity waiting for a worker, and
// the workers waiting for a task.
type activityQueue struct {
	tasks   []*activityEntry
	waiters []*waiter
}

type activityEntry struct {
	task *store.Task
}

// waiter is one GetActivityTask call.
type waiter struct {
	activity string
	worker   string
	ch       chan *store.Task // receives the task, or nil
	assigned bool             // a task is being claimed for it
}

type pollIn struct{ w *waiter }
type unpollIn struct{ w *waiter }

func (e *Engine) queue(arn string) *activityQueue {
	q := e.activity[arn]
	if q == nil {
		q = &activityQueue{}
		e.activity[arn] = q
	}
	return q
}

// queueActivity makes a task available to workers.
func (e *Engine) queueActivity(a *activityEntry) {
	q := e.queue(a.task.ActivityArn)
	if len(q.waiters) > 0 {
		w := q.waiters[0]
		q.waiters = q.waiters[1:]
		e.claim(w, a)
		return
	}
	q.tasks = append(q.tasks, a)
}

func (e *Engine) handlePoll(w *waiter) {
	q := e.queue(w.activity)
	if len(q.tasks) > 0 {
		a := q.tasks[0]
		q.tasks[0] = nil
		q.tasks = q.tasks[1:]
		e.claim(w, a)
		return
	}
	q.waiters = append(q.waiters, w)
}

func (e *Engine) handleUnpoll(w *waiter) {
	if w.assigned {
		return // the task it is getting will arrive on w.ch
	}
	q := e.queue(w.activity)
	for i, o := range q.waiters {
		if o == w {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			w.ch <- nil
			return
		}
	}
}

// claim hands task a to worker w: the ActivityStarted transition is stored
// first, then w gets the task. A task that is no longer open is skipped.
func (e *Engine) claim(w *waiter, a *activityEntry) {
	w.assigned = true
	t := a.task
	e.withExec(t.ExecutionArn, func(l *live, err error) {
		if l == nil || l.x.Done() || !hasTask(l.x, t.TaskID) || l.tokens[t.TaskID] != t.Token {
			w.assigned = false
			e.handlePoll(w) // try the next one
			return
		}
		now := e.clk.Now()
		started := *t
		started.State, started.WorkerName, started.StartedAt = store.TaskStarted, w.worker, now
		tr := &store.Transition{StartTasks: []*store.Task{&started}}
		l.busy++
		e.step(l, now, tr, func(out *asl.Output) {
			l.m.Apply(l.x, asl.TaskStarted{TaskID: t.TaskID, WorkerName: w.worker}, now, out)
		})
		e.afterCommit(l, func(err error) {
			l.busy--
			if err != nil {
				w.ch <- nil
				return
			}
			w.ch <- &started
		})
	})
}

// GetActivityTask waits for a task of an activity until ctx ends and hands
// it to the worker; nil when none came.
func (e *Engine) GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	w := &waiter{activity: activityArn, worker: workerName, ch: make(chan *store.Task, 2)}
	if err := e.send(ctx, &pollIn{w: w}); err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	select {
	case t := <-w.ch:
		return t, nil
	case <-ctx.Done():
	}
	// Withdraw; a task being claimed for us meanwhile still arrives.
	if err := e.send(context.Background(), &unpollIn{w: w}); err != nil {
		return nil, nil
	}
	return <-w.ch, nil
}
