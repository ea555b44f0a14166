// Package engine runs executions of workflows durably, whatever their
// language.
//
// The engine knows a workflow language only through package workflow: it
// compiles a definition with the Language recorded for its workflow
// (Config.Languages), and drives each execution's workflow.Instance with
// events (task results, timers, stops). It knows nothing of Amazon States
// Language, AWS or HTTP: how a task resource runs (built in, an activity, a
// callback, a nested execution) is Config.Classify's answer, and what a
// nested execution's task returns is Config.Children's.
//
// One goroutine, the loop, owns every in-memory execution. It feeds events to
// the interpreter and turns what the interpreter returns into store
// transitions: the new snapshot, the history events, the tasks and timers to
// add or retire. Transitions go to the committer, which stores many of them
// in one transaction (group commit). Only once a transition is committed
// does anything leave the engine: the task reaches a worker, the API call is
// answered, watchers hear of it. Timers are rows in the store and entries of
// an in-memory heap.
//
// An execution stays in memory only while it has work in flight; an idle
// one (waiting for a timer, an activity worker or a callback) is dropped and
// reloaded from its snapshot when something happens to it, so that 100,000
// waiting executions cost little memory.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

// Executors finds the executor of a built-in or mapped Task resource;
// *tasks.Resolver implements it.
type Executors interface {
	Executor(resource, stateName string) (tasks.Executor, error)
}

// ChildStarter starts a nested execution for a task whose class is
// store.TaskChild, and says what the task returns. The server wires it to
// the service layer, which resolves the workflow named in the task's input.
type ChildStarter interface {
	StartChild(ctx context.Context, req ChildRequest) (*store.Execution, error)
	// ChildOutcome is the outcome of the task of resource: once its child
	// started (a task that does not wait for the child's end), once the
	// child ended (one that waits), or when the start failed (child nil,
	// err set).
	ChildOutcome(resource string, child *store.Execution, err error) TaskOutcome
}

// ChildRequest asks for a nested execution.
type ChildRequest struct {
	ParentArn   string
	ParentToken string // set for tasks that wait for the child: the engine reports its end to the parent
	Name        string // the execution name to use (unique per parent task)
	Resource    string // the task's resource
	Parameters  any    // the task's effective input
}

// TaskOutcome is the result of a task: Output when OK, else Error and Cause.
type TaskOutcome struct {
	OK     bool
	Output any
	Error  string
	Cause  string
}

// TaskClass says how the engine runs a task resource.
type TaskClass struct {
	Kind string // store.TaskBuiltin, TaskActivity, TaskCallback or TaskChild
	// Queue is the activity whose workers take a TaskActivity task.
	Queue string
	// Run is the resource the executor runs for a TaskCallback task (the
	// executor only delivers the token); "" for the resource itself.
	Run string
	// WaitChild is set for a TaskChild task completed by its child's end;
	// otherwise by the child's start, or by a callback when Callback is set.
	WaitChild bool
	// Callback is set for a TaskChild task completed by SendTaskSuccess or
	// SendTaskFailure with its token.
	Callback bool
}

// builtinOnly is the default Config.Classify: every resource runs on an
// executor of this server.
func builtinOnly(string, string) TaskClass { return TaskClass{Kind: store.TaskBuiltin} }

// StartRequest asks the engine to start an execution. The service builds it
// from a validated StartExecution (or a nested start).
type StartRequest struct {
	ExecutionArn     string
	StateMachineArn  string // the workflow, unqualified
	VersionArn       string
	AliasArn         string
	StateMachineName string
	Name             string
	Type             string // store.TypeStandard or store.TypeExpress
	Language         string // the workflow's language ("": Config.DefaultLanguage)
	Definition       string
	// Bundle is the digest of the project bundle whose files the run
	// works with ("": none): its definition is compiled with them, and its
	// built-in tasks run in a working directory holding them.
	Bundle      string
	RoleArn     string
	Input       string // JSON text, validated
	TraceHeader string
	// LogicalDate is the time the run stands for (a backfill's day); zero:
	// its start. DataIntervalStart is where the data it covers begins (the
	// previous run's start); zero: none. Languages with dates (pipelines)
	// read them; they are kept in the run's state.
	LogicalDate, DataIntervalStart time.Time
	// Namespace is the namespace of the workflow ($run.namespace).
	Namespace string
	// Trigger describes what started the run (a schedule's slot, upstream
	// runs, events), as $run.trigger shows it; nil: a person or a program.
	Trigger any
}

// Config configures an Engine.
type Config struct {
	Store store.Store
	// Languages compile the workflows, by the language recorded for each
	// (store.Execution.Language); at least one.
	Languages map[string]workflow.Language
	// DefaultLanguage runs executions recorded without a language (those
	// stored before languages were recorded); default: the only entry of
	// Languages.
	DefaultLanguage string
	// Classify tells how a task resource of an execution runs (the
	// execution's namespace decides what an activity named without an
	// account is); default: every resource on an executor of this server.
	Classify  func(executionArn, resource string) TaskClass
	Clock     clock.Clock  // default clock.Real
	Executors Executors    // built-in resources; default a resolver without mappings
	Children  ChildStarter // nested executions; nil: such tasks fail
	Workers   int          // concurrent built-in tasks; default 64
	MaxBatch  int          // most transitions per commit; default 1000
	Log       *slog.Logger // default slog.Default()
	Metrics   *Metrics     // optional
	// StopGrace is how long Close waits for in-flight commits.
	StopGrace time.Duration
	// MaxStepTime bounds one run of an execution without waiting for a task
	// or a timer (default 10 s), summed over the slices it is cut into
	// (their computing and commits): an endless Pass/Choice loop (with the
	// history limit lifted) is stopped with ErrRunaway. It also bounds the
	// history and the stored size such a loop can make.
	MaxStepTime time.Duration
	// TaskLogs, when set, keeps the output of built-in tasks' commands.
	TaskLogs tasks.LogSinks
	// Projects gives executions with a bundle (store.Execution.Bundle)
	// their files; nil: such executions fail to compile.
	Projects Projects
	// BusEvents, when set, returns the events on the bus of a transition
	// of an execution: its status went from `from` to row.Status ("" from:
	// it started; equal: no change) and it adds history (nil for Express,
	// which keep none), and schedules tasks (their attempt numbers tell
	// retries). They are stored in the transition's transaction,
	// so that a status change is never stored without its event.
	BusEvents func(row *store.Execution, from string, history []store.Event, tasks []*store.Task) []*store.OutboxEvent
	// OnBusEvents is called (off the loop) when a stored batch held bus
	// events: the consumers of the outbox have something to read.
	OnBusEvents func()

	// Partitioned makes the engine run only the partitions it owns
	// (package partition; partitions.go): none until Acquire. Run then
	// recovers nothing. False: it runs every execution (one server).
	Partitioned bool
	// Remote makes the calls the engine makes itself for executions of
	// partitions it does not own (a child's end reported to its parent,
	// the stop of a cancelled task's child); nil: none (one server).
	Remote Remote
	// OnPartitionsLost is called (off the loop) when a commit was fenced
	// (*store.PartitionsLostError): the engine stopped running those
	// partitions; the caller releases their leases.
	OnPartitionsLost func(partition.Set)
	// OnActivityHeld is called, on the engine's loop (it must not block),
	// when a task of an activity is queued that only this engine's memory
	// holds (an Express run's) and no poll waits for it here: a node of a
	// cluster tells the others, whose polls cannot learn of it from the
	// store.
	OnActivityHeld func(activityArn string)
}

// Projects are the files of deployed projects (internal/workspace).
type Projects interface {
	// Files reads the files of a bundle, to compile a definition that
	// names some.
	Files(ctx context.Context, digest string) (func(name string) ([]byte, error), error)
	// Dir returns the working directory of an execution, holding the
	// files of its bundle, made on first use.
	Dir(ctx context.Context, executionArn, digest string) (string, error)
	// Release removes the working directory of an execution that ended at
	// endedAt (the real time), unless it was made after that: a redrive
	// made it again.
	Release(executionArn string, endedAt time.Time)
}

// Engine runs executions; it implements the service layer's Engine.
type Engine struct {
	cfg   Config
	st    store.Store
	clk   clock.Clock
	log   *slog.Logger
	met   *Metrics
	in    chan input
	quit  chan struct{}
	done  chan struct{}
	ready atomic.Bool
	// unstored is set when the engine stopped with a batch the store
	// failed to write: Close reports it, so the process does not exit 0.
	unstored atomic.Bool
	// down is the error of the last commit while the store fails to
	// store a batch; nil once a commit passes again. downC is closed when
	// the store goes down (a new one is made when it is back up): calls
	// waiting for a commit give up with 503 then.
	down   atomic.Pointer[error]
	downMu sync.Mutex
	downC  chan struct{}

	programs programCache
	pool     *pool
	watch    watchers
	tokensMu sync.Mutex
	memTasks map[string]taskRef // tokens of Express executions' tasks (not in the store)
	children map[string]string  // token of a task waiting for its child (TaskClass.WaitChild) -> the child, to stop it with the task

	// Owned by the loop goroutine.
	live         map[string]*live
	recent       recentNames
	timers       timerHeap
	wake         clock.Timer
	wakeAt       time.Time
	batch        *batch
	committer    chan *batch
	commitOut    chan *batch
	inFlight     bool
	activity     map[string]*activityQueue
	queued       map[string]*activityEntry // queued activity tasks by token
	running      map[string]*runningTask   // built-in tasks by token
	loading      int
	loadQueue    []*live
	loadedC      chan loaded
	soon         []func(error) // Express effects, run after the current input
	lost         []*resultIn   // built-in tasks that died with the last server, failed once the loop runs
	stepped      chan *stepRun // detached interpreter calls that ended
	steps        chan *stepRun // calls for idle steppers
	idleSteppers atomic.Int32
	stepTimer    *time.Timer // how long the loop waits for a call before detaching it
	freeSteps    []*stepRun
	detached     int               // detached calls computing
	resume       []*live           // interrupted runs waiting to continue, oldest first
	limits       map[string]*limit // concurrency limits of workflows, by state machine ARN (limits.go)
	sliceBatch   *batch            // the batch sliceEvents counts for
	sliceEvents  int               // history events continued runs added to it
	busySince    atomic.Int64      // when the loop took up its current work (unix ns; 0: waiting for work), for Ready
	stall        time.Duration     // readyStall; tests shorten it
	owned        partition.Set     // the partitions run here (Config.Partitioned)
	busyN        [partition.Count]int32

	ownedA atomic.Uint64 // owned, read off the loop (Owned)
	busyA  atomic.Uint64 // the partitions with built-in tasks running (Busy)
}

// runningTask is a built-in task running on the pool.
type runningTask struct {
	cancel context.CancelFunc
	part   int // the partition it counts in (Busy); -1: none
	// released is set when its partition was released: its result is
	// not applied (the next owner finds the task lost).
	released bool
}

// taskRef locates a task of an in-memory execution.
type taskRef struct {
	arn      string
	taskID   string
	resource string
}

// New returns an engine; call Run to recover and start it.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("engine: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Executors == nil {
		r, err := tasks.NewResolver(tasks.Options{})
		if err != nil {
			return nil, err
		}
		cfg.Executors = r
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Classify == nil {
		cfg.Classify = builtinOnly
	}
	if len(cfg.Languages) == 0 {
		return nil, errors.New("engine: no workflow language")
	}
	if cfg.DefaultLanguage == "" && len(cfg.Languages) == 1 {
		for name := range cfg.Languages {
			cfg.DefaultLanguage = name
		}
	}
	if cfg.MaxStepTime <= 0 {
		cfg.MaxStepTime = 10 * time.Second
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = 10 * time.Second
	}
	e := &Engine{
		cfg: cfg, st: cfg.Store, clk: cfg.Clock, log: cfg.Log, met: cfg.Metrics,
		in:        make(chan input, 4096),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		memTasks:  map[string]taskRef{},
		children:  map[string]string{},
		live:      map[string]*live{},
		committer: make(chan *batch, 1),
		commitOut: make(chan *batch, 1),
		activity:  map[string]*activityQueue{},
		queued:    map[string]*activityEntry{},
		running:   map[string]*runningTask{},
		loadedC:   make(chan loaded, maxLoaders),
		downC:     make(chan struct{}),
		stepped:   make(chan *stepRun, 64),
		steps:     make(chan *stepRun),
		stepTimer: time.NewTimer(time.Hour),
		stall:     readyStall,
	}
	e.stepTimer.Stop()
	e.programs.init(cfg)
	e.pool = newPool(cfg.Workers)
	e.batch = newBatch()
	return e, nil
}

// SetRemote sets the way to the executions of other partitions (the
// cluster's router, which is built after the engine).
func (e *Engine) SetRemote(r Remote) { e.cfg.Remote = r }

// SetChildren sets the starter of nested executions (the service layer,
// which is built after the engine).
func (e *Engine) SetChildren(c ChildStarter) { e.cfg.Children = c }

// Run recovers the executions left RUNNING in the store, then starts the
// loop and returns. Close stops it. A partitioned engine recovers nothing:
// Acquire recovers the partitions it is given.
func (e *Engine) Run(ctx context.Context) error {
	if e.cfg.Partitioned {
		go e.commitLoop()
		go e.loop()
		e.ready.Store(true)
		e.log.Info("engine started; it runs no partition until it acquires some")
		return nil
	}
	start := time.Now()
	n, err := e.recover(ctx)
	if err != nil {
		return fmt.Errorf("recovering executions: %w", err)
	}
	go e.commitLoop()
	go e.loop()
	go func() {
		// Runs that ended while the server was down free their slots.
		_ = e.send(context.Background(), func() {
			if err := e.resumeQueues(context.Background(), partition.All); err != nil {
				e.log.Error("reading the queued runs", "err", err)
			}
		})
	}()
	if lost := e.lost; len(lost) > 0 {
		e.lost = nil
		go func() {
			for _, r := range lost {
				e.sendResult(r)
			}
		}()
	}
	e.ready.Store(true)
	e.log.Info("engine started", "timers", n.timers, "tasks", n.tasks, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Ready reports whether the engine accepts work: false before Run, after
// Close, while the store fails to store a batch (it turns true again by
// itself once a retry of the batch passes), and while the loop is stalled.
func (e *Engine) Ready() bool { return e.ready.Load() && e.down.Load() == nil && !e.stalled() }

// StoreError is why the engine is not ready when the store fails, else nil.
func (e *Engine) StoreError() error {
	if err := e.down.Load(); err != nil {
		return *err
	}
	return nil
}

// storeDown records that a commit failed with err: the engine refuses new
// work and the calls waiting for a commit are answered 503.
func (e *Engine) storeDown(err error) {
	if !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, store.ErrDamaged) {
		// An error the store did not classify (e.g. SQLITE_BUSY for longer
		// than its busy timeout): a failure that may pass, like a full disk.
		err = fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	wasUp := e.down.Swap(&err) == nil
	if wasUp {
		e.downMu.Lock()
		close(e.downC)
		e.downMu.Unlock()
	}
}

// storeUp records that a commit passed again.
func (e *Engine) storeUp() {
	if e.down.Load() == nil {
		return
	}
	e.downMu.Lock()
	e.downC = make(chan struct{})
	e.down.Store(nil)
	e.downMu.Unlock()
	e.log.Info("the store stores again; the engine takes work")
}

// downSignal returns a channel closed when the store goes down (already
// closed while it is down).
func (e *Engine) downSignal() <-chan struct{} {
	e.downMu.Lock()
	defer e.downMu.Unlock()
	return e.downC
}

// errResult and asIs build await's answer for a call that waits for a
// result or an error.
func errResult(err error) result { return result{err: err} }
func asIs(err error) error       { return err }

// await returns the reply a call waits for on ch, or, when the store fails
// meanwhile, fail(503): the call's change may still be stored once the
// store recovers, which the 503's message says.
func await[T any](e *Engine, ch <-chan T, fail func(error) T) T {
	select {
	case r := <-ch:
		return r
	case <-e.downSignal():
		select {
		case r := <-ch:
			return r
		default:
		}
		if err := e.StoreError(); err != nil {
			return fail(apierr.StoreFault(err))
		}
		return <-ch // back up already: the commit passed
	}
}

// stalled reports whether one round of the loop has taken longer than
// readyStall.
func (e *Engine) stalled() bool {
	busy := e.busySince.Load()
	return busy != 0 && time.Since(time.Unix(0, busy)) >= e.stall
}

// readyStall is how long one round of the loop may take before the engine
// says it is not ready. Interpreter calls run off the loop, so a round takes
// milliseconds; only a bug (or a machine starved of CPU) gets there, and
// then readiness should say so.
const readyStall = 5 * time.Second

// Close stops accepting work, waits for in-flight commits (up to
// Config.StopGrace), stops the built-in tasks and returns. Running
// executions stay RUNNING in the store and resume on the next Run.
func (e *Engine) Close() error {
	if !e.ready.Swap(false) {
		return nil
	}
	close(e.quit)
	select {
	case <-e.done:
	case <-time.After(e.cfg.StopGrace):
		return errors.New("engine: in-flight commits did not finish in time")
	}
	e.pool.close()
	if e.unstored.Load() {
		return errors.New("engine: stopped while the store could not write: transitions not stored were not acknowledged, and their executions resume from their last stored state at the next start")
	}
	return nil
}

// ErrRunaway is the error of an execution stopped for running MaxStepTime
// without waiting for a task or a timer.
const ErrRunaway = "Baton.RunawayExecution"

// send hands an input to the loop, or fails when the engine is stopped.
func (e *Engine) send(ctx context.Context, in input) error {
	if err := e.StoreError(); err != nil {
		return apierr.StoreFault(err)
	}
	select {
	case e.in <- in:
		return nil
	case <-e.quit:
		return apierr.New(apierr.ServiceUnavailable, "the server is shutting down")
	case <-ctx.Done():
		return ctx.Err()
	}
}
