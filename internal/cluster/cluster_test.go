package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// world is a fake store: the partitions' lease holders and the live nodes.
type world struct {
	mu     sync.Mutex
	holder [partition.Count]string
	addr   map[string]string // live nodes
	tasks  map[string]*store.Task
}

func newWorld() *world {
	return &world{addr: map[string]string{}, tasks: map[string]*store.Task{}}
}

type member struct {
	w    *world
	self string
}

func (m member) Acquire(_ context.Context, p int) (bool, error) {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	if m.w.holder[p] == "" {
		m.w.holder[p] = m.self
	}
	return m.w.holder[p] == m.self, nil
}

func (m member) Release(_ context.Context, p int) error {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	if m.w.holder[p] == m.self {
		m.w.holder[p] = ""
	}
	return nil
}

func (m member) Held() partition.Set {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	var s partition.Set
	for p, h := range m.w.holder {
		if h == m.self {
			s = s.With(p)
		}
	}
	return s
}

// die ends a node's session: the database frees its leases.
func (w *world) die(node string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.addr, node)
	for p, h := range w.holder {
		if h == node {
			w.holder[p] = ""
		}
	}
}

func (w *world) Nodes(context.Context) ([]Node, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Node
	for h, a := range w.addr {
		out = append(out, Node{Holder: h, Addr: a})
	}
	return out, nil
}

func (w *world) Owners(context.Context) ([]Owner, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Owner, partition.Count)
	for p, h := range w.holder {
		if _, live := w.addr[h]; !live {
			h = ""
		}
		out[p] = Owner{Part: p, Holder: h}
	}
	return out, nil
}

func (w *world) GetTask(_ context.Context, token string) (*store.Task, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.tasks[token]; ok {
		return t, nil
	}
	return nil, store.ErrNotFound
}

func (w *world) QueuedActivityTasks(_ context.Context, activityArn string, _ int) ([]*store.Task, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*store.Task
	for _, t := range w.tasks {
		if t.ActivityArn == activityArn && t.State == store.TaskQueued {
			out = append(out, t)
		}
	}
	return out, nil
}

// fakeEngine records the calls that reach it.
type fakeEngine struct {
	name  string
	mu    sync.Mutex
	owned partition.Set
	busy  partition.Set
	// late is busy for ReleaseIdle but not for Busy: work began between
	// the two.
	late  partition.Set
	calls []string
	tasks map[string]*store.Task // queued activity tasks by token
	// claimGate, when set, holds ClaimActivityTask (told to claiming)
	// until it is closed or the caller is gone; it claims anyway, as the
	// engine does once the call reached its loop.
	claimGate, claiming chan struct{}
	// outcome and started are the last DeliverResult's outcome and
	// Start's request.
	outcome engine.TaskOutcome
	started engine.StartRequest
	// watch has the watchers of its updates (watch_test.go).
	watch fakeWatch
	// express are the tokens of the Express executions it runs, by
	// token: those starting "express-" are known to it only if listed.
	express map[string]string
	// held are tasks its engine holds by activity, handed out at once to
	// a poll (an Express run's tasks).
	held map[string][]*store.Task
}

// expressToken answers as the engine does for a token the store does not
// hold: TaskTimedOut unless its memory holds it (tokens_test.go).
func (e *fakeEngine) expressToken(token string) (string, error) {
	if !strings.HasPrefix(token, "express-") {
		return "", nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if arn, ok := e.express[token]; ok {
		return arn, nil
	}
	return "", apierr.New(apierr.TaskTimedOut, "Task Timed Out")
}

func (e *fakeEngine) owns(arn string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.owned.Has(partition.Of(arn))
}

func (e *fakeEngine) record(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, s)
}

func (e *fakeEngine) Start(_ context.Context, req engine.StartRequest) (*store.Execution, error) {
	if !e.owns(req.ExecutionArn) {
		return nil, notOwnerErr()
	}
	e.record("start " + req.ExecutionArn)
	e.mu.Lock()
	e.started = req
	e.mu.Unlock()
	return &store.Execution{Arn: req.ExecutionArn, Status: workflow.StatusRunning, Input: req.Input, Snapshot: []byte("the run's state")}, nil
}
func (e *fakeEngine) StartSync(_ context.Context, req engine.StartRequest) (*store.Execution, error) {
	e.record("sync " + req.ExecutionArn)
	return &store.Execution{Arn: req.ExecutionArn}, nil
}
func (e *fakeEngine) StartNested(ctx context.Context, req engine.StartRequest, parentToken string) (*store.Execution, error) {
	e.record("nested " + parentToken)
	return e.Start(ctx, req)
}
func (e *fakeEngine) Stop(_ context.Context, arn, errName, cause string) (*store.Execution, error) {
	if !e.owns(arn) {
		return nil, notOwnerErr()
	}
	if strings.HasSuffix(arn, ":missing") {
		return nil, apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	e.record("stop " + arn + " " + errName + " " + cause)
	return &store.Execution{Arn: arn, Status: workflow.StatusAborted}, nil
}
func (e *fakeEngine) Redrive(_ context.Context, arn string) (*store.Execution, error) {
	e.record("redrive " + arn)
	return &store.Execution{Arn: arn}, nil
}
func (e *fakeEngine) RetryFrom(_ context.Context, arn, step string) (*store.Execution, error) {
	e.record("retry " + arn + " " + step)
	return &store.Execution{Arn: arn}, nil
}
func (e *fakeEngine) SendTaskSuccess(_ context.Context, token, output string) error {
	if _, err := e.expressToken(token); err != nil {
		return err
	}
	e.record("success " + token + " " + output)
	return nil
}
func (e *fakeEngine) SendTaskFailure(_ context.Context, token, errName, cause string) error {
	e.record("failure " + token + " " + errName)
	return nil
}
func (e *fakeEngine) SendTaskHeartbeat(_ context.Context, token string) error {
	if _, err := e.expressToken(token); err != nil {
		return err
	}
	e.record("heartbeat " + token)
	return nil
}
func (e *fakeEngine) TokenExecution(_ context.Context, token string) (string, error) {
	if arn, err := e.expressToken(token); arn != "" || err != nil {
		return arn, err
	}
	return "", apierr.New(apierr.InvalidToken, "Invalid Token")
}
func (e *fakeEngine) GetActivityTask(ctx context.Context, activityArn, worker string) (*store.Task, error) {
	if t, _ := e.TakeActivityTask(ctx, activityArn, worker); t != nil {
		return t, nil
	}
	<-ctx.Done()
	return nil, nil
}
func (e *fakeEngine) TakeActivityTask(_ context.Context, activityArn, worker string) (*store.Task, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.held[activityArn]
	if len(q) == 0 {
		return nil, nil
	}
	t := *q[0]
	e.held[activityArn] = q[1:]
	e.calls = append(e.calls, "handed "+t.Token+" "+worker)
	t.State, t.WorkerName = store.TaskStarted, worker
	return &t, nil
}
func (e *fakeEngine) RunTestTask(context.Context, workflow.RunTask) engine.TaskOutcome {
	return engine.TaskOutcome{}
}
func (e *fakeEngine) DeliverResult(_ context.Context, token string, o engine.TaskOutcome) error {
	e.record(fmt.Sprintf("deliver %s %v", token, o.OK))
	e.mu.Lock()
	e.outcome = o
	e.mu.Unlock()
	return nil
}
func (e *fakeEngine) ClaimActivityTask(ctx context.Context, token, worker string) (*store.Task, error) {
	if e.claimGate != nil {
		e.claiming <- struct{}{}
		select {
		case <-e.claimGate:
		case <-ctx.Done():
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tasks[token]
	if t == nil {
		return nil, nil
	}
	delete(e.tasks, token)
	e.calls = append(e.calls, "claim "+token+" "+worker)
	started := *t
	started.State, started.WorkerName = store.TaskStarted, worker
	return &started, nil
}
func (e *fakeEngine) Acquire(_ context.Context, parts partition.Set) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.owned |= parts
	return nil
}
func (e *fakeEngine) Release(_ context.Context, parts partition.Set) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.owned &^= parts
	return nil
}
func (e *fakeEngine) ReleaseIdle(_ context.Context, parts partition.Set) (partition.Set, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	parts &^= e.busy | e.late
	e.owned &^= parts
	return parts, nil
}
func (e *fakeEngine) Owned() partition.Set {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.owned
}
func (e *fakeEngine) Busy() partition.Set {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.busy
}

func notOwnerErr() error {
	return &apierr.Error{Code: engine.NotOwnerCode, Status: http.StatusServiceUnavailable, Message: "not owner"}
}

// node is one node of a fake cluster, with its internal API served.
type node struct {
	name string
	eng  *fakeEngine
	man  *Manager
	rt   *Router
	h    *rpcHandler
	srv  *httptest.Server
}

var key = []byte("0123456789abcdef0123456789abcdef")

func addNode(t *testing.T, w *world, name string) *node {
	t.Helper()
	eng := &fakeEngine{name: name, tasks: map[string]*store.Task{}}
	n := &node{name: name, eng: eng}
	n.h = newHandler(eng, key)
	n.h.queries = n.queries()
	n.srv = httptest.NewUnstartedServer(n.h)
	n.h.self = "http://" + n.srv.Listener.Addr().String() // n.srv.URL once started
	n.srv.Start()
	t.Cleanup(n.srv.Close)
	n.rt = NewRouter(eng, w, name, key, quiet)
	n.rt.MaxWait = 2 * time.Second
	n.man = NewManager(name, member{w, name}, w, eng, time.Millisecond, quiet)
	w.mu.Lock()
	w.addr[name] = n.srv.URL
	w.mu.Unlock()
	return n
}

// settle runs rounds on every node until the partitions stop moving.
func settle(t *testing.T, nodes ...*node) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		for _, n := range nodes {
			if err := n.man.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func arnIn(p int, name string) string {
	for i := 0; ; i++ {
		arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:wf%d:%s", i, name)
		if partition.Of(arn) == p {
			return arn
		}
	}
}

func TestRankMovesOnlyWhatAJoiningNodeGains(t *testing.T) {
	two := []string{"a", "b"}
	three := []string{"a", "b", "c"}
	count := map[string]int{}
	for p := 0; p < partition.Count; p++ {
		before, after := Rank(p, two), Rank(p, three)
		count[after]++
		if after != before && after != "c" {
			t.Errorf("partition %d moved from %s to %s when c joined", p, before, after)
		}
	}
	for _, n := range three {
		if count[n] < 12 || count[n] > 32 {
			t.Errorf("node %s ranks first for %d of %d partitions", n, count[n], partition.Count)
		}
	}
}

func TestManagersDivideThePartitions(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	settle(t, a)
	if got := a.eng.Owned(); got != partition.All {
		t.Fatalf("a single node owns %d partitions, want all", got.Len())
	}
	b := addNode(t, w, "b")
	c := addNode(t, w, "c")
	settle(t, a, b, c)
	check := func(nodes ...*node) {
		t.Helper()
		live := []string{}
		for _, n := range nodes {
			live = append(live, n.name)
		}
		var union partition.Set
		for _, n := range nodes {
			o := n.eng.Owned()
			if union&o != 0 {
				t.Fatalf("partitions %v owned twice", (union & o).List())
			}
			union |= o
			for _, p := range o.List() {
				if Rank(p, live) != n.name {
					t.Errorf("%s owns %d, which ranks %s first", n.name, p, Rank(p, live))
				}
			}
			if member := (member{w, n.name}).Held(); member != o {
				t.Errorf("%s's engine owns %v but its leases are %v", n.name, o.List(), member.List())
			}
		}
		if union != partition.All {
			t.Fatalf("partitions %v owned by nobody", (partition.All &^ union).List())
		}
	}
	check(a, b, c)

	// A busy partition is not given up to rebalance; it moves once idle.
	d := addNode(t, w, "d")
	var dWants partition.Set
	for p := 0; p < partition.Count; p++ {
		if Rank(p, []string{"a", "b", "c", "d"}) == "d" {
			dWants = dWants.With(p)
		}
	}
	p0 := dWants.List()[0]
	var busyOwner *node
	for _, n := range []*node{a, b, c} {
		if n.eng.Owned().Has(p0) {
			busyOwner = n
		}
	}
	busyOwner.eng.mu.Lock()
	busyOwner.eng.busy = partition.SetOf(p0)
	busyOwner.eng.mu.Unlock()
	settle(t, a, b, c, d)
	if !busyOwner.eng.Owned().Has(p0) {
		t.Fatalf("partition %d was taken from %s while a task of it ran", p0, busyOwner.name)
	}
	busyOwner.eng.mu.Lock()
	busyOwner.eng.busy = 0
	busyOwner.eng.mu.Unlock()
	settle(t, a, b, c, d)
	check(a, b, c, d)

	// kill -9 of c: its session ends, the others take its partitions.
	w.die("c")
	c.eng.Release(context.Background(), partition.All)
	settle(t, a, b, d)
	check(a, b, d)

	// A graceful stop of d hands its partitions over at once.
	d.man.Drain(context.Background())
	if d.eng.Owned() != 0 || (member{w, "d"}).Held() != 0 {
		t.Fatalf("d still owns %v after Drain", d.eng.Owned().List())
	}
	d.man.Round(context.Background()) // a drained node takes nothing
	if d.eng.Owned() != 0 {
		t.Fatalf("a drained node took partitions")
	}
	w.die("d")
	settle(t, a, b)
	check(a, b)
}

// A partition whose built-in task was scheduled after the round read Busy
// is not moved (the engine's ReleaseIdle keeps it), and its lease stays.
func TestRebalanceKeepsAPartitionThatBecameBusy(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	settle(t, a)
	b := addNode(t, w, "b")
	var p int
	for p = 0; Rank(p, []string{"a", "b"}) != "b"; p++ {
	}
	a.eng.mu.Lock()
	a.eng.late = partition.SetOf(p)
	a.eng.mu.Unlock()
	var halted bool // the bus of p (settle runs the rounds here)
	a.man.OnGiving = func(s partition.Set) { halted = halted || s.Has(p) }
	settle(t, a, b)
	if halted {
		t.Fatalf("partition %d's work was halted though the partition stayed", p)
	}
	if !a.eng.Owned().Has(p) || !(member{w, "a"}).Held().Has(p) || b.eng.Owned().Has(p) {
		t.Fatalf("partition %d moved while busy: a owns it %v, holds its lease %v; b owns it %v", p,
			a.eng.Owned().Has(p), (member{w, "a"}).Held().Has(p), b.eng.Owned().Has(p))
	}
	a.eng.mu.Lock()
	a.eng.late = 0
	a.eng.mu.Unlock()
	settle(t, a, b)
	if a.eng.Owned().Has(p) || !b.eng.Owned().Has(p) {
		t.Fatalf("partition %d did not move once idle", p)
	}
}

// A node whose session failed (its leases gone with it) still stops its
// engine's work and the bus when it drains: another node runs them now.
func TestDrainAfterTheLeasesWereLost(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	settle(t, a)
	var giving partition.Set
	a.man.OnGiving = func(s partition.Set) { giving |= s }
	w.die("a") // the database freed a's leases; its engine still runs them
	a.man.Drain(context.Background())
	if a.eng.Owned() != 0 || !giving.Has(0) {
		t.Fatalf("after Drain: a's engine owns %d partitions; OnGiving got %v", a.eng.Owned().Len(), giving.List())
	}
}

// flakyMember's next Release fails after forgetting the lease's fence:
// its lock stays taken (as a postgres.Member's when its session is busy
// past the call's deadline).
type flakyMember struct {
	member
	mu    sync.Mutex
	fail  bool
	stale partition.Set // locked, no longer held
}

func (f *flakyMember) Release(ctx context.Context, p int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		f.fail = false
		f.stale = f.stale.With(p)
		return errors.New("the session is busy")
	}
	f.stale = f.stale.Without(p)
	return f.member.Release(ctx, p)
}

func (f *flakyMember) Held() partition.Set {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.member.Held() &^ f.stale
}

// A partition whose lease's release failed half-way (fence forgotten,
// lock kept) is released again, rather than left to nobody for ever.
func TestFailedReleaseIsRetried(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	fm := &flakyMember{member: member{w, "a"}}
	a.man = NewManager("a", fm, w, a.eng, time.Millisecond, quiet)
	settle(t, a)
	fm.mu.Lock()
	fm.fail = true
	fm.mu.Unlock()
	b := addNode(t, w, "b")
	settle(t, a, b)
	var union partition.Set
	for _, n := range []*node{a, b} {
		union |= n.eng.Owned()
	}
	if union != partition.All {
		t.Fatalf("partitions %v run by nobody", (partition.All &^ union).List())
	}
}

// Lost, told late of a partition that a round has taken again since (a
// fresh lease the engine runs), leaves it.
func TestLostLeavesAPartitionTakenAgain(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	settle(t, a)
	var halted atomic.Bool
	a.man.OnGiving = func(s partition.Set) {
		if s.Has(0) {
			halted.Store(true)
		}
	}
	a.man.Lost(partition.SetOf(0))
	deadline := time.Now().Add(5 * time.Second)
	for len(a.man.kick) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Lost never kicked a round")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	if !(member{w, "a"}).Held().Has(0) || !a.eng.Owned().Has(0) || halted.Load() {
		t.Fatalf("Lost released the lease of partition 0 (or halted its bus), which the engine runs again")
	}
}

// A round whose context ended (the node drains) takes no more leases.
func TestCancelledRoundTakesNothing(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.man.Round(ctx)
	if held := (member{w, "a"}).Held(); held != 0 {
		t.Fatalf("a cancelled round took %d leases", held.Len())
	}
}

func TestOrphanGoesToAnyNodeWhenTheBestDoesNotTakeIt(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	w.mu.Lock()
	w.addr["ghost"] = "http://127.0.0.1:1" // live in the store, but takes nothing
	w.mu.Unlock()
	settle(t, a)
	if a.eng.Owned() != partition.All {
		t.Fatalf("a owns %d partitions; those the silent node ranks first for were never taken", a.eng.Owned().Len())
	}
}

func TestRouterForwardsToTheOwner(t *testing.T) {
	w := newWorld()
	a, b := addNode(t, w, "a"), addNode(t, w, "b")
	settle(t, a, b)
	ctx := context.Background()
	onA := arnIn(a.eng.Owned().List()[0], "x")
	onB := arnIn(b.eng.Owned().List()[0], "y")
	for _, arn := range []string{onA, onB} {
		x, err := a.rt.Start(ctx, engine.StartRequest{ExecutionArn: arn, Input: `{"k":1}`})
		if err != nil {
			t.Fatal(err)
		}
		if x.Arn != arn || x.Input != `{"k":1}` {
			t.Fatalf("Start answered %+v", x)
		}
		if arn == onB && x.Snapshot != nil {
			t.Fatalf("a forwarded Start's answer carries the run's snapshot")
		}
	}
	if got := fmt.Sprint(a.eng.calls, b.eng.calls); got != fmt.Sprintf("[start %s] [start %s]", onA, onB) {
		t.Fatalf("calls: %s", got)
	}
	// Errors keep their code across the hop.
	_, err := a.rt.Stop(ctx, onB[:strings.LastIndex(onB, ":")]+":missing", "E", "c")
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.ExecutionDoesNotExist {
		t.Fatalf("Stop of a missing execution on b: %v", err)
	}
	// A token's call goes to its execution's owner.
	w.mu.Lock()
	w.tasks["tok"] = &store.Task{Token: "tok", ExecutionArn: onB}
	w.mu.Unlock()
	if err := a.rt.SendTaskSuccess(ctx, "tok", `"out"`); err != nil {
		t.Fatal(err)
	}
	if err := a.rt.DeliverResult(ctx, "tok", engine.TaskOutcome{OK: true}); err != nil {
		t.Fatal(err)
	}
	if last := b.eng.calls[len(b.eng.calls)-2:]; fmt.Sprint(last) != `[success tok "out" deliver tok true]` {
		t.Fatalf("b's calls: %v", last)
	}
}

func TestRouterFollowsAPartitionThatMoved(t *testing.T) {
	w := newWorld()
	a, b := addNode(t, w, "a"), addNode(t, w, "b")
	settle(t, a, b)
	ctx := context.Background()
	p := b.eng.Owned().List()[0]
	arn := arnIn(p, "moving")
	a.rt.owner(ctx, p, true) // a's cache says b
	// b gives p up and a takes it; a's cache is stale.
	b.eng.Release(ctx, partition.SetOf(p))
	member{w, "b"}.Release(ctx, p)
	member{w, "a"}.Acquire(ctx, p)
	a.eng.Acquire(ctx, partition.SetOf(p))
	if _, err := a.rt.Start(ctx, engine.StartRequest{ExecutionArn: arn}); err != nil {
		t.Fatal(err)
	}
	// The reverse: b's cache says a owns it, a gives it to b meanwhile.
	b.rt.owner(ctx, p, true)
	a.eng.Release(ctx, partition.SetOf(p))
	member{w, "a"}.Release(ctx, p)
	go func() {
		member{w, "b"}.Acquire(ctx, p)
		b.eng.Acquire(ctx, partition.SetOf(p))
	}()
	if _, err := b.rt.Stop(ctx, arn, "E", "c"); err != nil {
		t.Fatal(err)
	}
	if len(b.eng.calls) != 1 || !strings.HasPrefix(b.eng.calls[0], "stop ") {
		t.Fatalf("b's calls: %v", b.eng.calls)
	}
}

func TestRouterWaitsThenAnswers503ForAPartitionNobodyRuns(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	a.rt.MaxWait = 100 * time.Millisecond
	_, err := a.rt.Start(context.Background(), engine.StartRequest{ExecutionArn: arnIn(3, "x")})
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.ServiceUnavailable || !strings.Contains(ae.Message, "retry") {
		t.Fatalf("err = %v, want 503 saying to retry", err)
	}
}

// TestInternalAPINeedsTheClusterKey: the nodes' route takes only calls
// signed with the cluster's key, each once, within a minute of its time,
// with the body that was signed; anything else is refused before it
// reaches the engine.
func TestInternalAPINeedsTheClusterKey(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	body := `{"op":"redrive","arn":"x"}`
	other := []byte("another cluster's key...........!")
	replayed := sign(key, []byte(body), time.Now())
	for _, c := range []struct {
		name, auth, body string
		want             int
	}{
		{"no header", "", body, http.StatusUnauthorized},
		{"the former fixed token", "Baton-Cluster 00", body, http.StatusUnauthorized},
		{"malformed", signScheme + "1,2,3,4", body, http.StatusUnauthorized},
		{"another cluster's key", sign(other, []byte(body), time.Now()), body, http.StatusUnauthorized},
		{"an hour old", sign(key, []byte(body), time.Now().Add(-time.Hour)), body, http.StatusUnauthorized},
		{"another body", sign(key, []byte(`{"op":"redrive","arn":"y"}`), time.Now()), body, http.StatusUnauthorized},
		// A header seen on the way, sent first with another body, does
		// not get the real call refused as a repeat.
		{"its header with another body", replayed, `{"op":"redrive","arn":"z"}`, http.StatusUnauthorized},
		{"signed", replayed, body, http.StatusOK},
		{"sent again", replayed, body, http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+Path, strings.NewReader(c.body))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %s, want %d", c.name, resp.Status, c.want)
		}
	}
	resp, err := http.Get(a.srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %s", resp.Status)
	}
	if len(a.eng.calls) != 1 {
		t.Fatalf("calls that reached the engine: %v, want the one signed call once", a.eng.calls)
	}
}

// pair is two nodes that divided the partitions.
func pair(t *testing.T) (*world, *node, *node) {
	w := newWorld()
	a, b := addNode(t, w, "a"), addNode(t, w, "b")
	settle(t, a, b)
	return w, a, b
}

// activityOnB is two nodes and an activity task of an execution b owns.
func activityOnB(t *testing.T) (w *world, a, b *node, act string, task *store.Task) {
	w, a, b = pair(t)
	onB := arnIn(b.eng.Owned().List()[0], "act")
	act = "arn:aws:states:us-east-1:123456789012:activity:resize"
	task = &store.Task{Token: "t1", ExecutionArn: onB, ActivityArn: act, State: store.TaskQueued, Kind: store.TaskActivity}
	return w, a, b, act, task
}

func TestActivityPollOnAnyNode(t *testing.T) {
	w, a, b, act, task := activityOnB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan *store.Task, 1)
	go func() {
		t, _ := a.rt.GetActivityTask(ctx, act, "w1")
		got <- t
	}()
	// The task is queued on b after a's poll began: the store's
	// notification wakes it.
	b.eng.mu.Lock()
	b.eng.tasks["t1"] = task
	b.eng.mu.Unlock()
	w.mu.Lock()
	w.tasks["t1"] = task
	w.mu.Unlock()
	deadline := time.Now().Add(3 * time.Second)
	for {
		a.rt.Wake(act)
		select {
		case tk := <-got:
			if tk == nil || tk.Token != "t1" || tk.WorkerName != "w1" {
				t.Fatalf("poll got %+v", tk)
			}
			if fmt.Sprint(b.eng.calls) != "[claim t1 w1]" {
				t.Fatalf("b's calls: %v", b.eng.calls)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the poll on a never got b's task")
		}
	}
}

// A task the store holds as queued, whose owner's engine has not taken it
// in yet when the notification's claim arrives (the commit's notification
// came first), goes to the poll soon after, with no notification more: not
// at the recheck, seconds later.
func TestActivityClaimedAgainWhenTheOwnerLags(t *testing.T) {
	w, a, b, act, task := activityOnB(t)
	w.mu.Lock()
	w.tasks["t1"] = task // stored and notified; b's engine does not have it
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan *store.Task, 1)
	go func() {
		t, _ := a.rt.GetActivityTask(ctx, act, "w1")
		got <- t
	}()
	select {
	case tk := <-got:
		t.Fatalf("the poll got %+v before the owner had the task", tk)
	case <-time.After(100 * time.Millisecond):
	}
	b.eng.mu.Lock()
	b.eng.tasks["t1"] = task // the owner's engine takes it in
	b.eng.mu.Unlock()
	start := time.Now()
	select {
	case tk := <-got:
		if tk == nil || tk.Token != "t1" {
			t.Fatalf("poll got %+v", tk)
		}
		if d := time.Since(start); d >= recheckActivities {
			t.Fatalf("the poll got the task after %v: at the recheck, not claimed again", d)
		}
	case <-time.After(recheckActivities - 500*time.Millisecond):
		t.Fatal("the poll did not claim the task again before the recheck")
	}
}

// A task claimed on its node for a poll that ends meanwhile (its deadline)
// still comes back to the poll: the owner stored it as started by the
// worker, so that dropping it would leave it taken by nobody.
func TestActivityClaimInFlightWhenThePollEnds(t *testing.T) {
	w, a, b, act, task := activityOnB(t)
	b.eng.tasks["t1"] = task
	w.tasks["t1"] = task
	b.eng.claimGate, b.eng.claiming = make(chan struct{}), make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *store.Task, 1)
	go func() {
		t, _ := a.rt.GetActivityTask(ctx, act, "w1")
		got <- t
	}()
	<-b.eng.claiming
	cancel()
	select {
	case tk := <-got:
		t.Fatalf("the poll ended with %+v while its claim was in flight", tk)
	case <-time.After(200 * time.Millisecond):
	}
	close(b.eng.claimGate)
	select {
	case tk := <-got:
		if tk == nil || tk.Token != "t1" || tk.WorkerName != "w1" {
			t.Fatalf("poll got %+v, want the task claimed for it", tk)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the poll never ended")
	}
}

// Wake("") (notifications may have been missed) wakes the polls of every
// activity.
func TestWakeAllAfterMissedNotifications(t *testing.T) {
	w := newWorld()
	a := addNode(t, w, "a")
	ch := a.rt.subscribe("arn:aws:states:us-east-1:123456789012:activity:x")
	defer a.rt.unsubscribe("arn:aws:states:us-east-1:123456789012:activity:x", ch)
	a.rt.Wake("")
	select {
	case <-ch:
	default:
		t.Fatal("Wake(\"\") did not wake a poll")
	}
}

// The values a forwarded call carries (a child's output for its parent, a
// run's trigger) reach the other node as the engine holds them: integers
// beyond float64's precision keep every digit.
func TestForwardedValuesKeepTheirNumbers(t *testing.T) {
	w, a, b := pair(t)
	ctx := context.Background()
	onB := arnIn(b.eng.Owned().List()[0], "nums")
	w.mu.Lock()
	w.tasks["tok"] = &store.Task{Token: "tok", ExecutionArn: onB}
	w.mu.Unlock()
	big := `{"big":123456789012345678901234567890,"id":9007199254740993,"n":3,"x":1.5}`
	v, err := workflow.ParseJSON([]byte(big))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		call func() error
		got  func() any
	}{
		{"a child's output for its parent", func() error {
			return a.rt.DeliverResult(ctx, "tok", engine.TaskOutcome{OK: true, Output: v})
		}, func() any { return b.eng.outcome.Output }},
		{"a start's trigger", func() error {
			_, err := a.rt.Start(ctx, engine.StartRequest{ExecutionArn: onB, Trigger: v})
			return err
		}, func() any { return b.eng.started.Trigger }},
	} {
		if err := c.call(); err != nil {
			t.Fatal(err)
		}
		b.eng.mu.Lock()
		got := string(workflow.MarshalJSON(c.got()))
		b.eng.mu.Unlock()
		if got != big {
			t.Fatalf("%s reached the other node as %s, want %s", c.what, got, big)
		}
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
