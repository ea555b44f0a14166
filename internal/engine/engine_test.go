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

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

const smArn = "arn:aws:states:us-east-1:123456789012:stateMachine:test"

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// world is an engine on a real SQLite store and a fake clock.
type world struct {
	t     *testing.T
	dir   string
	st    *sqlite.Store
	eng   *engine.Engine
	clk   *clock.Fake
	execs map[string]tasks.Executor
	wrap  func(store.Store) store.Store // when set, the engine's store is wrap(st)
	tune  func(*engine.Config)          // changes the engine's configuration (tests of limits)
}

func newWorld(t *testing.T) *world { return newTunedWorld(t, nil) }

func newTunedWorld(t *testing.T, tune func(*engine.Config)) *world {
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(t0), execs: map[string]tasks.Executor{}, tune: tune}
	w.open()
	t.Cleanup(func() { w.close() })
	return w
}

func (w *world) open() {
	st, err := sqlite.Open(w.dir, sqlite.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	var es store.Store = st
	if w.wrap != nil {
		es = w.wrap(st)
	}
	cfg := serverConfig(es, w.clk, w)
	if w.tune != nil {
		w.tune(&cfg)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	eng.SetChildren(starter{w: w})
	w.eng = eng // before Run: recovery may start nested executions through it
	if err := eng.Run(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) close() {
	if w.eng != nil {
		w.eng.Close()
		w.st.Close()
		w.eng = nil
	}
}

// restart stops the engine and starts a new one on the same store.
func (w *world) restart() {
	w.close()
	w.open()
}

func (w *world) Executor(resource, state string) (tasks.Executor, error) {
	if ex, ok := w.execs[resource]; ok {
		return ex, nil
	}
	return nil, &tasks.NoExecutorError{Resource: resource}
}

type starter struct {
	childOutcome
	w *world
}

func (s starter) StartChild(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	p := req.Parameters.(map[string]any)
	def := p["StateMachineArn"].(string) // tests pass the definition itself
	input, _ := json.Marshal(p["Input"])
	return s.w.eng.Start(ctx, engine.StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:child:" + req.Name,
		StateMachineArn: smArn + "child", Name: req.Name, Type: store.TypeStandard, Definition: def, Input: string(input)})
}

func (w *world) start(name, def, input string) *store.Execution {
	w.t.Helper()
	ex, err := w.eng.Start(context.Background(), w.req(name, def, input))
	if err != nil {
		w.t.Fatal(err)
	}
	return ex
}

func (w *world) req(name, def, input string) engine.StartRequest {
	return engine.StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:test:" + name,
		StateMachineArn: smArn, StateMachineName: "test", Name: name, Type: store.TypeStandard, Definition: def, Input: input}
}

// wait polls the store until the execution has the status.
func (w *world) wait(arn, status string) *store.Execution {
	w.t.Helper()
	return w.waitUpTo(arn, status, 10*time.Second)
}

// waitUpTo is wait with its own deadline, for the tests of very wide
// executions, which a loaded machine running the race detector makes slow.
func (w *world) waitUpTo(arn, status string, d time.Duration) *store.Execution {
	w.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ex, err := w.st.GetExecution(context.Background(), arn)
		if err == nil && ex.Status == status {
			return ex
		}
		if time.Now().After(deadline) {
			got := "<none>"
			if ex != nil {
				got = ex.Status + " " + ex.Error + " " + ex.Cause
			}
			w.t.Fatalf("%s: want %s, have %s", arn, status, got)
		}
		time.Sleep(2 * time.Millisecond) // polling the store with a deadline
	}
}

// history returns the event types and checks the ids run 1..n without gaps.
func (w *world) history(arn string) []string {
	w.t.Helper()
	var types []string
	page := store.Page{Limit: 1000}
	for id := int64(1); ; {
		evs, next, err := w.st.History(context.Background(), arn, false, page)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range evs {
			if e.ID != id {
				w.t.Fatalf("history of %s: event %d has id %d", arn, id, e.ID)
			}
			id++
			types = append(types, e.Type)
		}
		if next == "" {
			return types
		}
		page.Token = next
	}
}

// openTask polls until the store holds exactly one task of the execution.
func (w *world) openTask(arn string) *store.Task {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts, err := w.st.OpenTasks(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		for _, t := range ts {
			if t.ExecutionArn == arn {
				return t
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no open task for %s", arn)
		}
		time.Sleep(2 * time.Millisecond) // polling the store with a deadline
	}
}

// advance moves the fake clock once the engine waits on it.
func (w *world) advance(d time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for w.clk.Waiters() == 0 {
		if time.Now().After(deadline) {
			w.t.Fatal("the engine never waited on the clock")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	w.clk.Advance(d)
}

const passChain = `{"StartAt":"A","States":{
 "A":{"Type":"Pass","Result":{"n":1},"Next":"B"},
 "B":{"Type":"Pass","ResultPath":"$.b","Next":"C"},
 "C":{"Type":"Succeed"}}}`

func TestPassChain(t *testing.T) {
	w := newWorld(t)
	ex := w.start("one", passChain, `{}`)
	if ex.Status != "RUNNING" && ex.Status != "SUCCEEDED" {
		t.Fatalf("status %s", ex.Status)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"b":{"n":1},"n":1}` {
		t.Fatalf("output %s", done.Output)
	}
	got := strings.Join(w.history(ex.Arn), ",")
	want := "ExecutionStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"
	if got != want {
		t.Fatalf("history\n have %s\n want %s", got, want)
	}
}

func TestSameNameStart(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	a := w.start("dup", def, `{"x":1}`)
	b := w.start("dup", def, `{"x":1}`)
	if a.Arn != b.Arn || !a.StartDate.Equal(b.StartDate) {
		t.Fatalf("same name and input: %v %v", a, b)
	}
	_, err := w.eng.Start(context.Background(), w.req("dup", def, `{"x":2}`))
	if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionAlreadyExists {
		t.Fatalf("different input: %v", err)
	}
	// Still refused after a restart, when the execution is no longer in memory.
	w.restart()
	_, err = w.eng.Start(context.Background(), w.req("dup", def, `{"x":2}`))
	if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionAlreadyExists {
		t.Fatalf("after restart: %v", err)
	}
}

// waitTimer polls the store until a timer is armed.
func (w *world) waitTimer() {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := 0
		if err := w.st.Timers(context.Background(), func(store.Timer) error { n++; return nil }); err != nil {
			w.t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatal("no timer was armed")
		}
		time.Sleep(2 * time.Millisecond) // polling the store with a deadline
	}
}

// openNothing waits until the execution is stored RUNNING.
func (w *world) openNothing(arn string) { w.wait(arn, "RUNNING") }

func TestStop(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	ex := w.start("stop", def, `{}`)
	w.restart()
	got, err := w.eng.Stop(context.Background(), ex.Arn, "Manual", "by test")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "ABORTED" {
		t.Fatalf("status %s", got.Status)
	}
	done := w.wait(ex.Arn, "ABORTED")
	if done.Error != "Manual" || done.Cause != "by test" || done.StopDate.IsZero() {
		t.Fatalf("%+v", done)
	}
	hist := w.history(ex.Arn)
	if hist[len(hist)-1] != "ExecutionAborted" {
		t.Fatalf("history %v", hist)
	}
	// Timers and tasks are gone.
	n := 0
	w.st.Timers(context.Background(), func(store.Timer) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d timers left", n)
	}
	_, err = w.eng.Stop(context.Background(), ex.Arn+"x", "", "")
	if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionDoesNotExist {
		t.Fatalf("unknown: %v", err)
	}
}

func TestExpressSync(t *testing.T) {
	w := newWorld(t)
	req := w.req("exp", passChain, `{"a":1}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:exp:1234"
	ex, err := w.eng.StartSync(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Status != "SUCCEEDED" || ex.Output != `{"b":{"n":1},"n":1}` {
		t.Fatalf("%s %s", ex.Status, ex.Output)
	}
	stored := w.wait(req.ExecutionArn, "SUCCEEDED")
	if stored.Type != store.TypeExpress || stored.Output != ex.Output {
		t.Fatalf("%+v", stored)
	}
}

func TestExpressTimeout(t *testing.T) {
	w := newWorld(t)
	req := w.req("exp", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`)
	req.Type = store.TypeExpress
	req.ExecutionArn = "arn:aws:states:us-east-1:123456789012:express:test:exp:1"
	var wg sync.WaitGroup
	wg.Add(1)
	var ex *store.Execution
	var err error
	go func() {
		defer wg.Done()
		ex, err = w.eng.StartSync(context.Background(), req)
	}()
	w.advance(5 * time.Minute)
	wg.Wait()
	if err != nil || ex.Status != "TIMED_OUT" {
		t.Fatalf("%v %v", ex, err)
	}
}

func TestManyConcurrent(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.eng.Start(context.Background(), w.req(fmt.Sprint("c", i), passChain, `{}`))
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range 200 {
		w.wait("arn:aws:states:us-east-1:123456789012:execution:test:c"+fmt.Sprint(i), "SUCCEEDED")
	}
}

var _ = errors.New

func TestRedrive(t *testing.T) {
	w := newWorld(t)
	var calls atomic.Int32
	w.execs["zz:once"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if calls.Add(1) == 1 {
			return nil, &tasks.Failure{Name: "Boom", Cause: "first time"}
		}
		return "ok", nil
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.p","Next":"T"},"T":{"Type":"Task","Resource":"zz:once","End":true}}}`
	ex := w.start("redrive", def, `{}`)
	w.wait(ex.Arn, "FAILED")
	_, err := w.eng.Redrive(context.Background(), ex.Arn+"x")
	if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionDoesNotExist {
		t.Fatalf("unknown: %v", err)
	}
	w.restart()
	got, err := w.eng.Redrive(context.Background(), ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if got.RedriveCount != 1 || got.RedriveDate.IsZero() {
		t.Fatalf("%+v", got)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `"ok"` || done.RedriveCount != 1 || done.Error != "" {
		t.Fatalf("%+v", done)
	}
	hist := strings.Join(w.history(ex.Arn), ",")
	if !strings.Contains(hist, "ExecutionFailed,ExecutionRedriven,TaskStateEntered") || strings.Count(hist, "PassStateEntered") != 1 {
		t.Fatalf("history %s", hist)
	}
	_, err = w.eng.Redrive(context.Background(), ex.Arn)
	if e, ok := apierr.As(err); !ok || e.Code != apierr.ExecutionNotRedrivable {
		t.Fatalf("succeeded: %v", err)
	}
}

// TestJSONataMachine runs a JSONata state machine durably: Arguments to a
// task, Output from its result, a variable, and a Wait whose Seconds is an
// expression, across a restart.
func TestJSONataMachine(t *testing.T) {
	w := newWorld(t)
	w.execs["zz:double"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		n := r.Input.(map[string]any)["n"]
		return map[string]any{"doubled": n.(int64) * 2}, nil
	})
	def := `{"QueryLanguage":"JSONata","StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"zz:double","Arguments":{"n":"{% $states.input.x %}"},
	       "Assign":{"was":"{% $states.input.x %}"},"Output":"{% $states.result.doubled %}","Next":"W"},
	  "W":{"Type":"Wait","Seconds":"{% $states.input * 10 %}","Next":"P"},
	  "P":{"Type":"Pass","Output":{"from":"{% $was %}","to":"{% $states.input %}"},"End":true}}}`
	ex := w.start("jsonata", def, `{"x":3}`)
	w.waitTimer() // in the Wait state: the task is done
	w.restart()
	w.advance(60 * time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"from":3,"to":6}` {
		t.Fatalf("output %s", done.Output)
	}
}

// TestRunawayExecutionStopped: with the history limit lifted, an endless
// Pass/Choice loop is stopped after MaxStepTime instead of holding up the
// engine, and other executions go on.
func TestRunawayExecutionStopped(t *testing.T) {
	w := newTunedWorld(t, func(c *engine.Config) { withASL(c, noHistoryLimit); c.MaxStepTime = 50 * time.Millisecond })
	ex := w.start("runaway", endlessLoop, `{}`)
	done := w.wait(ex.Arn, "ABORTED")
	if done.Error != engine.ErrRunaway {
		t.Fatalf("%s: %s", done.Error, done.Cause)
	}
	other := w.start("other", passChain, `{}`)
	w.wait(other.Arn, "SUCCEEDED")
}
