package engine_test

// Partitioned engines (a cluster's nodes): several engines on one SQLite
// store, each running the partitions it acquired.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

// cluster is partitioned engines sharing a SQLite store and a fake clock.
// Its world (w) gives the executors and the store helpers; w.eng is unset.
type cluster struct {
	w    *world
	engs []*engine.Engine
	// remote counts the calls made through Config.Remote.
	stops, delivers atomic.Int32
}

func newCluster(t *testing.T, n int) *cluster {
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(t0), execs: map[string]tasks.Executor{}}
	st, err := sqlite.Open(w.dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.st = st
	c := &cluster{w: w}
	for range n {
		c.add()
	}
	t.Cleanup(func() {
		for _, e := range c.engs {
			e.Close()
		}
		st.Close()
	})
	return c
}

// add starts one more engine, owning nothing.
func (c *cluster) add() *engine.Engine {
	cfg := serverConfig(c.w.st, c.w.clk, c.w)
	cfg.Partitioned = true
	cfg.Remote = remote{c}
	eng, err := engine.New(cfg)
	if err != nil {
		c.w.t.Fatal(err)
	}
	eng.SetChildren(router{c})
	if err := eng.Run(context.Background()); err != nil {
		c.w.t.Fatal(err)
	}
	c.engs = append(c.engs, eng)
	return eng
}

// newPair is a cluster of two engines, a owning every partition.
func newPair(t *testing.T) (c *cluster, a, b *engine.Engine) {
	c = newCluster(t, 2)
	a, b = c.engs[0], c.engs[1]
	if err := a.Acquire(context.Background(), partition.All); err != nil {
		t.Fatal(err)
	}
	return c, a, b
}

// owner is the engine that runs an execution's partition.
func (c *cluster) owner(arn string) *engine.Engine {
	for _, e := range c.engs {
		if e.Owned().Has(partition.Of(arn)) {
			return e
		}
	}
	c.w.t.Fatalf("no engine owns the partition of %s", arn)
	return nil
}

// remote is Config.Remote as a router makes it: the call goes to the
// owner.
type remote struct{ c *cluster }

func (r remote) Stop(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	r.c.stops.Add(1)
	return r.c.owner(arn).Stop(ctx, arn, errName, cause)
}

func (r remote) DeliverResult(ctx context.Context, token string, o engine.TaskOutcome) error {
	r.c.delivers.Add(1)
	arn, err := r.c.engs[0].TokenExecution(ctx, token)
	if err != nil {
		return err
	}
	return r.c.owner(arn).DeliverResult(ctx, token, o)
}

// router starts nested executions on the owner of their partition; a
// child's workflow is named in its task's parameters ("Workflow").
type router struct{ c *cluster }

func (r router) ChildOutcome(resource string, child *store.Execution, err error) engine.TaskOutcome {
	return childOutcome{}.ChildOutcome(resource, child, err)
}

func (r router) StartChild(ctx context.Context, req engine.ChildRequest) (*store.Execution, error) {
	p := req.Parameters.(map[string]any)
	input, _ := json.Marshal(p["Input"])
	wf := p["Workflow"].(string)
	sr := wfReq(wf, req.Name, p["StateMachineArn"].(string), string(input))
	ex, err := r.c.owner(sr.ExecutionArn).StartNested(ctx, sr, req.ParentToken)
	if isCode(err, apierr.ExecutionAlreadyExists) {
		return r.c.w.st.GetExecution(ctx, sr.ExecutionArn)
	}
	return ex, err
}

// wfReq starts a run of workflow wf.
func wfReq(wf, name, def, input string) engine.StartRequest {
	return engine.StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:" + wf + ":" + name,
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + wf, StateMachineName: wf,
		Name: name, Type: store.TypeStandard, Definition: def, Input: input}
}

func wfPart(wf string) int {
	return partition.Of("arn:aws:states:us-east-1:123456789012:stateMachine:" + wf)
}

// workflows returns n workflow names, each in a partition of its own.
func workflows(n int) []string {
	var out []string
	seen := map[int]bool{}
	for i := 0; len(out) < n; i++ {
		wf := fmt.Sprint("wf", i)
		if p := wfPart(wf); !seen[p] {
			seen[p] = true
			out = append(out, wf)
		}
	}
	return out
}

func wantNotOwner(t *testing.T, what string, err error) {
	t.Helper()
	e, ok := apierr.As(err)
	if !engine.IsNotOwner(err) || !ok || e.Status != http.StatusServiceUnavailable {
		t.Fatalf("%s: %v, want the not-owner error (503)", what, err)
	}
}

// An engine that owns no partition refuses calls on executions (the
// router forwards them) but runs Express executions; once it acquires
// their partition, it runs them.
func TestPartitionedEngineRefusesWhatItDoesNotOwn(t *testing.T) {
	c := newCluster(t, 1)
	e := c.engs[0]
	ctx := context.Background()
	if got := e.Owned(); got != 0 {
		t.Fatalf("owns %v before Acquire", got.List())
	}
	_, err := e.Start(ctx, wfReq("wf", "a", waitDef, `{}`))
	wantNotOwner(t, "Start", err)
	_, err = e.Stop(ctx, wfReq("wf", "a", waitDef, `{}`).ExecutionArn, "", "")
	wantNotOwner(t, "Stop", err)
	x := wfReq("wf", "sync", passChain, `{}`)
	x.Type = store.TypeExpress
	if done, err := e.StartSync(ctx, x); err != nil || done.Status != "SUCCEEDED" {
		t.Fatalf("StartSync: %v %v", done, err)
	}

	if err := e.Acquire(ctx, partition.SetOf(wfPart("wf"))); err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	ex, err := e.Start(ctx, wfReq("wf", "a", def, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	task := c.w.openTask(ex.Arn)
	if err := e.Release(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	if e.Owned() != 0 {
		t.Fatalf("owns %v after releasing all", e.Owned().List())
	}
	wantNotOwner(t, "SendTaskSuccess", e.SendTaskSuccess(ctx, task.Token, `{}`))
	wantNotOwner(t, "SendTaskHeartbeat", e.SendTaskHeartbeat(ctx, task.Token))
	if arn, err := e.TokenExecution(ctx, task.Token); err != nil || arn != ex.Arn {
		t.Fatalf("TokenExecution: %q %v, want the execution of any partition", arn, err)
	}
	_, err = e.Redrive(ctx, ex.Arn)
	wantNotOwner(t, "Redrive", err)
	_, err = e.ClaimActivityTask(ctx, task.Token, "w")
	wantNotOwner(t, "ClaimActivityTask", err)
}

// Two engines share the partitions of a few workflows: each resumes the
// timers and queued activity tasks of its own partitions only, and every
// execution completes once.
func TestTwoEnginesRunTheirPartitions(t *testing.T) {
	c := newCluster(t, 1)
	ctx := context.Background()
	first := c.engs[0]
	if err := first.Acquire(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	wfs := workflows(6)
	timed := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"T"},
	  "T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	queued := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	var arns []string
	for _, wf := range wfs {
		for _, r := range []struct{ name, def string }{{"timed", timed}, {"queued", queued}} {
			ex, err := first.Start(ctx, wfReq(wf, r.name, r.def, fmt.Sprintf(`{"wf":%q}`, wf)))
			if err != nil {
				t.Fatal(err)
			}
			arns = append(arns, ex.Arn)
			if r.name == "queued" {
				c.w.openTask(ex.Arn)
			}
		}
	}
	// The first engine leaves; two others share its partitions.
	if err := first.Release(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	first.Close()
	c.engs = nil
	a, b := c.add(), c.add()
	var setA partition.Set
	for i, wf := range wfs {
		if i%2 == 0 {
			setA = setA.With(wfPart(wf))
		}
	}
	if err := a.Acquire(ctx, setA); err != nil {
		t.Fatal(err)
	}
	if err := b.Acquire(ctx, partition.All&^setA); err != nil {
		t.Fatal(err)
	}
	if a.Owned() != setA || b.Owned() != partition.All&^setA {
		t.Fatalf("owned %v and %v", a.Owned().List(), b.Owned().List())
	}
	// work takes the activity tasks queued on an engine (n of them, all of
	// its partitions) and completes them.
	work := func(e *engine.Engine, other *engine.Engine, n int) {
		t.Helper()
		for range n {
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			task, err := e.GetActivityTask(pctx, actArn, "w")
			cancel()
			if err != nil || task == nil {
				t.Fatalf("GetActivityTask: %v %v", task, err)
			}
			if !e.Owned().Has(partition.Of(task.ExecutionArn)) {
				t.Fatalf("an engine got the task of %s, of a partition it does not own", task.ExecutionArn)
			}
			wantNotOwner(t, "a result sent to the other engine", other.SendTaskSuccess(ctx, task.Token, `{}`))
			if err := e.SendTaskSuccess(ctx, task.Token, task.Input); err != nil {
				t.Fatal(err)
			}
		}
	}
	half := len(wfs) / 2
	work(a, b, half)
	work(b, a, half)
	for i, arn := range arns {
		if i%2 == 1 {
			c.w.wait(arn, "SUCCEEDED")
		}
	}
	// The timers of both engines' partitions fire.
	deadline := time.Now().Add(10 * time.Second)
	for c.w.clk.Waiters() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the engines never waited on their timers")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	c.w.clk.Advance(10 * time.Second)
	work(a, b, half)
	work(b, a, half)
	want := map[bool]string{
		true:  "ExecutionStarted,WaitStateEntered,WaitStateExited,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded",
		false: "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded",
	}
	for i, arn := range arns {
		done := c.w.wait(arn, "SUCCEEDED")
		if !strings.Contains(done.Output, `"wf"`) {
			t.Errorf("%s: output %s", arn, done.Output)
		}
		if got := strings.Join(c.w.history(arn), ","); got != want[i%2 == 0] {
			t.Errorf("%s: history\n have %s\n want %s", arn, got, want[i%2 == 0])
		}
	}
}

// A partition released mid-run goes on on the engine that acquires it: its
// timer fires there, and its built-in task, cancelled by the release
// without recording anything, is lost there and retried.
func TestReleaseThenAcquireElsewhere(t *testing.T) {
	c, a, b := newPair(t)
	ctx := context.Background()
	var runs atomic.Int32
	started, cancelled := make(chan struct{}), make(chan struct{})
	c.w.execs["zz:slow"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if runs.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			close(cancelled)
			// A killed process fails: that must not be recorded.
			return nil, &tasks.Failure{Name: "Killed", Cause: "signal: killed"}
		}
		return "done", nil
	})
	slow := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:slow","Next":"W",
	  "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":2}]},
	  "W":{"Type":"Wait","Seconds":5,"End":true}}}`
	wfs := workflows(2)
	x, err := a.Start(ctx, wfReq(wfs[0], "task", slow, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	y, err := a.Start(ctx, wfReq(wfs[1], "timer", waitDef, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if busy := a.Busy(); busy != partition.SetOf(partition.Of(x.Arn)) {
		t.Fatalf("busy %v, want the task's partition %d", busy.List(), partition.Of(x.Arn))
	}
	if err := a.Release(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	<-cancelled
	if a.Busy() != 0 || a.Owned() != 0 {
		t.Fatalf("after the release: busy %v, owned %v", a.Busy().List(), a.Owned().List())
	}
	if err := b.Acquire(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	// The lost task fails on b; its retry waits a second, then Wait 5 s;
	// y waits an hour.
	c.w.advanceAfter(x.Arn, time.Second)
	eventually(t, "the retry", func() bool { return runs.Load() == 2 })
	c.w.advanceAfter(x.Arn, 5*time.Second)
	c.w.wait(x.Arn, "SUCCEEDED")
	c.w.clk.Advance(time.Hour)
	c.w.wait(y.Arn, "SUCCEEDED")
	got := strings.Join(c.w.history(x.Arn), ",")
	want := "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,WaitStateEntered,WaitStateExited,ExecutionSucceeded"
	if got != want {
		t.Fatalf("history\n have %s\n want %s", got, want)
	}
	evs, _, err := c.w.st.History(ctx, x.Arn, false, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type == "TaskFailed" && !strings.Contains(string(ev.Body), "Baton.TaskLost") {
			t.Fatalf("the task failed for another cause than its loss: %s", ev.Body)
		}
	}
	if got := strings.Join(c.w.history(y.Arn), ","); got != "ExecutionStarted,WaitStateEntered,WaitStateExited,ExecutionSucceeded" {
		t.Fatalf("history of the timer's run: %s", got)
	}
}

// ClaimActivityTask claims one queued task at once for a poll that came in
// elsewhere; nil when it is not queued (any more).
func TestClaimActivityTask(t *testing.T) {
	c, a, b := newPair(t)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","End":true}}}`
	ex, err := a.Start(ctx, wfReq("wf", "claim", def, `{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	task := c.w.openTask(ex.Arn)
	_, err = b.ClaimActivityTask(ctx, task.Token, "w1")
	wantNotOwner(t, "a claim on an engine that does not own the task", err)
	got, err := a.ClaimActivityTask(ctx, task.Token, "w1")
	if err != nil || got == nil || got.Token != task.Token || got.WorkerName != "w1" || got.State != store.TaskStarted || got.Input != `{"n":1}` {
		t.Fatalf("claim: %+v %v", got, err)
	}
	if again, err := a.ClaimActivityTask(ctx, task.Token, "w2"); again != nil || err != nil {
		t.Fatalf("second claim: %+v %v", again, err)
	}
	if none, err := a.ClaimActivityTask(ctx, strings.Repeat("ab", 24), "w2"); none != nil || err != nil {
		t.Fatalf("claim of an unknown token: %+v %v", none, err)
	}
	if err := a.SendTaskSuccess(ctx, task.Token, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	c.w.wait(ex.Arn, "SUCCEEDED")
	if got := strings.Join(c.w.history(ex.Arn), ","); !strings.Contains(got, "ActivityScheduled,ActivityStarted,ActivitySucceeded") {
		t.Fatalf("history %s", got)
	}
}

// A nested execution of another node's partition: its end reaches its
// parent, and the stop of its parent's task reaches it, through Remote.
func TestChildOfAnotherPartitionGoesThroughRemote(t *testing.T) {
	c := newCluster(t, 2)
	ctx := context.Background()
	a, b := c.engs[0], c.engs[1]
	wfs := workflows(2)
	parentWf, childWf := wfs[0], wfs[1]
	if err := a.Acquire(ctx, partition.SetOf(wfPart(parentWf))); err != nil {
		t.Fatal(err)
	}
	if err := b.Acquire(ctx, partition.All&^a.Owned()); err != nil {
		t.Fatal(err)
	}
	parentDef := func(child string) string {
		return fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		  "Parameters":{"StateMachineArn":%q,"Workflow":%q,"Input":{"c":1}},"OutputPath":"$.Output","End":true}}}`, child, childWf)
	}
	// The child's end completes its parent, elsewhere. The child waits on
	// a timer, so that it still runs when its start answers the parent
	// (a child already ended by then completes the parent from that
	// answer, and its owner finds no open task to report to).
	const waitThenPass = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"P"},"P":{"Type":"Pass","Result":{"n":1},"End":true}}}`
	ex, err := a.Start(ctx, wfReq(parentWf, "p1", parentDef(waitThenPass), `{}`))
	if err != nil {
		t.Fatal(err)
	}
	task := c.w.openTask(ex.Arn)
	childArn := wfReq(childWf, "baton-"+task.Token[:32], "", "").ExecutionArn
	c.w.advanceAfter(childArn, 10*time.Second)
	done := c.w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"n":1}` {
		t.Fatalf("output %s", done.Output)
	}
	if c.delivers.Load() == 0 {
		t.Fatal("the child's end did not go through Remote.DeliverResult")
	}
	// Stopping the parent stops its child, elsewhere.
	ex, err = a.Start(ctx, wfReq(parentWf, "p2", parentDef(waitDef), `{}`))
	if err != nil {
		t.Fatal(err)
	}
	task = c.w.openTask(ex.Arn)
	childArn = wfReq(childWf, "baton-"+task.Token[:32], "", "").ExecutionArn
	c.w.wait(childArn, "RUNNING")
	_, err = b.Stop(ctx, ex.Arn, "Manual", "stop")
	wantNotOwner(t, "a stop on the engine of the child", err)
	if _, err := a.Stop(ctx, ex.Arn, "Manual", "stop"); err != nil {
		t.Fatal(err)
	}
	c.w.wait(ex.Arn, "ABORTED")
	c.w.wait(childArn, "ABORTED")
	if c.stops.Load() == 0 {
		t.Fatal("the child's stop did not go through Remote.Stop")
	}
}

// advanceAfter moves the fake clock once the store holds a timer of arn
// (the engine armed it).
func (w *world) advanceAfter(arn string, d time.Duration) {
	w.t.Helper()
	eventually(w.t, "a timer of "+arn, func() bool { return len(w.timersOf(arn)) > 0 })
	w.clk.Advance(d)
}

// gatedStore holds the Commits that arrive while hold is set until gate
// is closed, telling entered of each.
type gatedStore struct {
	store.Store
	hold    atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedStore) Commit(ctx context.Context, trs []*store.Transition) error {
	if g.hold.Load() {
		g.entered <- struct{}{}
		<-g.gate
	}
	return g.Store.Commit(ctx, trs)
}

// A partition given up to rebalance (ReleaseIdle) is kept while a built-in
// task of it is about to run (scheduled, its transition not yet stored) or
// runs: moved, the task would be failed as lost by its next owner, having
// never run or been killed.
func TestReleaseIdleKeepsPartitionsWithBuiltinTasks(t *testing.T) {
	c := newCluster(t, 0)
	ctx := context.Background()
	g := &gatedStore{Store: c.w.st, entered: make(chan struct{}, 8), gate: make(chan struct{})}
	cfg := serverConfig(g, c.w.clk, c.w)
	cfg.Partitioned = true
	a, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.Acquire(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	finish := make(chan struct{})
	cancelled := make(chan struct{}, 1)
	c.w.execs["zz:work"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		runs.Add(1)
		select {
		case <-finish:
			return "done", nil
		case <-ctx.Done():
			cancelled <- struct{}{}
			return nil, ctx.Err()
		}
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:work","End":true}}}`
	wf := workflows(1)[0]
	p := wfPart(wf)
	// The start (which schedules the task) waits in the store.
	g.hold.Store(true)
	started := make(chan error, 1)
	go func() {
		_, err := a.Start(ctx, wfReq(wf, "x", def, `{}`))
		started <- err
	}()
	<-g.entered
	g.hold.Store(false)
	released := make(chan partition.Set, 1)
	go func() {
		got, err := a.ReleaseIdle(ctx, partition.All)
		if err != nil {
			t.Error(err)
		}
		released <- got
	}()
	eventually(t, "the release of the idle partitions", func() bool { return a.Owned() == partition.SetOf(p) })
	close(g.gate)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if got := <-released; got != partition.All.Without(p) {
		t.Fatalf("ReleaseIdle released %d partitions; want all but %d, whose task was scheduled", got.Len(), p)
	}
	eventually(t, "the task's run", func() bool { return runs.Load() == 1 })
	// It runs: still kept, and not cancelled.
	if got, err := a.ReleaseIdle(ctx, partition.SetOf(p)); err != nil || got != 0 {
		t.Fatalf("ReleaseIdle while the task runs: %v %v", got.List(), err)
	}
	select {
	case <-cancelled:
		t.Fatal("the running task was cancelled")
	default:
	}
	close(finish)
	c.w.wait(wfReq(wf, "x", def, `{}`).ExecutionArn, "SUCCEEDED")
	eventually(t, "an idle partition", func() bool { return a.Busy() == 0 })
	if got, err := a.ReleaseIdle(ctx, partition.SetOf(p)); err != nil || got != partition.SetOf(p) {
		t.Fatalf("ReleaseIdle once idle: %v %v", got.List(), err)
	}
	if a.Owned() != 0 || runs.Load() != 1 {
		t.Fatalf("owned %v, runs %d", a.Owned().List(), runs.Load())
	}
}
