package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

// hookStore wraps the SQLite store so that a test can intercept reads.
type hookStore struct {
	store.Store
	getExec func(ctx context.Context, arn string) (*store.Execution, error, bool) // handled when the bool is true
}

func (h *hookStore) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	if h.getExec != nil {
		if ex, err, ok := h.getExec(ctx, arn); ok {
			return ex, err
		}
	}
	return h.Store.GetExecution(ctx, arn)
}

// rworld is a world whose engine runs on a hookable store and a tunable
// configuration.
type rworld struct {
	*world
	hs  *hookStore
	cfg func(*engine.Config)
	cur atomic.Pointer[engine.Engine]
}

func newRWorld(t *testing.T, cfg func(*engine.Config)) *rworld {
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(t0), execs: map[string]tasks.Executor{}}
	r := &rworld{world: w, hs: &hookStore{}, cfg: cfg}
	r.open()
	t.Cleanup(func() { w.close() })
	return r
}

func (r *rworld) open() {
	w := r.world
	st, err := sqlite.Open(w.dir, sqlite.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	r.hs.Store = st
	c := serverConfig(r.hs, w.clk, w)
	if r.cfg != nil {
		r.cfg(&c)
	}
	eng, err := engine.New(c)
	if err != nil {
		w.t.Fatal(err)
	}
	r.cur.Store(eng)
	eng.SetChildren(rstarter{r: r})
	if err := eng.Run(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.eng = eng
}

// rstarter starts nested executions as the server does (an existing child
// of the same name is returned), on the engine being started: recovery
// calls it from Run, before world.eng is set.
type rstarter struct {
	childOutcome
	r *rworld
}

func (s rstarter) StartChild(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	p := req.Parameters.(map[string]any)
	def := p["StateMachineArn"].(string)
	input, _ := json.Marshal(p["Input"])
	sr := engine.StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:child:" + req.Name,
		StateMachineArn: smArn + "child", Name: req.Name, Type: store.TypeStandard, Definition: def, Input: string(input)}
	eng := s.r.cur.Load()
	ex, err := eng.StartNested(ctx, sr, req.ParentToken)
	if isCode(err, apierr.ExecutionAlreadyExists) {
		if old, gerr := s.r.hs.Store.GetExecution(ctx, sr.ExecutionArn); gerr == nil {
			return old, nil
		}
	}
	return ex, err
}

func (r *rworld) restart() {
	r.close()
	r.open()
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// tasksOf returns the store's open tasks of an execution.
func (w *world) tasksOf(arn string) []*store.Task {
	w.t.Helper()
	ts, err := w.st.OpenTasks(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*store.Task
	for _, t := range ts {
		if t.ExecutionArn == arn {
			out = append(out, t)
		}
	}
	return out
}

// timersOf returns the store's timers of an execution.
func (w *world) timersOf(arn string) []store.Timer {
	w.t.Helper()
	var out []store.Timer
	err := w.st.Timers(context.Background(), func(t store.Timer) error {
		if t.ExecutionArn == arn {
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) allTimers() []store.Timer {
	w.t.Helper()
	var out []store.Timer
	if err := w.st.Timers(context.Background(), func(t store.Timer) error { out = append(out, t); return nil }); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func isCode(err error, code string) bool {
	e, ok := apierr.As(err)
	return ok && e.Code == code
}

const actArn = "arn:aws:states:us-east-1:123456789012:activity:review"

// ---------------------------------------------------------------------------
// Bugs

// A Parallel state whose one branch schedules a task (with a timeout timer)
// while another branch fails in the same transition: the task is scheduled
// and cancelled in one transition. The store applies DeleteTasks/DeleteTimers
// before AddTasks/AddTimers, so the cancelled task and its timer stay in the
// store of a RUNNING execution, and the task is run (again) after a restart.
func TestFixed_TaskScheduledAndCancelledInOneTransitionLeaks(t *testing.T) {

	w := newWorld(t)
	var runs atomic.Int32
	w.execs["zz:side"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		runs.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:side","TimeoutSeconds":100,"End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"W"}],"End":true},
	 "W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	ex := w.start("samecancel", def, `{}`)
	w.wait(ex.Arn, "RUNNING")
	eventually(t, "the Wait state", func() bool {
		h := w.history(ex.Arn)
		return h[len(h)-1] == "WaitStateEntered"
	})
	if ts := w.tasksOf(ex.Arn); len(ts) != 0 {
		t.Errorf("the cancelled task is still open in the store: %+v", ts[0])
	}
	if tm := w.timersOf(ex.Arn); len(tm) != 1 {
		t.Errorf("want only the Wait timer, have %+v", tm)
	}
	before := runs.Load()
	w.restart()
	// After a restart the cancelled task must not run again.
	w.advance(time.Hour)
	w.wait(ex.Arn, "SUCCEEDED")
	if n := runs.Load(); n > before {
		t.Errorf("the cancelled task ran again after the restart (%d runs, %d before)", n, before)
	}
}

// A built-in task scheduled and cancelled in the same transition is still
// handed to the worker pool once the transition is stored (schedule's
// afterCommit does not check that the task is still open), and since its
// cancel function is registered only then, nothing ever cancels it: it runs
// to its end, holds a worker, and keeps its execution in memory.
func TestFixed_TaskCancelledInSameTransitionRunsUncancelled(t *testing.T) {

	w := newWorld(t)
	started := make(chan struct{}, 10)
	var cancelled atomic.Bool
	release := make(chan struct{})
	defer close(release)
	w.execs["zz:side"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			cancelled.Store(true)
			return nil, ctx.Err()
		case <-release:
			return "late", nil
		}
	})
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:side","End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`
	ex := w.start("samecancel2", def, `{}`)
	w.wait(ex.Arn, "FAILED")
	select {
	case <-started:
	case <-time.After(time.Second): // no run at all is the correct outcome
		return
	}
	// It ran although its execution had failed: at least it must be cancelled.
	deadline := time.Now().Add(time.Second)
	for !cancelled.Load() {
		if time.Now().After(deadline) {
			t.Fatal("a task of a FAILED execution was started and is never cancelled")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// Same with an ending execution: the task and timer rows of a FAILED
// execution are never deleted, and GetTask still finds the task.
func TestFixed_TaskScheduledAndCancelledAtEndLeaks(t *testing.T) {

	w := newWorld(t)
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":100,"End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`
	ex := w.start("endcancel", def, `{}`)
	w.wait(ex.Arn, "FAILED")
	if tm := w.timersOf(ex.Arn); len(tm) != 0 {
		t.Errorf("timers of a FAILED execution left in the store: %+v", tm)
	}
}

// A timer fires for an execution that is not in memory; loading it fails
// once (a transient store error). The timer has been popped from the heap
// and the failed load drops it: the execution stays RUNNING forever (until
// a restart reloads the timers).
func TestFixed_TransientLoadErrorLosesTimer(t *testing.T) {

	w := newRWorld(t, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	ex := w.start("flaky-load", def, `{}`)
	w.wait(ex.Arn, "RUNNING")
	var fail atomic.Bool
	fail.Store(true)
	var failed atomic.Int32
	w.hs.getExec = func(ctx context.Context, arn string) (*store.Execution, error, bool) {
		if arn == ex.Arn && fail.CompareAndSwap(true, false) {
			failed.Add(1)
			return nil, errors.New("database is locked (SQLITE_BUSY)"), true
		}
		return nil, nil, false
	}
	// The execution is idle (evicted) once stored: wait until the engine
	// waits on the clock for the Wait timer.
	w.advance(60 * time.Second)
	eventually(t, "the failed load", func() bool { return failed.Load() == 1 })
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, _ := w.st.GetExecution(context.Background(), ex.Arn)
		if got != nil && got.Status == "SUCCEEDED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a transient load error lost the timer: the execution is %s (timers armed in the engine: %d)", got.Status, w.clk.Waiters())
		}
		w.clk.Advance(time.Second)   // a retry of the load, if any, may use the clock
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// A refused Redrive (here: the history is at its limit) still records a
// transition: record() runs on the unchanged, ended execution, rewrites its
// StopDate to now and runs ended() again (metrics, report to a parent).
func TestFixed_RefusedRedriveRewritesStopDate(t *testing.T) {

	w := newRWorld(t, func(c *engine.Config) { withASL(c, func(o *asl.LanguageOptions) { o.MaxHistoryEvents = 12 }) })
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
	 "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],"Default":"A"},"S":{"Type":"Succeed"}}}`
	ex := w.start("limit", def, `{}`)
	failed := w.wait(ex.Arn, "FAILED")
	w.clk.Advance(time.Hour)
	_, err := w.eng.Redrive(context.Background(), ex.Arn)
	if !isCode(err, apierr.ExecutionNotRedrivable) {
		t.Fatalf("redrive: %v", err)
	}
	// A start answered after its commit: what Redrive queued is stored too.
	w.start("probe", passChain, `{}`)
	after, err := w.st.GetExecution(context.Background(), ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if !after.StopDate.Equal(failed.StopDate) {
		t.Fatalf("a refused redrive moved StopDate from %v to %v", failed.StopDate, after.StopDate)
	}
}

// ---------------------------------------------------------------------------
// Adversarial tests that pass (regression tests)

// A late result of attempt 0 of an activity, after its timeout started
// attempt 1, is refused and does not complete attempt 1.
func TestLateResultOfEarlierAttemptIsRefused(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":10,
	  "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`
	ex := w.start("late", def, `{}`)
	t0task, err := w.eng.GetActivityTask(ctx, actArn, "w0")
	if err != nil || t0task == nil || t0task.Attempt != 0 {
		t.Fatalf("attempt 0: %+v %v", t0task, err)
	}
	w.advance(10 * time.Second) // attempt 0 times out
	w.advance(time.Second)      // the retry back-off
	t1task, err := w.eng.GetActivityTask(ctx, actArn, "w1")
	if err != nil || t1task == nil || t1task.Attempt != 1 || t1task.Token == t0task.Token {
		t.Fatalf("attempt 1: %+v %v", t1task, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, t0task.Token, `"from attempt 0"`); !isCode(err, apierr.TaskTimedOut) {
		t.Fatalf("late result of attempt 0: %v", err)
	}
	if err := w.eng.SendTaskHeartbeat(ctx, t0task.Token); !isCode(err, apierr.TaskTimedOut) {
		t.Fatalf("late heartbeat of attempt 0: %v", err)
	}
	if err := w.eng.SendTaskSuccess(ctx, t1task.Token, `"from attempt 1"`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `"from attempt 1"` {
		t.Fatalf("output %s", done.Output)
	}
	if len(w.tasksOf(ex.Arn)) != 0 || len(w.timersOf(ex.Arn)) != 0 {
		t.Fatal("tasks or timers left")
	}
}

// A built-in task that times out: its late result is ignored, the retry's
// result is applied, and the first run's context is cancelled.
func TestBuiltinResultAfterTimeoutIgnored(t *testing.T) {
	w := newWorld(t)
	var n atomic.Int32
	firstCancelled := make(chan struct{})
	w.execs["zz:slow"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if n.Add(1) == 1 {
			<-ctx.Done()
			close(firstCancelled)
			return "late", nil // ignores the cancellation: a late result
		}
		return "retry", nil
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:slow","TimeoutSeconds":5,
	  "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`
	ex := w.start("bto", def, `{}`)
	eventually(t, "the first run", func() bool { return n.Load() == 1 })
	w.advance(5 * time.Second)
	<-firstCancelled
	w.advance(time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `"retry"` {
		t.Fatalf("output %s", done.Output)
	}
	h := strings.Join(w.history(ex.Arn), ",")
	if strings.Count(h, "TaskSucceeded") != 1 || strings.Count(h, "TaskTimedOut") != 1 {
		t.Fatalf("history %s", h)
	}
}

// StopExecution while a built-in task runs cancels it; an activity task of
// the stopped execution is never handed to a worker; nothing is left in
// the store.
func TestStopCancelsTasksAndClearsStore(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	running := make(chan struct{})
	cancelled := make(chan struct{})
	w.execs["zz:block"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		close(running)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","TimeoutSeconds":100,"End":true}}},
	  {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + actArn + `","HeartbeatSeconds":50,"End":true}}},
	  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1000,"End":true}}}],"End":true}}}`
	ex := w.start("stopall", def, `{}`)
	<-running
	got, err := w.eng.Stop(ctx, ex.Arn, "Manual", "test")
	if err != nil || got.Status != "ABORTED" {
		t.Fatalf("%+v %v", got, err)
	}
	<-cancelled
	pctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if task, err := w.eng.GetActivityTask(pctx, actArn, "w"); task != nil || err != nil {
		t.Fatalf("a stopped execution's activity task was handed out: %+v %v", task, err)
	}
	if len(w.tasksOf(ex.Arn)) != 0 || len(w.timersOf(ex.Arn)) != 0 {
		t.Fatalf("left: tasks %+v timers %+v", w.tasksOf(ex.Arn), w.timersOf(ex.Arn))
	}
	// Stopping again returns the stopped execution.
	again, err := w.eng.Stop(ctx, ex.Arn, "Other", "")
	if err != nil || again.Status != "ABORTED" || again.Error != "Manual" {
		t.Fatalf("second stop: %+v %v", again, err)
	}
	w.restart()
	if got := strings.Join(w.history(ex.Arn), ","); !strings.HasSuffix(got, "ExecutionAborted") {
		t.Fatalf("history %s", got)
	}
}

// Concurrent starts of one name make exactly one execution; each caller
// gets it back (same name and input) or ExecutionAlreadyExists.
func TestConcurrentSameNameStartsMakeOneExecution(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	var wg sync.WaitGroup
	var mu sync.Mutex
	arns := map[string]int{}
	var exists, other atomic.Int32
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			input := `{}`
			if i%4 == 3 {
				input = `{"other":true}`
			}
			ex, err := w.eng.Start(context.Background(), w.req("same", def, input))
			switch {
			case err == nil:
				mu.Lock()
				arns[ex.Arn+"|"+ex.StartDate.String()]++
				mu.Unlock()
			case isCode(err, apierr.ExecutionAlreadyExists):
				exists.Add(1)
			default:
				other.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(arns) != 1 {
		t.Fatalf("different executions returned: %v", arns)
	}
	execs, _, err := w.st.ListExecutions(context.Background(), store.ExecutionFilter{}, store.Page{})
	if err != nil || len(execs) != 1 {
		t.Fatalf("%d executions stored (%v)", len(execs), err)
	}
	if got := strings.Join(w.history(execs[0].Arn), ","); got != "ExecutionStarted,WaitStateEntered" {
		t.Fatalf("history %s", got)
	}
}

// A queued activity task survives a restart and goes to exactly one of
// several workers polling at once; a task a worker had taken survives a
// restart and that worker's result is applied.
func TestActivityTasksSurviveRestart(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + actArn + `","Next":"B"},
	  "B":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	ex := w.start("actrestart", def, `{"n":1}`)
	w.openTask(ex.Arn)
	w.restart()
	var got atomic.Int32
	var mu sync.Mutex
	var tasksGot []*store.Task
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := w.eng.GetActivityTask(pctx, actArn, fmt.Sprint("w", i))
			if err != nil {
				t.Error(err)
			}
			if tk != nil {
				got.Add(1)
				mu.Lock()
				tasksGot = append(tasksGot, tk)
				mu.Unlock()
				cancel() // release the others
			}
		}()
	}
	wg.Wait()
	cancel()
	if got.Load() != 1 {
		t.Fatalf("%d workers got the task", got.Load())
	}
	first := tasksGot[0]
	if first.StateName != "A" || first.Input != `{"n":1}` {
		t.Fatalf("%+v", first)
	}
	// Taken, then the server restarts: the worker's result still counts.
	w.restart()
	if err := w.eng.SendTaskSuccess(ctx, first.Token, `{"n":2}`); err != nil {
		t.Fatal(err)
	}
	second, err := w.eng.GetActivityTask(ctx, actArn, "w")
	if err != nil || second == nil || second.StateName != "B" || second.Input != `{"n":2}` {
		t.Fatalf("%+v %v", second, err)
	}
	w.restart()
	if err := w.eng.SendTaskHeartbeat(ctx, second.Token); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.SendTaskSuccess(ctx, second.Token, `{"n":3}`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited," +
		"TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if got := strings.Join(w.history(ex.Arn), ","); got != want || done.Output != `{"n":3}` {
		t.Fatalf("history %s output %s", got, done.Output)
	}
}

// A hundred executions with activity tasks, several workers answering
// concurrently: every execution completes once, with a gap-free history,
// and no task is handed out twice.
func TestManyActivityExecutionsConcurrentWorkers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const n = 100
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	var starts sync.WaitGroup
	for i := range n {
		starts.Add(1)
		go func() {
			defer starts.Done()
			if _, err := w.eng.Start(ctx, w.req(fmt.Sprint("m", i), def, fmt.Sprintf(`{"i":%d}`, i))); err != nil {
				t.Error(err)
			}
		}()
	}
	var seen sync.Map
	var dup atomic.Int32
	var handled atomic.Int32
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var workers sync.WaitGroup
	for k := range 8 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for handled.Load() < n {
				pctx, pcancel := context.WithTimeout(wctx, 200*time.Millisecond)
				tk, err := w.eng.GetActivityTask(pctx, actArn, fmt.Sprint("w", k))
				pcancel()
				if err != nil || tk == nil {
					if wctx.Err() != nil {
						return
					}
					continue
				}
				if _, loaded := seen.LoadOrStore(tk.Token, true); loaded {
					dup.Add(1)
				}
				if k%2 == 0 {
					if err := w.eng.SendTaskHeartbeat(ctx, tk.Token); err != nil {
						t.Error(err)
					}
				}
				if err := w.eng.SendTaskSuccess(ctx, tk.Token, tk.Input); err != nil {
					t.Error(err)
				}
				handled.Add(1)
			}
		}()
	}
	starts.Wait()
	for i := range n {
		arn := "arn:aws:states:us-east-1:123456789012:execution:test:m" + fmt.Sprint(i)
		done := w.wait(arn, "SUCCEEDED")
		if done.Output != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("%s: output %s", arn, done.Output)
		}
		w.history(arn)
	}
	cancel()
	workers.Wait()
	if dup.Load() != 0 || handled.Load() != n {
		t.Fatalf("%d duplicates, %d handled", dup.Load(), handled.Load())
	}
}

// StartSync of an Express Parallel whose one branch fails returns FAILED
// at once (the other branch's task is cancelled), and the outcome is stored
// without history, tasks or timers.
func TestExpressSyncFailingParallel(t *testing.T) {
	w := newWorld(t)
	cancelled := make(chan struct{})
	w.execs["zz:block"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	w.execs["zz:fail"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		return nil, &tasks.Failure{Name: "Broken", Cause: "on purpose"}
	})
	req := w.req("xp", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","TimeoutSeconds":10,"End":true}}},
	  {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Task","Resource":"zz:fail","End":true}}},"End":true}}}],"End":true}}}`, `{"items":[1,2,3]}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:xp:1"
	ex, err := w.eng.StartSync(context.Background(), req)
	if err != nil || ex.Status != "FAILED" || ex.Error != "Broken" {
		t.Fatalf("%+v %v", ex, err)
	}
	<-cancelled
	stored := w.wait(req.ExecutionArn, "FAILED")
	if stored.Error != "Broken" || stored.Type != store.TypeExpress {
		t.Fatalf("%+v", stored)
	}
	if len(w.allTimers()) != 0 || len(w.tasksOf(req.ExecutionArn)) != 0 {
		t.Fatal("an Express execution left timers or tasks in the store")
	}
	// Express executions cannot be redriven nor stopped twice into another status.
	if _, err := w.eng.Redrive(context.Background(), req.ExecutionArn); !isCode(err, apierr.ExecutionNotRedrivable) {
		t.Fatalf("redrive: %v", err)
	}
}

// An Express execution with an activity task that exceeds the Express
// limit times out; the worker's late result is refused.
func TestExpressActivityTimesOut(t *testing.T) {
	w := newRWorld(t, func(c *engine.Config) { withASL(c, func(o *asl.LanguageOptions) { o.ExpressTimeout = time.Minute }) })
	req := w.req("xa", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+actArn+`","End":true}}}`, `{}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:xa:1"
	res := make(chan *store.Execution, 1)
	go func() {
		ex, err := w.eng.StartSync(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		res <- ex
	}()
	task, err := w.eng.GetActivityTask(context.Background(), actArn, "w")
	if err != nil || task == nil {
		t.Fatalf("%v %v", task, err)
	}
	w.advance(time.Minute)
	ex := <-res
	if ex == nil || ex.Status != "TIMED_OUT" {
		t.Fatalf("%+v", ex)
	}
	if err := w.eng.SendTaskSuccess(context.Background(), task.Token, `{}`); !isCode(err, apierr.TaskTimedOut) && !isCode(err, apierr.InvalidToken) {
		t.Fatalf("late result: %v", err)
	}
}

// Watch sees an execution's updates, ending with its final status, and
// only once they are stored.
func TestWatchSeesFinalStatus(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := w.eng.Watch(ctx, "")
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	ex := w.start("watched", def, `{}`)
	w.advance(5 * time.Second)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case u := <-ch:
			if u.ExecutionArn != ex.Arn {
				continue
			}
			stored, err := w.st.GetExecution(context.Background(), ex.Arn)
			if err != nil || stored.EventCount < u.LastEventID {
				t.Fatalf("update %+v before it was stored (%+v)", u, stored)
			}
			if u.Status == "SUCCEEDED" {
				return
			}
		case <-deadline:
			t.Fatal("no SUCCEEDED update")
		}
	}
}

// A .sync child waiting on a timer survives a restart of the server: its
// parent is completed once by the child's end.
func TestSyncChildSurvivesRestart(t *testing.T) {
	w := newRWorld(t, nil)
	child := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	  "Parameters":{"StateMachineArn":%q,"Input":{"c":1}},"OutputPath":"$.Output","End":true}}}`, child)
	ex := w.start("sparent", def, `{}`)
	task := w.openTask(ex.Arn)
	childArn := "arn:aws:states:us-east-1:123456789012:execution:child:baton-" + task.Token[:32]
	w.wait(childArn, "RUNNING")
	w.restart()
	w.advance(30 * time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"c":1}` {
		t.Fatalf("output %s", done.Output)
	}
	h := strings.Join(w.history(ex.Arn), ",")
	if strings.Count(h, "TaskSucceeded") != 1 {
		t.Fatalf("history %s", h)
	}
	execs, _, _ := w.st.ListExecutions(context.Background(), store.ExecutionFilter{}, store.Page{})
	if len(execs) != 2 {
		t.Fatalf("%d executions (a second child?)", len(execs))
	}
}

// Redrive after a restart of an execution whose activity timed out: the
// failed task runs again and completes.
func TestRedriveActivityAfterRestart(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":5,"End":true}}}`
	ex := w.start("rd", def, `{"x":1}`)
	w.openTask(ex.Arn)
	w.advance(5 * time.Second)
	w.wait(ex.Arn, "FAILED")
	w.restart()
	if _, err := w.eng.Redrive(ctx, ex.Arn); err != nil {
		t.Fatal(err)
	}
	task, err := w.eng.GetActivityTask(ctx, actArn, "w")
	if err != nil || task == nil || task.Input != `{"x":1}` {
		t.Fatalf("%+v %v", task, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, task.Token, `"ok"`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.RedriveCount != 1 || done.Output != `"ok"` {
		t.Fatalf("%+v", done)
	}
	if len(w.allTimers()) != 0 {
		t.Fatalf("timers left: %+v", w.allTimers())
	}
}
