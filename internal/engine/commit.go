package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// batch is the transitions of one group commit and what to do once they are
// stored (or failed to be).
type batch struct {
	trs         []*store.Transition
	lives       []*live
	after       []func(error)
	transitions int // state transitions carried, for metrics
	err         error
	took        time.Duration
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
	e.batch.after = append(e.batch.after, fn)
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
		for _, fn := range b.after {
			fn(nil)
		}
		return
	}
	e.inFlight = true
	e.committer <- b
}

// commitLoop stores batches one after the other.
func (e *Engine) commitLoop() {
	for b := range e.committer {
		start := time.Now()
		b.err = e.commit(b)
		b.took = time.Since(start)
		e.commitOut <- b
	}
}

// commit stores a batch, retrying transient failures for a while.
func (e *Engine) commit(b *batch) error {
	var err error
	delay := 10 * time.Millisecond
	for attempt := 0; attempt < 8; attempt++ {
		err = e.st.Commit(context.Background(), b.trs)
		if err == nil || errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrNotFound) {
			return err
		}
		e.log.Warn("commit failed, retrying", "err", err, "attempt", attempt+1, "transitions", len(b.trs))
		time.Sleep(delay) // back-off between retries of a failing disk; not a test wait
		delay *= 2
	}
	return err
}

// onCommitted runs the effects of a stored batch.
func (e *Engine) onCommitted(b *batch) {
	e.inFlight = false
	if b.err != nil {
		err := fmt.Errorf("storing %d transitions: %w", len(b.trs), b.err)
		e.log.Error("commit failed; the engine stops taking work", "err", err)
		e.fatal.Store(&err)
		for _, l := range b.lives {
			l.inflight--
			// Its memory is ahead of the store: forget it.
			delete(e.live, l.arn)
		}
		for _, fn := range b.after {
			fn(err)
		}
		return
	}
	if e.met != nil {
		e.met.committed(b)
	}
	for _, fn := range b.after {
		fn(nil)
	}
	for _, l := range b.lives {
		l.inflight--
		e.maybeEvict(l)
	}
}
