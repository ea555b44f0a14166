package engine

// Partitions: in a cluster (Config.Partitioned), an engine runs only the
// executions of the partitions it owns (package partition places an
// execution by its workflow). It owns none until Acquire, which recovers
// their timers, tasks and queued runs as Run does for a single server;
// Release stops their work. Every input naming an execution of a partition
// not owned is refused with an error IsNotOwner recognises: the router
// forwards the call to the owner. Express executions are not stored step by
// step and run on any node.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// Remote makes the calls the engine makes itself for an execution of a
// partition it does not own: the router of a cluster sends them to the
// owner.
type Remote interface {
	Stop(ctx context.Context, executionArn, errName, cause string) (*store.Execution, error)
	// DeliverResult reports a child's end to its parent's task.
	DeliverResult(ctx context.Context, token string, outcome TaskOutcome) error
}

// NotOwnerCode is the code of the API error of a call on an execution (or
// a task token) of a partition this engine does not run (IsNotOwner).
const NotOwnerCode = "PartitionNotOwned"

// notOwner is the error of a call on an execution of a partition not owned:
// a 503, so that a client retries (the router forwards it to the owner).
func notOwner(arn string) error {
	return &apierr.Error{Code: NotOwnerCode, Status: http.StatusServiceUnavailable,
		Message: fmt.Sprintf("this node does not run the partition of %s (partition %d); retry", arn, partition.Of(arn))}
}

// IsNotOwner reports whether err is the error of a call on an execution or
// a token of a partition this engine does not own.
func IsNotOwner(err error) bool {
	e, ok := apierr.As(err)
	return ok && e.Code == NotOwnerCode
}

// mine reports, on the loop, whether this engine runs the execution: always
// when it is not partitioned; else when it owns its partition, or when it
// runs it in memory as an Express execution.
func (e *Engine) mine(arn string) bool {
	if !e.cfg.Partitioned || e.owned.Has(partition.Of(arn)) {
		return true
	}
	l := e.live[arn]
	return l != nil && l.express
}

// ownsNow is mine off the loop, for a stored (Standard) execution.
func (e *Engine) ownsNow(arn string) bool {
	return !e.cfg.Partitioned || e.Owned().Has(partition.Of(arn))
}

// setOwned changes the owned partitions, on the loop.
func (e *Engine) setOwned(s partition.Set) {
	e.owned = s
	e.ownedA.Store(uint64(s))
}

// Owned is the set of partitions the engine runs: every partition when it
// is not partitioned.
func (e *Engine) Owned() partition.Set {
	if !e.cfg.Partitioned {
		return partition.All
	}
	return partition.Set(e.ownedA.Load())
}

// Busy is the set of partitions with built-in tasks running (always empty
// when the engine is not partitioned).
func (e *Engine) Busy() partition.Set { return partition.Set(e.busyA.Load()) }

// taskStarted and taskEnded count the built-in tasks running by partition.
func (e *Engine) taskStarted(p int) {
	if p < 0 {
		return
	}
	e.busyN[p]++
	if e.busyN[p] == 1 {
		e.busyA.Store(uint64(partition.Set(e.busyA.Load()).With(p)))
	}
}

func (e *Engine) taskEnded(p int) {
	if p < 0 {
		return
	}
	e.busyN[p]--
	if e.busyN[p] == 0 {
		e.busyA.Store(uint64(partition.Set(e.busyA.Load()).Without(p)))
	}
}

// taskPart is the partition a built-in task of an execution counts in
// (-1: none, for an engine not partitioned or an Express execution).
func (e *Engine) taskPart(arn string) int {
	if !e.cfg.Partitioned {
		return -1
	}
	if l := e.live[arn]; l != nil && l.express {
		return -1
	}
	return partition.Of(arn)
}

var errNotPartitioned = errors.New("engine: not partitioned (Config.Partitioned is false): it runs every partition")

// Acquire makes the engine run the partitions of parts (those it owns
// already are left as they are): their armed timers go on the heap, their
// open tasks are resumed as at a start (built-in tasks that were running
// fail as lost, LostTaskCause; queued activity tasks are queued; callbacks
// and nested starts run again) and the queues of their workflows with
// max_active_runs let their runs go. The caller holds their leases.
func (e *Engine) Acquire(ctx context.Context, parts partition.Set) error {
	if !e.cfg.Partitioned {
		return errNotPartitioned
	}
	parts &^= e.Owned()
	if parts == 0 {
		return nil
	}
	start := time.Now()
	var timers []store.Timer
	err := e.st.Timers(ctx, func(t store.Timer) error {
		if parts.Has(partition.Of(t.ExecutionArn)) {
			timers = append(timers, t)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the timers: %w", err)
	}
	all, err := e.st.OpenTasks(ctx)
	if err != nil {
		return fmt.Errorf("reading the open tasks: %w", err)
	}
	var open []*store.Task
	for _, t := range all {
		if parts.Has(partition.Of(t.ExecutionArn)) {
			open = append(open, t)
		}
	}
	queued, err := e.queuedWorkflows(ctx, parts)
	if err != nil {
		return fmt.Errorf("reading the queued runs: %w", err)
	}
	var lost []*resultIn
	var n recovered
	done := make(chan struct{})
	err = e.send(ctx, func() {
		defer close(done)
		parts &^= e.owned // taken meanwhile by another Acquire
		e.setOwned(e.owned | parts)
		for _, t := range timers {
			if parts.Has(partition.Of(t.ExecutionArn)) {
				e.timers.add(t.ExecutionArn, t.TimerID, t.At)
				n.timers++
			}
		}
		for _, t := range open {
			if parts.Has(partition.Of(t.ExecutionArn)) {
				n.tasks++
				e.recoverTask(t, &lost)
			}
		}
		for _, x := range queued {
			if parts.Has(partition.Of(x.StateMachineArn)) {
				if err := e.resumeQueue(ctx, x); err != nil {
					e.log.Error("reading the queued runs", "workflow", x.StateMachineArn, "err", err)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	select {
	case <-done:
	case <-e.done:
		return apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	}
	if len(lost) > 0 {
		go func() {
			for _, r := range lost {
				e.sendResult(r)
			}
		}()
	}
	e.log.Info("partitions acquired", "partitions", parts.String(), "timers", n.timers, "tasks", n.tasks, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Release stops running the partitions of parts: their executions leave
// memory (what waits for them gets the not-owner error), their timers the
// heap, their queued activity tasks their queues and their workflows' limits
// are forgotten; their running built-in tasks are cancelled (their
// processes killed) without recording anything: the next owner finds them
// lost. It returns once the transitions of theirs the engine had taken are
// stored; the caller may then give up their leases. When ctx ends first,
// the partitions are no longer run here but a batch holding some of their
// transitions may still be in flight (a fenced store refuses it once the
// lease is gone).
func (e *Engine) Release(ctx context.Context, parts partition.Set) error {
	_, err := e.release(ctx, func() partition.Set { return parts })
	return err
}

// ReleaseIdle is Release of those partitions of parts that are idle when
// the engine stops running them: no built-in task of theirs runs or is
// about to run (scheduled, its transition not stored yet). It returns the
// partitions of parts it released (or did not run). A cluster moves partitions to rebalance with it:
// a busy one's task would be killed, or never started, and failed as lost
// by its next owner.
func (e *Engine) ReleaseIdle(ctx context.Context, parts partition.Set) (partition.Set, error) {
	return e.release(ctx, func() partition.Set { return parts &^ e.busyParts() })
}

// busyParts is, on the loop, the partitions with built-in tasks running
// or scheduled (or other task work in progress: an activity task being
// claimed, a nested execution starting).
func (e *Engine) busyParts() partition.Set {
	s := partition.Set(e.busyA.Load())
	for arn, l := range e.live {
		if !l.express && l.busy > 0 {
			s = s.With(partition.Of(arn))
		}
	}
	return s
}

// release drops the partitions which, on the loop, returns, then waits
// until the transitions of theirs taken so far are stored.
func (e *Engine) release(ctx context.Context, which func() partition.Set) (partition.Set, error) {
	if !e.cfg.Partitioned {
		return 0, errNotPartitioned
	}
	stored := make(chan error, 1)
	var parts partition.Set
	err := e.send(ctx, func() {
		parts = which()
		e.drop(parts, false)
		// A barrier: everything queued so far is stored, the batch in
		// flight then the current one.
		e.afterStored(nil, func(err error) { stored <- err })
	})
	if err != nil {
		return 0, err
	}
	select {
	case err := <-stored:
		return parts, err
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-e.done:
		return 0, apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	}
}

// drop stops running the partitions of parts here, on the loop (Release,
// and a commit fenced by lost leases). When fenced, the transitions of
// theirs in the current batch are dropped too (the store would refuse them,
// and they follow transitions it refused); else they are stored.
func (e *Engine) drop(parts partition.Set, fenced bool) {
	parts &= e.owned
	if parts == 0 {
		return
	}
	e.setOwned(e.owned &^ parts)
	in := func(arn string) bool { return parts.Has(partition.Of(arn)) }
	for k := range e.timers.index {
		if in(k.arn) {
			e.timers.remove(k.arn, k.id)
		}
	}
	for tok, r := range e.running {
		if parts.Has(r.part) {
			r.released = true // its result is not applied
			r.cancel()
			delete(e.running, tok)
			e.taskEnded(r.part)
		}
	}
	for tok, a := range e.queued {
		if in(a.task.ExecutionArn) {
			e.dropQueued(tok)
		}
	}
	for sm, w := range e.limits {
		if in(sm) {
			w.dropped = true
			delete(e.limits, sm)
		}
	}
	// Last, as what waited for them may go on with other work (a poll
	// takes the next task).
	for arn, l := range e.live {
		if l.express || !in(arn) {
			continue
		}
		delete(e.live, arn)
		if s := l.stepping; s != nil {
			s.stop.Store(true) // finishStep finds it dropped
		}
		e.failLive(l, notOwner(arn))
	}
	if fenced {
		e.dropBatch(in)
	}
	e.log.Info("partitions released", "partitions", parts.String(), "fenced", fenced)
}

// dropBatch removes from the current batch the transitions of the
// executions in, and fails what waits for them.
func (e *Engine) dropBatch(in func(arn string) bool) {
	b := e.batch
	var fails []afterFn
	trs, lives := b.trs[:0], b.lives[:0]
	for i, tr := range b.trs {
		l := b.lives[i]
		if !l.express && in(l.arn) {
			l.inflight--
			continue
		}
		trs, lives = append(trs, tr), append(lives, l)
	}
	clear(b.trs[len(trs):])
	clear(b.lives[len(lives):])
	b.trs, b.lives = trs, lives
	after := b.after[:0]
	for _, a := range b.after {
		if a.l != nil && !a.l.express && in(a.l.arn) {
			fails = append(fails, a)
			continue
		}
		after = append(after, a)
	}
	clear(b.after[len(after):])
	b.after = after
	for _, a := range fails {
		a.fn(notOwner(a.l.arn))
	}
}

// fenced notes in b the partitions a commit lost (err is a
// *store.PartitionsLostError): their executions' transitions are set aside
// in b.bad with the not-owner error. It reports whether err was that.
func fenced(b *batch, err error) bool {
	var pl *store.PartitionsLostError
	if !errors.As(err, &pl) {
		return false
	}
	lost := partition.SetOf(pl.Parts...)
	if b.bad == nil {
		b.bad, b.stored = map[string]error{}, map[string]bool{}
	}
	set := func(lost func(p int) bool) (n int) {
		for _, tr := range b.trs {
			arn := tr.Execution.Arn
			if p := partition.Of(arn); lost(p) && b.bad[arn] == nil && !b.stored[arn] {
				b.bad[arn] = notOwner(arn)
				b.lost = b.lost.With(p)
				n++
			}
		}
		return n
	}
	if set(lost.Has) == 0 {
		// The store names no partition of what is left (it should not):
		// set all of it aside rather than try again for ever.
		set(func(int) bool { return true })
	}
	return true
}

// unfenced is the transitions of b not set aside.
func unfenced(b *batch) []*store.Transition {
	var out []*store.Transition
	for _, tr := range b.trs {
		if b.bad[tr.Execution.Arn] == nil {
			out = append(out, tr)
		}
	}
	return out
}

// onFenced runs on the loop when a commit was fenced: the partitions lost
// stop running here at once, and the caller of the engine is told.
func (e *Engine) onFenced(b *batch) {
	lost := b.lost & e.owned
	if lost == 0 {
		return
	}
	e.log.Error("a commit was fenced: another node runs these partitions now; this node stops running them", "partitions", lost.String())
	e.drop(lost, true)
	if fn := e.cfg.OnPartitionsLost; fn != nil {
		go fn(lost)
	}
}

// DeliverResult completes the task of token with outcome, as the end of a
// nested execution the task waited for does: the router calls it on the
// node that owns the parent for a child that ended elsewhere.
func (e *Engine) DeliverResult(ctx context.Context, token string, outcome TaskOutcome) error {
	e.tokensMu.Lock()
	delete(e.children, token) // its child ended
	e.tokensMu.Unlock()
	r := &resultIn{}
	r.set(outcome)
	return e.deliver(ctx, token, r)
}

// ClaimActivityTask claims for worker the activity task of token when it
// is queued here (its ActivityStarted is stored first, as for a poll) and
// returns it; nil when it is not queued here (taken, ended); the not-owner
// error when its execution's partition is not run here.
func (e *Engine) ClaimActivityTask(ctx context.Context, token, worker string) (*store.Task, error) {
	w := &waiter{worker: worker, ch: make(chan *store.Task, 2), only: true}
	queued := make(chan bool, 1)
	err := e.send(ctx, func() {
		a, ok := e.queued[token]
		if !ok {
			queued <- false
			return
		}
		e.dropQueued(token)
		w.activity = a.task.ActivityArn
		queued <- true
		e.claim(w, &activityEntry{task: a.task})
	})
	if err != nil {
		return nil, err
	}
	var found bool
	select {
	case found = <-queued:
	case <-e.done:
		return nil, apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	}
	if found {
		select {
		case t := <-w.ch:
			return t, nil
		case <-e.downSignal():
			select {
			case t := <-w.ch:
				return t, nil
			default:
			}
			if err := e.StoreError(); err != nil {
				return nil, apierr.StoreFault(err)
			}
			return <-w.ch, nil
		}
	}
	if !e.cfg.Partitioned {
		return nil, nil
	}
	t, err := e.st.GetTask(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, apierr.StoreFault(err)
	}
	if !e.ownsNow(t.ExecutionArn) {
		return nil, notOwner(t.ExecutionArn)
	}
	return nil, nil
}

// Cross-partition calls (a child's end reported to its parent, the stop of
// a cancelled task's child) are retried for up to remoteFor while the
// target's owner is moving or unavailable.
const (
	remoteFor   = 2 * time.Minute
	remoteFirst = 50 * time.Millisecond
	remoteMax   = 5 * time.Second
)

// retryable reports whether a cross-partition call may pass later: the
// partition is moving, its node is unavailable, or the call did not get an
// answer (a transport error).
func retryable(err error) bool {
	if IsNotOwner(err) || errors.Is(err, store.ErrUnavailable) {
		return true
	}
	if e, ok := apierr.As(err); ok {
		return e.Status == http.StatusServiceUnavailable
	}
	return !errors.Is(err, context.Canceled)
}

// crossCall runs call until it passes, fails for good (logged), or
// remoteFor is over. An engine not partitioned calls once.
func (e *Engine) crossCall(what, arn string, call func(ctx context.Context) error) {
	ctx := context.Background()
	if e.cfg.Partitioned {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, remoteFor)
		defer cancel()
	}
	wait := remoteFirst
	for {
		err := call(ctx)
		if err == nil {
			return
		}
		if !e.cfg.Partitioned || !retryable(err) || ctx.Err() != nil {
			e.log.Warn(what, "execution", arn, "err", err)
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.quit:
			t.Stop()
			return
		case <-ctx.Done():
			t.Stop()
			e.log.Warn(what, "execution", arn, "err", err)
			return
		}
		wait = min(2*wait, remoteMax)
	}
}

// stopExecution stops an execution this engine may not run (a cancelled
// task's child): through Config.Remote when its partition is not owned.
func (e *Engine) stopExecution(arn, errName, cause string) {
	e.crossCall("stopping a nested execution", arn, func(ctx context.Context) error {
		var err error
		if e.cfg.Remote != nil && !e.ownsNow(arn) {
			_, err = e.cfg.Remote.Stop(ctx, arn, errName, cause)
		} else {
			_, err = e.Stop(ctx, arn, errName, cause)
		}
		return err
	})
}
