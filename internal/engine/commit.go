package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/retrying"
)

// batch is the transitions of one group commit and what to do once they are
// stored (or failed to be).
type batch struct {
	trs         []*store.Transition
	lives       []*live
	after       []afterFn
	transitions int // state transitions carried, for metrics
	err         error
	took        time.Duration
	// bad holds the executions whose transitions the store refused (a
	// duplicate name, a row that vanished): they are dropped from the
	// batch, the rest is stored, execution by execution (stored).
	bad    map[string]error
	stored map[string]bool
	// lost is the partitions whose leases a fenced commit found lost
	// (*store.PartitionsLostError): their executions are in bad.
	lost partition.Set
}

// afterFn is an effect of a transition of l, run once it is stored.
type afterFn struct {
	l  *live
	fn func(error)
}

func newBatch() *batch { return &batch{} }

// add queues a transition of l for the next commit.
func (e *Engine) add(l *live, tr *store.Transition, transitions int) {
	e.batch.trs = append(e.batch.trs, tr)
	e.batch.lives = append(e.batch.lives, l)
	e.batch.transitions += transitions
	l.inflight++
}

// afterCommit runs fn once what is queued so far is stored (err nil) or
// failed to be. For Express executions, which are not stored step by step,
// it runs as soon as the loop is done with the current input.
func (e *Engine) afterCommit(l *live, fn func(error)) {
	if l != nil && l.express {
		e.soon = append(e.soon, fn)
		return
	}
	e.batch.after = append(e.batch.after, afterFn{l, fn})
}

// afterStored runs fn once what is queued so far is stored, Express or not.
func (e *Engine) afterStored(l *live, fn func(error)) {
	e.batch.after = append(e.batch.after, afterFn{l, fn})
}

// runSoon runs the effects afterCommit deferred for Express executions.
func (e *Engine) runSoon() {
	for len(e.soon) > 0 {
		fns := e.soon
		e.soon = nil
		for _, fn := range fns {
			fn(nil)
		}
	}
}

// flush hands the current batch to the committer when it is idle.
func (e *Engine) flush() {
	if e.inFlight || (len(e.batch.trs) == 0 && len(e.batch.after) == 0) {
		return
	}
	b := e.batch
	e.batch = newBatch()
	if len(b.trs) == 0 {
		for _, a := range b.after {
			a.fn(nil)
		}
		return
	}
	e.inFlight = true
	e.committer <- b
}

// commitLoop stores batches one after the other.
func (e *Engine) commitLoop() {
	// ctx ends the retries of a failing store when the engine stops.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	st := e.retrier()
	for b := range e.committer {
		start := time.Now()
		b.err = e.commit(ctx, st, b)
		b.took = time.Since(start)
		e.commitOut <- b
	}
}

// refused reports whether the store refused a transition for its content
// (not for a failure of the store itself).
func refused(err error) bool {
	return errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict)
}

// Back-off between retries of a batch the store failed to store.
const (
	retryFirst = 10 * time.Millisecond
	retryMax   = 2 * time.Second
)

// retrier is the engine's store for commits: when the store fails (a full
// disk), it retries the same batch with back-off until it passes or the
// engine stops, the store being down meanwhile (the engine not ready, new
// work refused with 503 and the store's error): nothing is answered,
// dispatched or forgotten before the batch is stored, and the engine
// recovers by itself once writes pass again. Every failure but a refusal is
// retried: a Commit is all or nothing. The back-off runs on the real clock:
// the engine's clock is the workflows' time, which tests drive by hand.
func (e *Engine) retrier() store.Store {
	return retrying.New(uncancelled{e.st}, retrying.Policy{
		Attempts:  -1,
		First:     retryFirst,
		Max:       retryMax,
		Clock:     clock.Real{},
		Retryable: func(_ string, err error) bool { return !refused(err) && !lostLease(err) },
		OnRetry: func(_ string, attempt int, err error, wait time.Duration) {
			if attempt == 1 || wait == retryMax {
				e.log.Error("the store failed to store a batch; retrying until it passes", "err", err, "attempt", attempt, "retry_in", wait)
			}
			e.storeDown(err)
		},
	})
}

// uncancelled stores a batch whole even as the engine stops: the engine's
// context ends only the waits between retries.
type uncancelled struct{ store.Store }

func (u uncancelled) Commit(ctx context.Context, trs []*store.Transition) error {
	return u.Store.Commit(context.WithoutCancel(ctx), trs)
}

// lostLease reports whether a commit was fenced: the node lost the lease of
// partitions (never retried: it would fail the same way for ever).
func lostLease(err error) bool {
	var pl *store.PartitionsLostError
	return errors.As(err, &pl)
}

// commit stores a batch through st (see retrier). When the store refuses a
// transition, the batch is stored execution by execution, and the
// executions refused are set aside in b.bad. When it is fenced, the
// executions of the partitions lost are set aside in b.bad and the rest is
// stored. It fails only when the engine stops while the store fails.
func (e *Engine) commit(ctx context.Context, st store.Store, b *batch) error {
	err := st.Commit(ctx, b.trs)
	for fenced(b, err) {
		err = nil
		if rest := unfenced(b); len(rest) > 0 {
			err = st.Commit(ctx, rest)
		}
	}
	if refused(err) {
		if b.bad == nil {
			b.bad, b.stored = map[string]error{}, map[string]bool{}
		}
		err = e.commitEach(ctx, st, b)
	}
	if err != nil {
		e.storeDown(err)
		return err
	}
	e.storeUp()
	return nil
}

// commitEach stores the transitions of each execution of b on their own
// (in order), setting aside in b.bad the executions whose transitions are
// refused and recording in b.stored those stored.
func (e *Engine) commitEach(ctx context.Context, st store.Store, b *batch) error {
	var order []string
	per := map[string][]*store.Transition{}
	for _, tr := range b.trs {
		arn := tr.Execution.Arn
		if _, ok := per[arn]; !ok {
			order = append(order, arn)
		}
		per[arn] = append(per[arn], tr)
	}
	for _, arn := range order {
		if b.stored[arn] || b.bad[arn] != nil {
			continue
		}
		err := st.Commit(ctx, per[arn])
		if fenced(b, err) {
			continue // b.bad has arn, and the other executions of its partition
		}
		if err != nil && refused(err) {
			e.log.Error("the store refused a transition", "execution", arn, "err", err)
			b.bad[arn] = err
			continue
		}
		if err != nil {
			return err
		}
		b.stored[arn] = true
	}
	return nil
}

// onCommitted runs the effects of a stored batch.
func (e *Engine) onCommitted(b *batch) {
	e.inFlight = false
	if b.err != nil {
		// Only when the engine stops while the store fails: the batch is
		// not stored and nothing of it was acknowledged.
		cause := e.StoreError()
		if cause == nil {
			cause = b.err
		}
		err := apierr.StoreFault(fmt.Errorf("storing %d transitions: %w", len(b.trs), cause))
		e.unstored.Store(true)
		e.log.Error("the engine stopped while the store failed: a batch was not stored; its executions resume from their last stored state at the next start", "err", b.err)
		for _, l := range b.lives {
			l.inflight--
			// Its memory is ahead of the store: forget it.
			delete(e.live, l.arn)
		}
		for _, a := range b.after {
			a.fn(err)
		}
		return
	}
	if b.lost != 0 {
		e.onFenced(b)
	}
	if e.met != nil {
		e.met.committed(b)
	}
	e.publish(b)
	if e.cfg.OnBusEvents != nil {
		for _, tr := range b.trs {
			if len(tr.Outbox) > 0 && b.bad[tr.Execution.Arn] == nil {
				go e.cfg.OnBusEvents()
				break
			}
		}
	}
	for _, a := range b.after {
		if a.l != nil && b.bad[a.l.arn] != nil {
			a.fn(refusal(a.l.arn, b.bad[a.l.arn]))
			continue
		}
		a.fn(nil)
	}
	for _, l := range b.lives {
		l.inflight--
		if b.bad[l.arn] != nil {
			// Its memory is ahead of the store: forget it; it reloads.
			if e.live[l.arn] == l {
				delete(e.live, l.arn)
			}
			continue
		}
		e.maybeEvict(l)
	}
}

// refusal is the API error for a transition the store refused.
func refusal(arn string, err error) error {
	if IsNotOwner(err) {
		return err
	}
	if errors.Is(err, store.ErrExists) {
		return apierr.New(apierr.ExecutionAlreadyExists, "Execution Already Exists: '%s'", arn)
	}
	return apierr.New(apierr.InternalServerError, "the change to %s could not be stored: %v; try again", arn, err)
}
