package engine

// White-box tests of what the loop keeps in memory (activity queues and
// waiters, loading entries, nested executions' entries): they look at the
// loop's state through inputs run by the loop itself (func() inputs), so
// they are race-free.

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

type iworld struct {
	execs map[string]tasks.Executor
	t     *testing.T
	st    *sqlite.Store
	hs    *faulty.Store
	e     *Engine
	clk   *clock.Fake
}

func newIWorld(t *testing.T) *iworld { return newTunedIWorld(t, nil) }

// newTunedIWorld is an iworld whose engine's configuration tune changes
// (its store among others: w.hs by default).
func newTunedIWorld(t *testing.T, tune func(w *iworld, c *Config)) *iworld {
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := &iworld{t: t, st: st, hs: faulty.New(st), clk: clock.NewFake(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))}
	w.execs = map[string]tasks.Executor{}
	cfg := Config{Store: w.hs, Clock: w.clk, Workers: 4, Executors: w, Classify: iclassify,
		Languages: map[string]workflow.Language{"asl": asl.NewLanguage(asl.LanguageOptions{Options: asl.Options{MaxHistoryEvents: asl.DefaultMaxHistoryEvents}})}}
	if tune != nil {
		tune(w, &cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.e = e
	t.Cleanup(func() { e.Close(); st.Close() })
	return w
}

func (w *iworld) Executor(resource, state string) (tasks.Executor, error) {
	if ex, ok := w.execs[resource]; ok {
		return ex, nil
	}
	return nil, &tasks.NoExecutorError{Resource: resource}
}

// inLoop runs fn on the loop goroutine and waits for it.
func (w *iworld) inLoop(fn func()) {
	w.t.Helper()
	done := make(chan struct{})
	if err := w.e.send(context.Background(), func() { fn(); close(done) }); err != nil {
		w.t.Fatal(err)
	}
	<-done
}

// until polls a condition evaluated on the loop.
func (w *iworld) until(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		w.inLoop(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

const iAct = "arn:aws:states:us-east-1:123456789012:activity:ireview"

// iclassify tells how the resources of these tests run, as the server's
// classifier does (service.TaskClassifier, which tests of this package
// cannot import).
func iclassify(_, r string) TaskClass {
	switch {
	case strings.HasPrefix(r, "arn:aws:states:us-east-1:123456789012:activity:"):
		return TaskClass{Kind: store.TaskActivity, Queue: r}
	case strings.HasPrefix(r, "arn:aws:states:::states:startExecution.sync"):
		return TaskClass{Kind: store.TaskChild, WaitChild: true}
	case strings.HasSuffix(r, ".waitForTaskToken"):
		return TaskClass{Kind: store.TaskCallback, Run: strings.TrimSuffix(r, ".waitForTaskToken")}
	}
	return TaskClass{Kind: store.TaskBuiltin}
}

func (w *iworld) req(name, def string) StartRequest {
	return StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:t:" + name,
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:t", StateMachineName: "t",
		Name: name, Type: store.TypeStandard, Definition: def, Input: `{}`}
}

func (w *iworld) start(name, def string) *store.Execution {
	w.t.Helper()
	ex, err := w.e.Start(context.Background(), w.req(name, def))
	if err != nil {
		w.t.Fatal(err)
	}
	return ex
}

const iActDef = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + iAct + `","End":true}}}`

// A GetActivityTask whose waiter is handed a stale queue entry (the task of
// a stopped execution) while that execution loads, and whose worker gives
// up meanwhile: once the claim fails (the task is no longer open), the
// withdrawn waiter is answered, not put back on the queue, so
// GetActivityTask returns and the next task goes to a live worker.
func TestWithdrawnWorkerIsNotRequeuedAfterAFailedClaim(t *testing.T) {

	w := newIWorld(t)
	ex := w.start("stale", iActDef)
	w.until("the queued task", func() bool { q := w.e.activity[iAct]; return q != nil && len(q.tasks) == 1 })
	var stale *store.Task
	w.inLoop(func() { stale = w.e.activity[iAct].tasks[0].task })
	if _, err := w.e.Stop(context.Background(), ex.Arn, "", ""); err != nil {
		t.Fatal(err)
	}
	w.until("eviction", func() bool { _, ok := w.e.live[ex.Arn]; return !ok })
	// Stopping drops the queue entry; put a stale one back, as a claim can
	// still find its task gone.
	w.inLoop(func() {
		q := w.e.activity[iAct]
		q.tasks = append(q.tasks, &activityEntry{task: stale})
	})

	entered := make(chan struct{})
	release := make(chan struct{})
	var once atomic.Bool
	w.hs.SetHook("GetExecution", func(ctx context.Context, arn string) error {
		if arn == ex.Arn && once.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *store.Task, 1)
	go func() {
		task, _ := w.e.GetActivityTask(ctx, iAct, "dead-worker")
		got <- task
	}()
	<-entered // the stale entry is being claimed for our waiter
	cancel()
	// GetActivityTask withdraws (unpollIn) once it sees its context done;
	// wait until the loop has taken it (nothing but the withdrawal is sent).
	w.until("the withdrawal", func() bool { return len(w.e.in) == 0 })
	w.inLoop(func() {}) // and handled it
	close(release)

	deadline := time.After(2 * time.Second)
	select {
	case <-got:
		return // answered: correct
	case <-deadline:
	}
	// Worse: the next task goes to the dead waiter.
	ex2 := w.start("fresh", iActDef)
	_ = ex2
	select {
	case task := <-got:
		t.Fatalf("GetActivityTask withdrawn before the claim failed hung, then got a later task %s", task.Token)
	case <-time.After(2 * time.Second):
		t.Fatal("GetActivityTask withdrawn before the claim failed never returned")
	}
}

// StopExecution of a name that does not exist yet puts a loading entry in
// memory; a StartExecution of that name arriving while it loads starts the
// execution (it once got the load's store.ErrNotFound).
func TestStartWhileAStopOfTheSameNameLoads(t *testing.T) {

	w := newIWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	req := w.req("racy", def)
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	w.hs.SetHook("GetExecution", func(ctx context.Context, arn string) error {
		if arn != req.ExecutionArn || calls.Add(1) != 1 {
			return nil
		}
		close(entered) // the loader for Stop
		<-release
		return fmt.Errorf("execution %q: %w", arn, store.ErrNotFound)
	})
	stopErr := make(chan error, 1)
	go func() {
		_, err := w.e.Stop(context.Background(), req.ExecutionArn, "", "")
		stopErr <- err
	}()
	<-entered
	startRes := make(chan error, 1)
	go func() {
		_, err := w.e.Start(context.Background(), req)
		startRes <- err
	}()
	w.until("Start queued behind the load", func() bool {
		l := w.e.live[req.ExecutionArn]
		return l != nil && len(l.waiting) == 2
	})
	close(release)
	if err := <-stopErr; err == nil {
		t.Fatal("stop of an unknown execution succeeded")
	} else if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionDoesNotExist {
		t.Fatalf("stop: %v", err)
	}
	if err := <-startRes; err != nil {
		t.Fatalf("StartExecution of a new name failed: %v", err)
	}
}

// A stopped execution's queued activity task leaves the in-memory queue at
// once, without waiting for a worker to poll that activity, so queues of
// stopped (or timed-out) tasks do not grow without workers.
func TestStoppedActivityTaskLeavesTheQueue(t *testing.T) {

	w := newIWorld(t)
	for i := range 200 {
		ex := w.start(fmt.Sprint("q", i), iActDef)
		if _, err := w.e.Stop(context.Background(), ex.Arn, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	var n, live int
	w.inLoop(func() {
		if q := w.e.activity[iAct]; q != nil {
			n = len(q.tasks)
			live = n - q.dead
		}
		live += len(w.e.queued)
	})
	// Cancelled entries are marked dead at once and compacted away in
	// bulk, so the queue stays bounded.
	if live != 0 || n > 65 {
		t.Fatalf("%d live and %d entries of stopped executions are still queued in memory", live, n)
	}
}

// ichildren starts nested executions as the server does (by definition
// text passed as StateMachineArn, for tests).
type ichildren struct{ w *iworld }

func (c ichildren) StartChild(ctx context.Context, req ChildRequest) (*store.Execution, error) {
	p := req.Parameters.(map[string]any)
	def := p["StateMachineArn"].(string)
	sr := StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:child:" + req.Name,
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:child", StateMachineName: "child",
		Name: req.Name, Type: store.TypeStandard, Definition: def, Input: `{}`}
	ex, err := c.w.e.StartNested(ctx, sr, req.ParentToken)
	if e, ok := apierr.As(err); ok && e.Code == apierr.ExecutionAlreadyExists {
		if old, gerr := c.w.st.GetExecution(ctx, sr.ExecutionArn); gerr == nil {
			return old, nil
		}
	}
	return ex, err
}

// ChildOutcome is the child's status and output, or its error.
func (ichildren) ChildOutcome(_ string, child *store.Execution, err error) TaskOutcome {
	switch {
	case err != nil:
		return TaskOutcome{Error: ErrTaskFailed, Cause: err.Error()}
	case child.Status == workflow.StatusFailed:
		return TaskOutcome{Error: ErrTaskFailed, Cause: child.Error}
	}
	return TaskOutcome{OK: true, Output: map[string]any{"Status": child.Status, "Output": child.Output}}
}

func (w *iworld) waitStatus(arn, status string) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ex, err := w.st.GetExecution(context.Background(), arn)
		if err == nil && ex.Status == status {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: want %s, have %+v %v", arn, status, ex, err)
		}
		time.Sleep(time.Millisecond) // polling the store with a deadline
	}
}

// advanceUntil moves the fake clock a second at a time until cond holds.
func (w *iworld) advanceUntil(cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatal("advanceUntil: timed out")
		}
		w.clk.Advance(time.Second)
		w.inLoop(func() {})
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// A .sync child that ends at once: its parent gets the outcome (from startChild
// or reportToParent) and e.children keeps no entry for the task.
func TestFastSyncChildLeavesNoChildrenEntry(t *testing.T) {
	w := newIWorld(t)
	w.e.SetChildren(ichildren{w})
	child := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
	  "Parameters":{"StateMachineArn":%q},"End":true}}}`, child)
	for i := range 10 {
		ex := w.start(fmt.Sprint("p", i), def)
		w.waitStatus(ex.Arn, "SUCCEEDED")
	}
	// startChild may still be finishing: give it a moment through the loop.
	var n int
	deadline := time.Now().Add(time.Second)
	for {
		w.e.tokensMu.Lock()
		n = len(w.e.children)
		w.e.tokensMu.Unlock()
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	if n != 0 {
		t.Fatalf("%d entries left in e.children after every parent ended", n)
	}
}

// After a mix of executions has ended (built-in tasks with retries and
// timeouts, activities, callbacks, .sync children, Express with a failing
// Parallel, stops), nothing of them is left: not in memory (live, running
// tasks, children, Express tokens, timer heap, activity queues) nor in the
// store (tasks, timers).
func TestNothingLeftAfterMixedExecutionsEnd(t *testing.T) {
	w := newIWorld(t)
	w.e.SetChildren(ichildren{w})
	ctx := context.Background()
	var slowRuns atomic.Int32
	w.execs["zz:ok"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) { return "ok", nil })
	w.execs["zz:fail"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		return nil, &tasks.Failure{Name: "Nope", Cause: "no"}
	})
	w.execs["zz:block"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	w.execs["zz:slowfirst"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if slowRuns.Add(1) == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return "second", nil
	})
	var arns []string
	add := func(name, def string) {
		arns = append(arns, w.start(name, def).Arn)
	}
	add("builtin", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:ok","End":true}}}`)
	add("retry", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:fail","Retry":[{"ErrorEquals":["Nope"],"IntervalSeconds":1,"MaxAttempts":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}`)
	add("timeout", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:slowfirst","TimeoutSeconds":5,"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1}],"End":true}}}`)
	add("act", iActDef)
	add("cb", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"HeartbeatSeconds":100,"End":true}}}`)
	add("child", fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":%q},"End":true}}}`,
		`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"End":true}}}`))
	stopped := w.start("stopme", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","TimeoutSeconds":1000,"End":true}}},
	  {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+iAct+`x","End":true}}},
	  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1000,"End":true}}}],"End":true}}}`).Arn

	xreq := w.req("exp", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"zz:block","End":true}}},
	  {"StartAt":"F","States":{"F":{"Type":"Task","Resource":"zz:fail","End":true}}}],"End":true}}}`)
	xreq.Type = store.TypeExpress
	xreq.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:t:exp:1"
	xex, err := w.e.StartSync(ctx, xreq)
	if err != nil || xex.Status != "FAILED" || xex.Error != "Nope" {
		t.Fatalf("express: %+v %v", xex, err)
	}

	// The activity.
	task, err := w.e.GetActivityTask(ctx, iAct, "w1")
	if err != nil || task == nil {
		t.Fatalf("activity: %v %v", task, err)
	}
	if err := w.e.SendTaskSuccess(ctx, task.Token, `{"done":1}`); err != nil {
		t.Fatal(err)
	}
	// The callback.
	var cbTok string
	deadline := time.Now().Add(5 * time.Second)
	for cbTok == "" {
		ts, _ := w.st.OpenTasks(ctx)
		for _, tk := range ts {
			if tk.Kind == store.TaskCallback {
				cbTok = tk.Token
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no callback task")
		}
		time.Sleep(time.Millisecond) // polling the store with a deadline
	}
	if err := w.e.SendTaskHeartbeat(ctx, cbTok); err != nil {
		t.Fatal(err)
	}
	if err := w.e.SendTaskSuccess(ctx, cbTok, `"cb"`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.Stop(ctx, stopped, "Manual", ""); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(stopped, "ABORTED")
	// Timers: retry back-off, task timeout then its retry, the child's Wait.
	w.advanceUntil(func() bool {
		for _, a := range arns {
			ex, err := w.st.GetExecution(ctx, a)
			if err != nil || ex.Status != "SUCCEEDED" {
				return false
			}
		}
		return true
	})
	deadline = time.Now()
	w.until("nothing in memory", func() bool {
		e := w.e
		e.tokensMu.Lock()
		mem, ch := len(e.memTasks), len(e.children)
		e.tokensMu.Unlock()
		queued := 0
		for arn, q := range e.activity {
			queued += len(q.waiters)
			if arn != iAct+"x" { // the stopped task's entry stays: TestBug_StoppedActivityTaskStaysQueuedInMemory
				queued += len(q.tasks)
			}
		}
		ok := len(e.live) == 0 && len(e.running) == 0 && mem == 0 && ch == 0 && e.timers.Len() == 0 && queued == 0
		if !ok && time.Since(deadline) > 4900*time.Millisecond {
			t.Logf("live %d running %d memTasks %d children %d timers %d queued %d", len(e.live), len(e.running), mem, ch, e.timers.Len(), queued)
		}
		return ok
	})
	ts, _ := w.st.OpenTasks(ctx)
	if len(ts) != 0 {
		t.Fatalf("open tasks left: %+v", ts[0])
	}
	n := 0
	w.st.Timers(ctx, func(store.Timer) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d timers left in the store", n)
	}
}

// A workflow's limit is read from the store while one of its runs is being
// loaded (a placeholder without a row): the read counts it as the store
// says, and does not crash (the server panicked at start with queued runs).
func TestLimitReadWhileARunLoads(t *testing.T) {
	w := newIWorld(t)
	ex := w.start("waiting", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	w.inLoop(func() {
		was, ok := w.e.live[ex.Arn]
		defer func() {
			if ok {
				w.e.live[ex.Arn] = was
			} else {
				delete(w.e.live, ex.Arn)
			}
		}()
		w.e.live[ex.Arn] = &live{arn: ex.Arn, loading: true} // as startLoad leaves it
		lim, err := w.e.limitOf(ex.StateMachineArn, 1, workflow.LimitQueue)
		if err != nil {
			t.Error(err)
			return
		}
		if _, ok := lim.running[ex.Arn]; !ok || len(lim.running) != 1 {
			t.Errorf("running %v, want the loading run, as the store has it", lim.running)
		}
		delete(w.e.limits, ex.StateMachineArn)
	})
}
