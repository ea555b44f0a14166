package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// Interpreter calls run off the loop, so that one execution's computing (a
// long JSONata expression, a Parallel of thousands of branches, an endless
// Pass/Choice loop) never holds up the others:
//
//   - The loop hands the call to a goroutine and waits for it up to
//     stepWait. Most calls end well within it and are recorded at once, as
//     if they had run inline (the fast path that keeps group commit full).
//   - A call still running then is detached: the execution is marked
//     stepping, inputs for it queue on it (as while it loads), and the loop
//     goes on. The finished call comes back on Engine.stepped and is recorded
//     on the loop; only then do its queued inputs run.
//   - A call gives control back after stepSlice, or once it made
//     sliceEvents history events (workflow.Output.Interrupt). What
//     it did so far is recorded as one transition (for a Standard execution:
//     history, snapshot, tasks and timers, in one commit as always), and the
//     rest of the run is continued later, behind the work that arrived
//     meanwhile, once that slice is stored. At most maxDetached detached
//     calls compute at once (more give control back at once and wait their
//     turn), and continued runs add at most about sliceEvents events to one
//     group commit. So several endless loops take turns with each other and
//     leave the rest of the machine, and of the store, to normal work; what
//     one execution holds in memory is one slice's history.
//   - The runaway guard counts the time of a whole run, across slices: its
//     computing and the commits of its slices, not its waits for a turn.
//     Past Config.MaxStepTime without waiting for a task or a timer, the
//     execution is stopped (ErrRunaway), at the time it is stopped.
//   - A Stop of a stepping execution asks the call to give control back at
//     the next check, and then applies (askStop).
const (
	stepWait    = 500 * time.Microsecond
	stepSlice   = 50 * time.Millisecond
	sliceEvents = 1024
)

// continueTimer is the stored timer of a Standard execution whose run was
// cut into slices: it is in the store while the snapshot has work left, so
// that after a restart the run goes on (Instance.Continue).
const continueTimer = "baton-continue"

// stepRun is one interpreter call of one execution.
type stepRun struct {
	l    *live
	now  time.Time
	tr   *store.Transition
	run  func(out *workflow.Output) error // Start, Apply, Redrive or Continue
	then func(err error)                  // on the loop once recorded (err: not recorded)
	out  workflow.Output

	before time.Duration // computing of the run in earlier slices
	limit  time.Duration // when this call gives control back: its slice, or the runaway limit
	took   time.Duration // computing of this call
	err    error         // from run: nothing to record
	stopAt time.Time     // when the runaway guard stopped the execution
	detach bool          // the loop stopped waiting for it
	cont   bool          // it continues an interrupted run (startResumes)

	stop  atomic.Bool  // give control back at the next check (a Stop waits, too many detached)
	state atomic.Int32 // stepRunning, stepDone or stepDetached
	done  chan struct{}
	start time.Time

	// Prepared off the loop for Standard executions.
	events      []store.Event
	snap        []byte
	snapErr     error
	transitions int
}

const (
	stepRunning int32 = iota
	stepDone
	stepDetached
)

// maxDetached is how many detached calls compute at once: half the cores,
// so that the other half serves everything else.
func maxDetached() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// step runs the interpreter on l (run calls Start, Apply, Redrive or
// Continue), then records the transition, tr, which the caller may have
// prepared with the tasks and timers the event retires, and calls then.
// then may run later, once a detached call comes back; until then inputs
// for l wait (withExec).
func (e *Engine) step(l *live, now time.Time, tr *store.Transition, run func(out *workflow.Output) error, then func(error)) {
	e.launch(e.newStep(l, now, tr, run, then), stepWait)
}

// launch starts a call and waits for it up to wait before detaching it.
func (e *Engine) launch(s *stepRun, wait time.Duration) {
	l := s.l
	s.before = l.runTime
	s.limit = min(stepSlice, e.cfg.MaxStepTime-s.before)
	l.stepping = s
	e.hand(s)
	if wait > 0 {
		e.stepTimer.Reset(wait)
		select {
		case <-s.done:
			e.stepTimer.Stop()
			e.finishStep(s)
			return
		case <-e.stepTimer.C:
		}
	}
	if !s.state.CompareAndSwap(stepRunning, stepDetached) {
		<-s.done // it ended just now
		e.finishStep(s)
		return
	}
	s.detach = true
	e.detached++
	if e.detached > maxDetached() {
		s.stop.Store(true) // give control back; it continues in turn
	}
}

// hand gives a call to an idle stepper goroutine, or to a new one. Steppers
// stay for the next calls (up to maxIdleSteppers of them idle): a fresh
// goroutine for every call would grow its stack again each time.
func (e *Engine) hand(s *stepRun) {
	select {
	case e.steps <- s:
	default:
		go e.stepper(s)
	}
}

const maxIdleSteppers = 8

func (e *Engine) stepper(s *stepRun) {
	for {
		e.compute(s)
		if e.idleSteppers.Add(1) > maxIdleSteppers {
			e.idleSteppers.Add(-1)
			return
		}
		select {
		case s = <-e.steps:
			e.idleSteppers.Add(-1)
		case <-e.quit:
			e.idleSteppers.Add(-1)
			return
		}
	}
}

// compute runs on a stepper goroutine: the call, the runaway guard, and the
// serialization of what it produced.
func (e *Engine) compute(s *stepRun) {
	l := s.l
	out := &s.out
	s.start = time.Now()
	s.err = s.run(out)
	if s.err == nil && l.x != nil {
		if l.x.Interrupted() && !s.stop.Load() && s.before+time.Since(s.start) >= e.cfg.MaxStepTime {
			s.stopAt = e.clk.Now()
			l.x.Apply(workflow.Stop{Error: ErrRunaway, Cause: runawayCause(e.cfg.MaxStepTime)}, s.stopAt, out)
		}
		if !l.express {
			s.events, s.transitions = storedEvents(out)
			s.snap, s.snapErr = l.x.Snapshot()
		}
	}
	s.took = time.Since(s.start)
	if s.state.CompareAndSwap(stepRunning, stepDone) {
		s.done <- struct{}{}
		return
	}
	select {
	case e.stepped <- s:
	case <-e.quit:
	}
}

// runawayCause explains a stop by the runaway guard.
func runawayCause(limit time.Duration) string {
	return fmt.Sprintf("the execution ran for %s without waiting for a task or a timer (a loop of Pass or Choice states that never ends?); Baton stopped it so that its history and its use of the machine stay bounded. Make the loop end or wait, or raise the limit with baton server --max-step-time (BATON_MAX_STEP_TIME)", limit)
}

// sliceOver is the Output.Interrupt of a call: its time is up, or it made
// sliceEvents history events (what one commit stores and memory holds).
func (s *stepRun) sliceOver() bool {
	return s.stop.Load() || len(s.out.History) >= sliceEvents || time.Since(s.start) > s.limit
}

// storedEvents renders the history a call produced, and counts the
// transitions (HistoryEvent.IsTransition).
func storedEvents(out *workflow.Output) ([]store.Event, int) {
	if len(out.History) == 0 {
		return nil, 0
	}
	events := make([]store.Event, 0, len(out.History))
	transitions := 0
	for i := range out.History {
		h := &out.History[i]
		body, _ := h.MarshalJSON()
		events = append(events, store.Event{ID: h.ID, Type: h.Type, Timestamp: h.Timestamp, Previous: h.PreviousEventID, Body: body})
		if h.IsTransition() {
			transitions++
		}
	}
	return events, transitions
}

func (e *Engine) newStep(l *live, now time.Time, tr *store.Transition, run func(out *workflow.Output) error, then func(error)) *stepRun {
	var s *stepRun
	if n := len(e.freeSteps); n > 0 {
		s = e.freeSteps[n-1]
		e.freeSteps = e.freeSteps[:n-1]
	} else {
		s = &stepRun{done: make(chan struct{}, 1)}
		s.out.Interrupt = s.sliceOver
	}
	s.l, s.now, s.tr, s.run, s.then = l, now, tr, run, then
	return s
}

// releaseStep keeps a finished call for reuse, without what it referenced.
func (e *Engine) releaseStep(s *stepRun) {
	if len(e.freeSteps) >= 64 || cap(s.out.History) > 4*workflow.HistoryBatch {
		return
	}
	s.out.Reset()
	done, out := s.done, s.out
	*s = stepRun{done: done, out: out}
	s.out.Interrupt = s.sliceOver
	e.freeSteps = append(e.freeSteps, s)
}

// finishStep records a call that ended, on the loop, and runs what waited
// for it.
func (e *Engine) finishStep(s *stepRun) {
	l := s.l
	l.stepping = nil
	if s.detach {
		e.detached--
	}
	if e.live[l.arn] != l {
		// Forgotten meanwhile (a failed commit, its partition released):
		// its memory is not the store's; what waited for it is told so.
		err := e.unavailable()
		if !e.mine(l.arn) {
			err = notOwner(l.arn)
		}
		if s.then != nil {
			s.then(err)
		}
		e.failLive(l, err)
		e.releaseStep(s)
		return
	}
	if s.err == nil {
		e.record(s)
		if l.x.Interrupted() && !done(l.x) {
			l.runTime = s.before + s.took
			if !l.express {
				// Storing the slice is the run's doing too: the wait for
				// its commit counts (not the wait for its next turn).
				run, computed := l.run, time.Now()
				e.afterCommit(l, func(error) {
					if l.run == run {
						l.runTime += time.Since(computed)
					}
				})
			}
		} else {
			l.runTime = 0
			l.run++
		}
		if s.cont && e.sliceBatch == e.batch {
			e.sliceEvents += len(s.events)
		}
	}
	if s.then != nil {
		s.then(s.err)
	}
	e.releaseStep(s)
	e.settle(l)
}

// settle runs the inputs that queued on l while it loaded or stepped, until
// one of them starts a call that does not end at once; an interrupted run
// is then queued to continue, and an idle execution leaves memory.
func (e *Engine) settle(l *live) {
	if l.settling {
		return // an outer settle of l goes on with the queue
	}
	l.settling = true
	for l.stepping == nil && !l.loading && len(l.waiting) > 0 && e.live[l.arn] == l {
		fn := l.waiting[0]
		l.waiting[0] = nil
		l.waiting = l.waiting[1:]
		fn(l, nil)
	}
	l.settling = false
	e.maybeEvict(l)
}

// queueResume queues an interrupted run to continue once its last slice is
// stored (so that a run goes at the pace of the store and holds one slice in
// memory). It reports whether l has such a run, which keeps it in memory.
func (e *Engine) queueResume(l *live) bool {
	if l.loading || l.x == nil || !l.x.Interrupted() || done(l.x) {
		return false
	}
	if l.stepping == nil && !l.resuming && l.inflight == 0 && e.live[l.arn] == l {
		l.resuming = true
		e.resume = append(e.resume, l)
	}
	return true
}

// startResumes continues interrupted runs, oldest first, while fewer than
// maxDetached calls compute. The loop calls it once it has taken the inputs
// waiting, so a long run goes behind them.
func (e *Engine) startResumes() {
	if e.sliceBatch != e.batch {
		e.sliceBatch, e.sliceEvents = e.batch, 0 // a new group commit
	}
	for len(e.resume) > 0 && e.detached < maxDetached() && e.sliceEvents < sliceEvents {
		l := e.resume[0]
		e.resume[0] = nil
		e.resume = e.resume[1:]
		l.resuming = false
		if e.live[l.arn] != l || l.stepping != nil || l.loading || !l.x.Interrupted() || done(l.x) {
			e.maybeEvict(l)
			continue
		}
		now := e.clk.Now()
		s := e.newStep(l, now, &store.Transition{}, func(out *workflow.Output) error {
			l.x.Continue(now, out)
			return nil
		}, nil)
		s.cont = true
		e.launch(s, 0)
	}
}

// askStop makes a call of the execution, if one runs, give control back at
// its next check, so that a Stop applies at once. A call may not get to a
// check for long (one JSONata expression, bounded only by its own time
// budget): the call of a stored Standard execution is then abandoned. The
// execution is read again from its last stored transition, the Stop and
// whatever else waited apply to that, and what the call computes is thrown
// away when it ends.
func (e *Engine) askStop(arn string) {
	l := e.live[arn]
	if l == nil || l.stepping == nil {
		return
	}
	s := l.stepping
	s.stop.Store(true)
	if l.express || l.inflight > 0 || s.tr.New {
		return // its last state is not in the store: wait for the call
	}
	if s.then != nil {
		s.then(apierr.New(apierr.TaskTimedOut, "Task Timed Out: the execution was stopped while this was being applied; its tasks are no longer open"))
		s.then = nil
	}
	n := &live{arn: arn, loading: true, waiting: l.waiting, busy: l.busy}
	l.waiting, l.busy = nil, 0
	e.live[arn] = n // finishStep sees l is no longer live and drops the call
	e.startLoad(n)
}

// failLive answers what waits for l with err: its queued inputs and its
// StartSync callers.
func (e *Engine) failLive(l *live, err error) {
	waiting := l.waiting
	l.waiting = nil
	for _, fn := range waiting {
		fn(nil, err)
	}
	for _, ch := range l.enders {
		ch <- result{err: err}
	}
	l.enders = nil
}

// unavailable is the error for work the engine dropped: it is shutting
// down, or it dropped the execution's state after a store failure.
func (e *Engine) unavailable() error {
	select {
	case <-e.quit:
		return apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	default:
		return apierr.New(apierr.ServiceUnavailable, "the execution's state in memory was dropped after a store failure; try again")
	}
}
