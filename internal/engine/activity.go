package engine

import (
	"context"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// activityQueue holds the tasks of one activity waiting for a worker, and
// the workers waiting for a task.
type activityQueue struct {
	tasks   []*activityEntry
	dead    int // entries of tasks cancelled meanwhile, skipped and compacted away
	waiters []*waiter
}

type activityEntry struct {
	task *store.Task
	dead bool
	held bool // in memory only: an Express run's (Config.OnActivityHeld)
}

// waiter is one GetActivityTask call.
type waiter struct {
	activity string
	worker   string
	ch       chan *store.Task // receives the task, or nil
	assigned bool             // a task is being claimed for it
	gone     bool             // the caller withdrew while a claim was in progress
	only     bool             // it claims one task (ClaimActivityTask): no other instead
	now      bool             // it takes a task queued now, or none (TakeActivityTask)
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

// queueActivity makes a task available to workers (unless its partition
// was released meanwhile: the next owner queues it).
func (e *Engine) queueActivity(a *activityEntry) {
	if !e.mine(a.task.ExecutionArn) {
		return
	}
	q := e.queue(a.task.ActivityArn)
	if len(q.waiters) > 0 {
		w := q.waiters[0]
		q.waiters = q.waiters[1:]
		e.claim(w, a)
		return
	}
	q.tasks = append(q.tasks, a)
	e.queued[a.task.Token] = a
	if a.held && e.cfg.OnActivityHeld != nil {
		e.cfg.OnActivityHeld(a.task.ActivityArn)
	}
}

// dropQueued forgets a queued activity task that was cancelled (its state
// timed out, its execution ended): it will not be offered to a worker.
func (e *Engine) dropQueued(tok string) {
	a, ok := e.queued[tok]
	if !ok {
		return
	}
	delete(e.queued, tok)
	a.dead = true
	q := e.activity[a.task.ActivityArn]
	if q == nil {
		return
	}
	q.dead++
	if q.dead > 64 && q.dead > len(q.tasks)/2 {
		kept := q.tasks[:0]
		for _, x := range q.tasks {
			if !x.dead {
				kept = append(kept, x)
			}
		}
		clear(q.tasks[len(kept):])
		q.tasks, q.dead = kept, 0
	}
}

func (e *Engine) handlePoll(w *waiter) {
	q := e.queue(w.activity)
	for len(q.tasks) > 0 {
		a := q.tasks[0]
		q.tasks[0] = nil
		q.tasks = q.tasks[1:]
		if a.dead {
			q.dead--
			continue
		}
		delete(e.queued, a.task.Token)
		e.claim(w, a)
		return
	}
	if w.now {
		w.ch <- nil
		return
	}
	q.waiters = append(q.waiters, w)
}

func (e *Engine) handleUnpoll(w *waiter) {
	if w.assigned {
		w.gone = true // the claim in progress answers it
		return
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
		if l == nil || done(l.x) || !l.x.HasTask(t.TaskID) || l.tokens[t.TaskID] != t.Token {
			w.assigned = false
			if w.gone || w.only {
				w.ch <- nil // the caller withdrew meanwhile, or wants no other
				return
			}
			e.handlePoll(w) // try the next one
			return
		}
		now := e.clk.Now()
		started := *t
		started.State, started.WorkerName, started.StartedAt = store.TaskStarted, w.worker, now
		tr := &store.Transition{StartTasks: []*store.Task{&started}}
		l.busy++
		e.step(l, now, tr, func(out *workflow.Output) error {
			l.x.Apply(workflow.TaskStarted{TaskID: t.TaskID, WorkerName: w.worker}, now, out)
			return nil
		}, func(err error) {
			if err != nil {
				l.busy--
				w.ch <- nil
				return
			}
			e.afterCommit(l, func(err error) {
				l.busy--
				if err != nil {
					w.ch <- nil
					return
				}
				w.ch <- &started
			})
		})
	})
}

// GetActivityTask waits for a task of an activity until ctx ends and hands
// it to the worker; nil when none came.
func (e *Engine) GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	return e.poll(ctx, &waiter{activity: activityArn, worker: workerName, ch: make(chan *store.Task, 2)})
}

// TakeActivityTask hands a task of an activity queued here now to the
// worker, or answers nil at once: a node of a cluster asks it for a worker
// polling another node (an Express run's tasks are in this engine only).
func (e *Engine) TakeActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	return e.poll(ctx, &waiter{activity: activityArn, worker: workerName, ch: make(chan *store.Task, 2), now: true})
}

func (e *Engine) poll(ctx context.Context, w *waiter) (*store.Task, error) {
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
