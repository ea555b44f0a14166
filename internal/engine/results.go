package engine

// Task results: from the worker pool, activity workers, callbacks and
// nested executions, applied to their execution in batches.

import (
	"context"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// resultIn is the outcome of a task: from the worker pool, an activity
// worker, a callback or a nested execution.
type resultIn struct {
	arn, taskID, token string
	ok                 bool
	output             any
	errName, cause     string
	builtin            bool // from the worker pool
	counted            bool // counted in live.busy (not for tasks resumed after a restart)
	cancelled          bool // the task was cancelled: nothing to apply
	waitOnly           bool // a callback's delivery finished: keep waiting
	reply              chan error
	run                *runningTask // the run of a built-in task
}

func (e *Engine) handleResult(r *resultIn) {
	if r.builtin {
		if r.run.released {
			return // its partition was released while it ran: nothing is recorded
		}
		if e.running[r.token] == r.run {
			delete(e.running, r.token)
			e.taskEnded(r.run.part)
		}
	}
	if !e.mine(r.arn) {
		if r.reply != nil {
			r.reply <- notOwner(r.arn)
		}
		return
	}
	if l := e.live[r.arn]; l != nil && l.results != nil && !l.results.taken {
		// Results that queue behind a computing execution (the branches of
		// a wide Parallel finishing) are applied together: one call, one
		// stored snapshot, instead of one each.
		l.results.rs = append(l.results.rs, r)
		return
	}
	b := &resultBatch{rs: []*resultIn{r}}
	e.withExec(r.arn, func(l *live, err error) {
		b.taken = true
		e.applyResults(l, b.rs, err)
	})
	if l := e.live[r.arn]; l != nil && len(l.waiting) > 0 {
		l.results = b // it waits last in the queue: later results join it
	}
}

// resultBatch is task results waiting together for their execution.
type resultBatch struct {
	rs    []*resultIn
	taken bool // being applied: later results make a new batch
}

// applyResults applies task results in one call of the interpreter. A
// result for a task that is no longer open (or already answered in the same
// batch) is refused (with the not-owner error, loadErr, when the
// execution's partition is not run here).
func (e *Engine) applyResults(l *live, rs []*resultIn, loadErr error) {
	var closed error = apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
	if IsNotOwner(loadErr) {
		closed = loadErr
	}
	var apply []*resultIn
	tr := &store.Transition{}
	for _, r := range rs {
		if r.counted && l != nil {
			l.busy--
		}
		if l == nil || done(l.x) || !l.x.HasTask(r.taskID) || l.tokens[r.taskID] != r.token {
			if r.reply != nil {
				r.reply <- closed
			}
			continue
		}
		if r.cancelled || r.waitOnly {
			continue
		}
		tr.DeleteTasks = append(tr.DeleteTasks, r.token)
		delete(l.tokens, r.taskID) // a second result for it in rs is refused above
		e.forgetToken(l, r.token)
		apply = append(apply, r)
	}
	if len(apply) == 0 {
		return
	}
	now := e.clk.Now()
	e.step(l, now, tr, func(out *workflow.Output) error {
		for _, r := range apply {
			if r.ok {
				l.x.Apply(workflow.TaskSucceeded{TaskID: r.taskID, Output: r.output}, now, out)
			} else {
				l.x.Apply(workflow.TaskFailed{TaskID: r.taskID, Error: r.errName, Cause: r.cause}, now, out)
			}
		}
		return nil
	}, func(err error) {
		for _, r := range apply {
			e.replyErr(l, r.reply, err)
		}
	})
}

// replyErr answers a call once the transition is stored (err: it was not
// recorded); a nil reply is not answered.
func (e *Engine) replyErr(l *live, reply chan error, err error) {
	switch {
	case reply == nil:
	case err != nil:
		reply <- err
	default:
		e.afterCommit(l, func(err error) { reply <- err })
	}
}

// deliver sends a task outcome from outside the loop and waits until it is
// applied and stored.
func (e *Engine) deliver(ctx context.Context, token string, r *resultIn) error {
	ref, err := e.lookupToken(ctx, token)
	if err != nil {
		return err
	}
	r.arn, r.taskID, r.token = ref.arn, ref.taskID, token
	r.reply = make(chan error, 1)
	if err := e.send(ctx, r); err != nil {
		return err
	}
	return await(e, r.reply, asIs)
}

// SendTaskSuccess completes a task (activity, callback) with its output.
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	v, err := workflow.ParseJSON([]byte(output))
	if err != nil {
		return apierr.New(apierr.InvalidOutput, "Invalid Output: the output is not valid JSON: %v", err)
	}
	return e.deliver(ctx, token, &resultIn{ok: true, output: v})
}

// SendTaskFailure fails a task with an error name and cause.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return e.deliver(ctx, token, &resultIn{errName: errName, cause: cause})
}

// set makes r the outcome o.
func (r *resultIn) set(o TaskOutcome) {
	r.ok, r.output, r.errName, r.cause = o.OK, o.Output, o.Error, o.Cause
}

func (e *Engine) sendResult(r *resultIn) {
	select {
	case e.in <- r:
	case <-e.quit:
	}
}
