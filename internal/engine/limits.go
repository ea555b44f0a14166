package engine

// Concurrency limits of workflows (workflow.Limited: a pipeline's
// max_active_runs): how many of a workflow's Standard runs are RUNNING at
// once, and the QUEUED runs waiting for a slot, oldest first. The loop owns
// this state; it is read from the store the first time a workflow needs it
// (and at start for workflows with queued runs), then kept up to date by
// the starts and ends the loop sees, so two starts never race for a slot.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// ErrSuperseded stops the oldest run of a workflow whose on_limit is
// cancel_oldest when a newer run starts past the limit.
const ErrSuperseded = "Baton.Superseded"

// limit is the concurrency state of one workflow.
type limit struct {
	max     int
	onLimit string
	running map[string]time.Time // RUNNING runs by ARN, with their start
	queued  []string             // QUEUED runs, oldest first
	dropped bool                 // its partition was released: forgotten
}

// limitOf returns the state of a workflow's limit, reading it from the
// store on first use. It runs on the loop: one indexed read per workflow
// and server start.
func (e *Engine) limitOf(smArn string, max int, onLimit string) (*limit, error) {
	if w := e.limits[smArn]; w != nil {
		w.max, w.onLimit = max, onLimit // a deploy may have changed them
		return w, nil
	}
	w := &limit{max: max, onLimit: onLimit, running: map[string]time.Time{}}
	ctx := context.Background()
	for _, status := range []string{workflow.StatusRunning, workflow.StatusQueued} {
		page := store.Page{Limit: 1000}
		var queued []*store.Execution
		for {
			xs, next, err := e.st.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: smArn, Status: status}, page)
			if err != nil {
				return nil, err
			}
			for _, x := range xs {
				// A run whose change the loop recorded but the store does not
				// have yet has left this status. (A run being loaded has no
				// row yet: the store's is right.)
				if l := e.live[x.Arn]; l != nil && l.row != nil && l.row.Status != status {
					continue
				}
				if status == workflow.StatusRunning {
					w.running[x.Arn] = x.StartDate
				} else {
					queued = append(queued, x)
				}
			}
			if next == "" {
				break
			}
			page.Token = next
		}
		// The store lists newest first; the queue is oldest first.
		for i := len(queued) - 1; i >= 0; i-- {
			w.queued = append(w.queued, queued[i].Arn)
		}
	}
	if e.limits == nil {
		e.limits = map[string]*limit{}
	}
	e.limits[smArn] = w
	return w, nil
}

// admit decides, on the loop, whether a new Standard run of a limited
// workflow runs at once (queued false), waits QUEUED, or is refused.
func (e *Engine) admit(r StartRequest, p workflow.Program, now time.Time) (queued bool, err error) {
	lp, ok := p.(workflow.Limited)
	if !ok || r.Type == store.TypeExpress {
		return false, nil
	}
	max, onLimit := lp.MaxActiveRuns()
	if max <= 0 {
		// A deploy lifted the limit: the queued runs go, and what was
		// counted goes stale (read again from the store if a later deploy
		// sets a limit).
		if w := e.limits[r.StateMachineArn]; w != nil {
			if len(w.queued) > 0 {
				w.max = math.MaxInt32
				e.dequeueSoon(w)
			} else {
				delete(e.limits, r.StateMachineArn)
			}
		}
		return false, nil
	}
	w, err := e.limitOf(r.StateMachineArn, max, onLimit)
	if err != nil {
		return false, apierr.StoreFault(err)
	}
	if len(w.running) < w.max && len(w.queued) == 0 {
		w.running[r.ExecutionArn] = now
		return false, nil
	}
	switch w.onLimit {
	case workflow.LimitSkip:
		return false, apierr.New(apierr.ExecutionLimitExceeded,
			"Execution Limit Exceeded: %s has %d runs RUNNING, its max_active_runs, and on_limit: skip refuses more; start it again once one has ended, or raise max_active_runs", r.StateMachineName, len(w.running))
	case workflow.LimitCancelOldest:
		if oldest := w.oldest(); oldest != "" {
			e.handleStop(&stopIn{arn: oldest, errName: ErrSuperseded, reply: make(chan result, 1),
				cause: fmt.Sprintf("a newer run of %s started past its max_active_runs of %d (on_limit: cancel_oldest)", r.StateMachineName, w.max)})
		}
	}
	w.queued = append(w.queued, r.ExecutionArn)
	if len(w.running) < w.max {
		e.dequeueSoon(w) // a slot is free: older queued runs were not let go yet
	}
	return true, nil
}

// dequeueSoon runs dequeue as the loop's next input, not within the
// transition being recorded.
func (e *Engine) dequeueSoon(w *limit) {
	go func() {
		if err := e.send(context.Background(), func() { e.dequeue(w) }); err != nil {
			e.log.Warn("letting queued runs run", "err", err)
		}
	}()
}

// oldest is the RUNNING run that started first.
func (w *limit) oldest() string {
	var arn string
	var at time.Time
	for a, t := range w.running {
		if arn == "" || t.Before(at) || t.Equal(at) && a < arn {
			arn, at = a, t
		}
	}
	return arn
}

// forget drops a run that was admitted but not stored.
func (e *Engine) forget(smArn, arn string) {
	w := e.limits[smArn]
	if w == nil {
		return
	}
	delete(w.running, arn)
	w.queued = slices.DeleteFunc(w.queued, func(a string) bool { return a == arn })
}

// moved tells the limit of l's workflow that l went from status before to
// now: a run that ended frees its slot (or leaves the queue) and the
// oldest queued runs take the free slots; a redriven run counts again.
func (e *Engine) moved(l *live, before, now string) {
	w := e.limits[l.row.StateMachineArn]
	if w == nil || before == now || l.express {
		return
	}
	switch {
	case now == workflow.StatusRunning && before != workflow.StatusQueued:
		w.running[l.arn] = l.row.StartDate // redriven: it runs, even past the limit
	case now != workflow.StatusRunning && now != workflow.StatusQueued:
		e.forget(l.row.StateMachineArn, l.arn)
		e.dequeueSoon(w)
	}
}

// dequeue lets the oldest queued runs take the free slots.
func (e *Engine) dequeue(w *limit) {
	for !w.dropped && len(w.running) < w.max && len(w.queued) > 0 {
		arn := w.queued[0]
		w.queued = w.queued[1:]
		w.running[arn] = e.clk.Now()
		e.withExec(arn, func(l *live, err error) {
			if l == nil || l.x.Status() != workflow.StatusQueued {
				delete(w.running, arn) // gone, or no longer waiting
				e.dequeueSoon(w)
				return
			}
			now := e.clk.Now()
			e.step(l, now, &store.Transition{}, func(out *workflow.Output) error {
				l.x.Apply(workflow.Dequeue{}, now, out)
				return nil
			}, nil)
		})
	}
}

// resumeQueues reads, at start, the workflows of parts that have QUEUED
// runs, so that runs that ended while the server was down free their slots
// now.
func (e *Engine) resumeQueues(ctx context.Context, parts partition.Set) error {
	xs, err := e.queuedWorkflows(ctx, parts)
	if err != nil {
		return err
	}
	for _, x := range xs {
		if err := e.resumeQueue(ctx, x); err != nil {
			return err
		}
	}
	return nil
}

// queuedWorkflows returns a QUEUED run of each workflow of parts that has
// some.
func (e *Engine) queuedWorkflows(ctx context.Context, parts partition.Set) ([]*store.Execution, error) {
	page := store.Page{Limit: 1000}
	seen := map[string]bool{}
	var out []*store.Execution
	for {
		xs, next, err := e.st.ListExecutions(ctx, store.ExecutionFilter{Status: workflow.StatusQueued}, page)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			if seen[x.StateMachineArn] || (parts != partition.All && !parts.Has(partition.Of(x.StateMachineArn))) {
				continue
			}
			seen[x.StateMachineArn] = true
			out = append(out, x)
		}
		if next == "" {
			return out, nil
		}
		page.Token = next
	}
}

// resumeQueue lets the queued runs of the workflow of x (a QUEUED run)
// take the free slots, on the loop.
func (e *Engine) resumeQueue(ctx context.Context, x *store.Execution) error {
	p, err := e.programs.get(ctx, x.Language, x.Definition, x.Type, x.Bundle)
	if err != nil {
		e.log.Warn("a queued run's workflow cannot be compiled; its queue waits", "execution", x.Arn, "err", err)
		return nil
	}
	lp, ok := p.(workflow.Limited)
	if !ok {
		return nil
	}
	max, onLimit := lp.MaxActiveRuns()
	w, err := e.limitOf(x.StateMachineArn, max, onLimit)
	if err != nil {
		return err
	}
	e.dequeue(w)
	return nil
}
