// Package runner drives one execution of a workflow (any language of
// package workflow: a state machine, a pipeline) in this process: it runs the
// tasks the interpreter asks for, keeps its timers on a real or virtual
// clock, and feeds the outcomes back until the execution ends. It is what
// `baton run` uses; the durable server has its own driver.
package runner

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

// Resolver finds the executor of a Task resource.
type Resolver interface {
	Executor(resource, stateName string) (tasks.Executor, error)
}

// Options configure a run.
type Options struct {
	Resolver Resolver
	// SkipWaits runs on a virtual clock: whenever no task is running, time
	// jumps to the next timer, so Wait states, retry back-off and timeouts
	// end at once while the timestamps the machine sees advance as if they
	// had passed.
	SkipWaits bool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnEvents receives history events as they happen (progress display).
	OnEvents func([]workflow.HistoryEvent)
	// OnCommand receives the interpreter's commands (progress display).
	OnCommand func(workflow.Command)
	// KeepHistory keeps every history event in the result.
	KeepHistory bool
	// Logs, when set, receives what the commands of tasks write on stdout
	// and stderr, per attempt (baton run --logs).
	Logs tasks.LogSinks
}

// Result is the outcome of a run.
type Result struct {
	Status  string // one of workflow's Status constants
	Outcome workflow.Result
	History []workflow.HistoryEvent
}

type taskResult struct {
	id     string
	output any
	err    error
}

// Run executes the program to its end, or until ctx is cancelled (the
// execution is then ABORTED).
func Run(ctx context.Context, prog workflow.Program, info workflow.Info, opts Options) (*Result, error) {
	r := &run{
		prog:    prog,
		opts:    opts,
		info:    info,
		results: make(chan taskResult, 64),
		done:    make(chan struct{}),
		running: map[string]context.CancelFunc{},
		timers:  map[string]time.Time{},
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	return r.loop(ctx)
}

type run struct {
	prog    workflow.Program
	opts    Options
	info    workflow.Info
	skipped time.Duration // virtual time added by skipping waits
	out     workflow.Output
	history []workflow.HistoryEvent
	results chan taskResult
	done    chan struct{}  // closed when the run ends: late task results are dropped
	tasks   sync.WaitGroup // task goroutines
	running map[string]context.CancelFunc
	timers  map[string]time.Time
	queue   timerQueue
	seq     int
}

// now is the execution's clock: real time plus what --skip-waits skipped.
func (r *run) now() time.Time { return r.opts.Now().Add(r.skipped) }

func (r *run) loop(ctx context.Context) (*Result, error) {
	taskCtx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	r.out.FlushHistory = r.record
	// A long call (an inline Map over many items) gives control back when
	// the run is interrupted, so that Ctrl-C stops it at once.
	r.out.Interrupt = func() bool { return ctx.Err() != nil }
	if r.info.StartTime.IsZero() {
		r.info.StartTime = r.now()
	}
	x := r.prog.Start(r.info, r.now(), &r.out)
	r.flush(taskCtx, x)
	for x.Status() == workflow.StatusRunning {
		if x.Interrupted() || ctx.Err() != nil {
			r.stop(taskCtx, x)
			continue
		}
		// Timers already due fire first, in time order.
		if id, at, ok := r.nextTimer(); ok {
			now := r.now()
			if !at.After(now) || (r.opts.SkipWaits && len(r.running) == 0) {
				if at.After(now) {
					r.skipped += at.Sub(now)
				}
				r.fire(taskCtx, x, id)
				continue
			}
		}
		if len(r.running) == 0 && r.queue.Len() == 0 {
			return nil, errors.New("runner: the execution waits for nothing: no task is running and no timer is armed")
		}
		var wake <-chan time.Time
		var t *time.Timer
		if _, at, ok := r.nextTimer(); ok {
			t = time.NewTimer(at.Sub(r.now()))
			wake = t.C
		}
		select {
		case res := <-r.results:
			r.taskDone(taskCtx, x, res)
		case <-wake:
		case <-ctx.Done():
			r.stop(taskCtx, x)
		}
		if t != nil {
			t.Stop()
		}
	}
	cancelAll()
	close(r.done)
	// Stopped tasks get their grace period (SIGTERM, then SIGKILL): wait for
	// them, so that no process outlives the run.
	r.tasks.Wait()
	return &Result{Status: x.Status(), Outcome: x.Result(), History: r.history}, nil
}

// stop aborts the execution after an interrupt (Ctrl-C).
func (r *run) stop(taskCtx context.Context, x workflow.Instance) {
	r.out.Reset()
	r.out.Interrupt = nil // the stop itself must run to its end
	x.Apply(workflow.Stop{Error: "Baton.Interrupted", Cause: "the run was interrupted"}, r.now(), &r.out)
	r.flush(taskCtx, x)
}

func (r *run) fire(taskCtx context.Context, x workflow.Instance, id string) {
	heap.Pop(&r.queue)
	delete(r.timers, id)
	r.out.Reset()
	x.Apply(workflow.TimerFired{TimerID: id}, r.now(), &r.out)
	r.flush(taskCtx, x)
}

func (r *run) taskDone(taskCtx context.Context, x workflow.Instance, res taskResult) {
	cancel, ok := r.running[res.id]
	if !ok {
		return // cancelled meanwhile
	}
	cancel()
	delete(r.running, res.id)
	r.out.Reset()
	var ev workflow.Event = workflow.TaskSucceeded{TaskID: res.id, Output: res.output}
	if res.err != nil {
		var f *tasks.Failure
		var none *tasks.NoExecutorError
		switch {
		case errors.As(res.err, &f):
			ev = workflow.TaskFailed{TaskID: res.id, Error: f.Name, Cause: f.Cause}
		case errors.As(res.err, &none):
			// A configuration problem, not the task's failure: no Retry or
			// Catch should hide it.
			ev = workflow.TaskFailed{TaskID: res.id, Error: asl.ErrRuntime, Cause: none.Error()}
		default:
			ev = workflow.TaskFailed{TaskID: res.id, Error: asl.ErrTaskFailed, Cause: res.err.Error()}
		}
	}
	x.Apply(ev, r.now(), &r.out)
	r.flush(taskCtx, x)
}

// nextTimer returns the earliest live timer.
func (r *run) nextTimer() (string, time.Time, bool) {
	for r.queue.Len() > 0 {
		top := r.queue[0]
		if at, ok := r.timers[top.id]; ok && at.Equal(top.at) {
			return top.id, top.at, true
		}
		heap.Pop(&r.queue) // cancelled
	}
	return "", time.Time{}, false
}

// record hands history events to the progress display and keeps them when
// asked to.
func (r *run) record(h []workflow.HistoryEvent) {
	if len(h) == 0 {
		return
	}
	if r.opts.OnEvents != nil {
		r.opts.OnEvents(h)
	}
	if r.opts.KeepHistory {
		r.history = append(r.history, h...)
	}
}

// flush carries out the commands of the last step and records its history.
func (r *run) flush(taskCtx context.Context, x workflow.Instance) {
	r.record(r.out.History)
	for _, c := range r.out.Commands {
		if r.opts.OnCommand != nil {
			r.opts.OnCommand(c)
		}
		switch c := c.(type) {
		case workflow.RunTask:
			r.start(taskCtx, c)
		case workflow.CancelTask:
			if cancel, ok := r.running[c.TaskID]; ok {
				cancel()
				delete(r.running, c.TaskID)
			}
		case workflow.ArmTimer:
			r.timers[c.TimerID] = c.At
			r.seq++
			heap.Push(&r.queue, timerItem{id: c.TimerID, at: c.At, seq: r.seq})
		case workflow.CancelTimer:
			delete(r.timers, c.TimerID)
		}
	}
}

func (r *run) start(taskCtx context.Context, c workflow.RunTask) {
	ctx, cancel := context.WithCancel(taskCtx)
	r.running[c.TaskID] = cancel
	req := tasks.Request{
		Resource: c.Resource, Input: c.Input, StateName: c.StateName, Attempt: c.Attempt,
		// The interpreter owns the timeout: its timer fails the state with
		// TaskTimedOut and the CancelTask that follows stops the work, so the
		// executor gets no deadline of its own (which would race it).
		TaskToken: c.Token, Heartbeat: c.Heartbeat,
		ExecutionName: r.info.Name, StateMachineName: r.info.WorkflowName,
	}
	var exec tasks.Executor
	var err error
	if r.opts.Resolver == nil {
		err = errors.New("no task executors configured")
	} else {
		exec, err = r.opts.Resolver.Executor(c.Resource, c.StateName)
	}
	var logs tasks.LogWriter
	if r.opts.Logs != nil && err == nil {
		logs = r.opts.Logs.OpenLog(r.info.ID, c.TaskID, c.StateName, c.Attempt+1)
		req.Logs = logs
	}
	r.tasks.Add(1)
	go func() {
		defer r.tasks.Done()
		res := taskResult{id: c.TaskID}
		if err != nil {
			res.err = &tasks.Failure{Name: asl.ErrRuntime, Cause: err.Error()}
		} else {
			res.output, res.err = exec.Run(ctx, req)
			if logs != nil {
				logs.Close() // the attempt's last lines print before its outcome
			}
		}
		select {
		case r.results <- res:
		case <-r.done:
		}
	}()
}

type timerItem struct {
	id  string
	at  time.Time
	seq int
}

// timerQueue is a min-heap of timers by time, then arming order.
type timerQueue []timerItem

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q timerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *timerQueue) Push(x any)   { *q = append(*q, x.(timerItem)) }
func (q *timerQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
