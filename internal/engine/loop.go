package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// input is something for the loop to do.
type input interface{}

// live is an execution held in memory by the loop.
type live struct {
	arn          string
	row          *store.Execution  // Snapshot not kept here
	x            workflow.Instance // the interpreter's state
	express      bool
	inflight     int               // uncommitted batches holding its transitions
	busy         int               // built-in or child tasks running, activity claims in progress
	tokens       map[string]string // task id -> token
	loading      bool
	waiting      []func(*live, error) // work queued while loading or stepping
	loadFailures int
	enders       []chan result // told when the execution ends (StartSync)

	results   *resultBatch  // task results waiting last in waiting, which later ones join
	stepping  *stepRun      // the interpreter call running off the loop; l.x is its until it ends
	settling  bool          // settle is running its queue
	resuming  bool          // in Engine.resume: an interrupted run waits to continue
	runTime   time.Duration // time the current run took so far, across slices (runaway guard)
	run       int           // counts the runs that ended
	continues bool          // the store holds its continueTimer
}

// result answers an API call that returns an execution.
type result struct {
	row *store.Execution
	err error
}

// loaded is the outcome of loading an execution from the store.
type loaded struct {
	arn string
	l   *live // the entry it loads
	row *store.Execution
	p   workflow.Program
	x   workflow.Instance
	err error
}

// loop is the only goroutine that touches live executions, the timer heap,
// the activity queues and the current batch.
func (e *Engine) loop() {
	defer close(e.done)
	e.resetWake()
	for {
		in := e.in
		if len(e.batch.trs) >= e.cfg.MaxBatch && e.inFlight {
			in = nil // back-pressure: wait for the commit before taking more work
		}
		var wakeC <-chan time.Time
		if e.wake != nil {
			wakeC = e.wake.C()
		}
		e.busySince.Store(0) // waiting for work
		select {
		case x := <-in:
			e.busy()
			e.handle(x)
			e.runSoon()
			// Take what else is waiting, so that one commit carries it.
			for i := 0; i < 256 && len(e.batch.trs) < e.cfg.MaxBatch; i++ {
				select {
				case x := <-e.in:
					e.handle(x)
					e.runSoon()
					continue
				default:
				}
				break
			}
		case l := <-e.loadedC:
			e.busy()
			e.onLoaded(l)
		case s := <-e.stepped:
			e.busy()
			e.finishStep(s)
		case b := <-e.commitOut:
			e.busy()
			e.onCommitted(b)
		case <-wakeC:
			e.busy()
			e.wake = nil
			e.fireTimers()
		case <-e.quit:
			e.shutdown()
			return
		}
		e.runSoon()
		e.startResumes()
		e.flush()
		e.resetWake()
	}
}

// busy notes that the loop took up work, for Ready.
func (e *Engine) busy() { e.busySince.Store(time.Now().UnixNano()) }

func (e *Engine) handle(x input) {
	if e.cfg.Partitioned && e.refuse(x) {
		return
	}
	switch x := x.(type) {
	case *startIn:
		e.handleStart(x)
	case *resultIn:
		e.handleResult(x)
	case *heartbeatIn:
		e.handleHeartbeat(x)
	case *stopIn:
		e.handleStop(x)
	case *redriveIn:
		e.handleRedrive(x)
	case *pollIn:
		e.handlePoll(x.w)
	case *unpollIn:
		e.handleUnpoll(x.w)
	case func():
		x()
	}
}

// refuse answers, with the not-owner error, an input naming an execution
// of a partition not run here; it reports whether it did. Express starts
// run on any node. (Task results are checked by handleResult.)
func (e *Engine) refuse(x input) bool {
	var arn string
	switch x := x.(type) {
	case *startIn:
		if x.req.Type == store.TypeExpress {
			return false
		}
		arn = x.req.ExecutionArn
	case *heartbeatIn:
		arn = x.arn
	case *stopIn:
		arn = x.arn
	case *redriveIn:
		arn = x.arn
	default:
		return false
	}
	if e.mine(arn) {
		return false
	}
	failInput(x, notOwner(arn))
	return true
}

// withExec runs fn with the execution, loading it first if it is not in
// memory. fn gets a nil execution and an error when it cannot be loaded
// (store.ErrNotFound when it does not exist), or when its partition is not
// run here (IsNotOwner).
func (e *Engine) withExec(arn string, fn func(*live, error)) {
	if !e.mine(arn) {
		fn(nil, notOwner(arn))
		return
	}
	if l, ok := e.live[arn]; ok {
		if l.loading || l.stepping != nil || len(l.waiting) > 0 {
			l.waiting = append(l.waiting, fn) // in order, once it is free
			l.results = nil                   // no longer last
			return
		}
		fn(l, nil)
		e.settle(l)
		return
	}
	l := &live{arn: arn, loading: true, waiting: []func(*live, error){fn}}
	e.live[arn] = l
	e.startLoad(l)
}

// startLoad reads an execution from the store, or queues the read.
func (e *Engine) startLoad(l *live) {
	if e.loading < maxLoaders {
		e.loading++
		go e.load(l)
	} else {
		e.loadQueue = append(e.loadQueue, l)
	}
}

const maxLoaders = 4

// load reads an execution and its machine; it runs outside the loop.
func (e *Engine) load(l *live) {
	arn := l.arn
	res := loaded{arn: arn, l: l}
	ctx := context.Background()
	row, err := e.st.GetExecution(ctx, arn)
	if err == nil && row.Type == store.TypeStandard {
		res.p, err = e.programs.get(ctx, row.Language, row.Definition, row.Type, row.Bundle)
		if err == nil {
			res.x, err = res.p.Restore(row.Snapshot)
		}
		if err != nil && !errors.Is(err, errProjectFiles) {
			// Reading it again would fail the same way: not retried.
			err = fmt.Errorf("%w: execution %s: its stored definition or state cannot be read: %w", store.ErrDamaged, arn, err)
		}
	}
	if err == nil && row.Type != store.TypeStandard {
		// Express executions are stored once ended; they cannot change.
		res.x = endedInstance(row.Status)
	}
	res.row, res.err = row, err
	select {
	case e.loadedC <- res:
	case <-e.done:
	}
}

func (e *Engine) onLoaded(r loaded) {
	e.loading--
	if len(e.loadQueue) > 0 {
		next := e.loadQueue[0]
		e.loadQueue = e.loadQueue[1:]
		e.loading++
		go e.load(next)
	}
	l := e.live[r.arn]
	if l == nil || !l.loading || l != r.l {
		return // dropped meanwhile (its partition released)
	}
	if r.err != nil && !errors.Is(r.err, store.ErrNotFound) && !errors.Is(r.err, store.ErrDamaged) {
		// The store failed (busy, I/O): try again rather than drop the
		// timer or result waiting for this execution. A damaged execution
		// is not retried: it would fail the same way for ever.
		l.loadFailures++
		delay := min(10*time.Millisecond<<min(l.loadFailures, 8), 2*time.Second)
		e.log.Warn("loading execution failed; retrying", "execution", r.arn, "err", r.err, "in", delay)
		e.loading++
		time.AfterFunc(delay, func() { e.load(l) })
		return
	}
	l.loading = false
	if r.err != nil {
		delete(e.live, r.arn)
		if !errors.Is(r.err, store.ErrNotFound) {
			e.log.Error("loading execution", "execution", r.arn, "err", r.err)
		}
		waiting := l.waiting
		l.waiting = nil
		for _, fn := range waiting {
			fn(nil, r.err)
		}
		return
	}
	r.row.Snapshot = nil
	l.row, l.x = r.row, r.x
	l.express = r.row.Type == store.TypeExpress
	l.tokens = tokensOf(r.arn, r.x)
	l.continues = r.x.Interrupted() // its run was cut into slices: continueTimer is stored
	e.settle(l)
}

// maybeEvict runs when something of an execution is done: it drops the
// execution from memory when nothing of it is in flight (its snapshot in the
// store is current), or queues its interrupted run to continue.
func (e *Engine) maybeEvict(l *live) {
	if l.loading || l.stepping != nil || l.resuming || e.queueResume(l) || l.inflight > 0 || l.busy > 0 || len(l.enders) > 0 {
		return
	}
	if l.express && !done(l.x) {
		return
	}
	if e.live[l.arn] == l {
		delete(e.live, l.arn)
	}
}

// notFound turns a load error into the API error for an unknown execution.
func notFound(arn string, err error) error {
	if IsNotOwner(err) {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	return apierr.StoreFault(err)
}

// done reports whether an execution has ended.
func done(x workflow.Instance) bool {
	s := x.Status()
	return s != workflow.StatusRunning && s != workflow.StatusQueued
}

// endedInstance is an Express execution read back from the store: it is
// stored once ended, and nothing can change it.
type endedInstance string

func (endedInstance) Apply(workflow.Event, time.Time, *workflow.Output) {}
func (endedInstance) Continue(time.Time, *workflow.Output)              {}
func (endedInstance) Interrupted() bool                                 { return false }
func (endedInstance) Redrive(time.Time, *workflow.Output) error         { return workflow.ErrNotRedrivable }
func (x endedInstance) Status() string                                  { return string(x) }
func (endedInstance) Result() workflow.Result                           { return workflow.Result{} }
func (endedInstance) Tasks(func(taskID, token string))                  {}
func (endedInstance) HasTask(string) bool                               { return false }
func (endedInstance) Timers(func(timerID string))                       {}
func (endedInstance) Snapshot() ([]byte, error)                         { return nil, nil }

// shutdown finishes the commit in flight and the current batch, and fails
// what is still queued.
func (e *Engine) shutdown() {
	for {
		if e.inFlight {
			e.onCommitted(<-e.commitOut)
			continue
		}
		if len(e.batch.trs) > 0 || len(e.batch.after) > 0 {
			e.flush()
			continue
		}
		break
	}
	close(e.committer)
	if e.wake != nil {
		e.wake.Stop()
		e.wake = nil
	}
	stopErr := apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	// Calls still computing are abandoned (their goroutines end at their
	// next check), and what waits for an execution is answered.
	for _, l := range e.live {
		if s := l.stepping; s != nil {
			s.stop.Store(true)
			if s.then != nil {
				s.then(stopErr)
			}
		}
		e.failLive(l, stopErr)
	}
	for {
		select {
		case x := <-e.in:
			failInput(x, stopErr)
		default:
			for _, r := range e.running {
				r.cancel()
			}
			for _, q := range e.activity {
				for _, w := range q.waiters {
					w.ch <- nil
				}
				q.waiters = nil
			}
			return
		}
	}
}

func failInput(x input, err error) {
	switch x := x.(type) {
	case *startIn:
		x.reply <- result{err: err}
	case *resultIn:
		if x.reply != nil {
			x.reply <- err
		}
	case *heartbeatIn:
		x.reply <- err
	case *stopIn:
		x.reply <- result{err: err}
	case *redriveIn:
		x.reply <- result{err: err}
	case *pollIn:
		x.w.ch <- nil
	case *unpollIn:
		x.w.ch <- nil
	}
}
