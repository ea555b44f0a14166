package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

const acct = "123456789012"

func smArn(name string) string { return "arn:aws:states:us-east-1:" + acct + ":stateMachine:" + name }
func runArn(wf, run string) string {
	return "arn:aws:states:us-east-1:" + acct + ":execution:" + wf + ":" + run
}

// fakeSender records what it is given, and fails as told.
type fakeSender struct {
	mu    sync.Mutex
	sent  []*Notification
	roots map[string]string // run -> root ts
	fail  func(n *Notification) error
	ts    int
}

func (f *fakeSender) Send(_ context.Context, n *Notification, th *Thread) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(n); err != nil {
			return err
		}
	}
	if th != nil && th.TS == "" {
		f.ts++
		th.Channel, th.TS = "C1", fmt.Sprintf("1700000000.%06d", f.ts)
		if f.roots == nil {
			f.roots = map[string]string{}
		}
		if _, dup := f.roots[n.Run]; dup {
			return fmt.Errorf("a second root for run %s", n.Run)
		}
		f.roots[n.Run] = th.TS
	}
	f.sent = append(f.sent, n)
	return nil
}

func (f *fakeSender) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.sent {
		out = append(out, n.Kind)
	}
	return out
}

func (f *fakeSender) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

type world struct {
	t      *testing.T
	dir    string
	st     store.Store
	clk    *clock.Fake
	sender *fakeSender
	n      *Notifier
	bus    *events.Bus
	stop   func()
	seq    int
	// maxRuns is the rate limit: runs told per 10 minutes.
	maxRuns int
}

func newWorld(t *testing.T, maxRuns int) *world {
	w := &world{t: t, maxRuns: maxRuns, dir: t.TempDir(), clk: clock.NewFake(time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)), sender: &fakeSender{}}
	w.start()
	t.Cleanup(func() { w.stop(); w.st.Close() })
	return w
}

func (w *world) start() {
	st, err := sqlite.Open(w.dir, sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	w.bus = events.New(st, events.Options{Clock: w.clk})
	w.n = New(Options{Store: st, DefaultAccount: acct, PublicURL: "http://baton.test", MaxRuns: w.maxRuns, Window: 10 * time.Minute,
		Wake: func() { w.bus.Wake(ConsumerName) }, Clock: w.clk},
		map[string]Sender{Slack: w.sender, Email: w.sender, Webhook: w.sender, OpsGenie: w.sender})
	w.n.Delivery.MaxBackoff = time.Second
	w.bus.Register(w.n.Consumer())
	if err := w.bus.Prepare(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.bus.Run(ctx) }()
	go func() { defer wg.Done(); w.n.Delivery.Run(ctx) }()
	w.stop = func() { cancel(); wg.Wait() }
}

func (w *world) restart() {
	w.stop()
	w.st.Close()
	w.start()
}

// pipeline deploys a pipeline with these notifications.
func (w *world) pipeline(name, notifications string) {
	def := "name: " + name + "\nsteps:\n  - name: load\n    script: echo hi\nnotifications:\n" + notifications
	err := w.st.CreateStateMachine(context.Background(), &store.StateMachine{Arn: smArn(name), Name: name, Type: "STANDARD",
		Language: "pipeline", Definition: def, RevisionID: "r1", CreatedAt: w.clk.Now(), UpdatedAt: w.clk.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
	w.n.Changed()
}

// status puts a run's status event on the bus.
func (w *world) status(wf, run, status string) {
	w.put(map[string]any{"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
		"detail": map[string]any{"executionArn": runArn(wf, run), "stateMachineArn": smArn(wf), "name": run, "status": status,
			"startDate": w.clk.Now().Add(-time.Minute).UnixMilli(), "error": map[bool]any{true: "States.TaskFailed"}[status == "FAILED"]}})
}

// step puts a step's status event on the bus.
func (w *world) step(wf, run, step, status string) {
	w.put(map[string]any{"source": "baton.pipeline", "detail-type": "Pipeline Step Status Change",
		"detail": map[string]any{"executionArn": runArn(wf, run), "stateMachineArn": smArn(wf), "name": run, "step": step, "status": status}})
}

func (w *world) put(env map[string]any) {
	w.seq++
	env["id"] = fmt.Sprintf("ev-%d", w.seq)
	env["account"] = acct
	body, _ := json.Marshal(env)
	arn := env["detail"].(map[string]any)["executionArn"].(string)
	if err := w.bus.Put(context.Background(), []*store.OutboxEvent{{Partition: store.PartitionOf(arn), Account: acct, Bus: "default",
		Time: w.clk.Now(), Body: body}}); err != nil {
		w.t.Fatal(err)
	}
}

// held returns the failed runs of a workflow held back by the rate limit
// (counted as they end).
func (w *world) held(wf string) int {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	if r := w.n.rates[wf]; r != nil {
		return r.ByStatus["FAILED"]
	}
	return 0
}

// heldBack returns the runs (or a rule's requests) held back by the rate
// limit in the current window of a workflow or rule.
func (w *world) heldBack(arn string) int {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	if r := w.n.rates[arn]; r != nil {
		return r.Held
	}
	return 0
}

// waitHeld waits until count(arn) reaches n: the events were decided (the
// bus reads them on its own time).
func (w *world) waitHeld(count func(string) int, arn string, n int) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for count(arn) < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("held back %d, want %d", count(arn), n)
		}
		time.Sleep(time.Millisecond) // a poll's pause, not a wait for a result
	}
}

// waitSent waits until the sender has n messages, advancing the fake
// clock so that back-offs and paces pass.
func (w *world) waitSent(n int) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	// The fake clock moves for the deliveries' back-offs (at most 1 s
	// here), but not past 30 s: on a loaded machine, moving it for as long
	// as the deliveries take would end the rate limit's 10-minute window
	// before the events were read.
	advanced := time.Duration(0)
	for w.sender.count() < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("sent %d notifications, want %d: %v", w.sender.count(), n, w.sender.kinds())
		}
		if advanced < 30*time.Second {
			w.clk.Advance(100 * time.Millisecond)
			advanced += 100 * time.Millisecond
		}
		time.Sleep(time.Millisecond) // lets the delivery goroutines run; not a wait for a result
	}
}

func TestFullExecutionOneThreadInOrder(t *testing.T) {
	w := newWorld(t, 3)
	w.pipeline("listings", "  type: FULL_EXECUTION\n  targets:\n    - {channel: SLACK, addresses: [alerts]}\n")
	w.status("listings", "r1", "RUNNING")
	w.step("listings", "r1", "load", "RUNNING")
	w.step("listings", "r1", "load", "SUCCEEDED")
	w.step("listings", "r1", "publish", "RUNNING")
	w.step("listings", "r1", "publish", "FAILED")
	w.status("listings", "r1", "FAILED")
	w.waitSent(6)
	want := []string{KindRunStarted, KindStepStarted, KindStepSucceeded, KindStepStarted, KindStepFailed, KindRunFailed}
	if got := w.sender.kinds(); !slices.Equal(got, want) {
		t.Fatalf("kinds %v, want %v", got, want)
	}
	if len(w.sender.roots) != 1 {
		t.Fatalf("roots %v, want one thread", w.sender.roots)
	}
	last := w.sender.sent[5]
	if !last.Failure || !strings.Contains(last.Text, "Failing step: publish") || !strings.Contains(last.Text, "http://baton.test/api/v1/executions/") {
		t.Fatalf("the outcome: %+v", last)
	}
}

func TestFailuresLevelRecoveryAndRateLimit(t *testing.T) {
	w := newWorld(t, 3)
	w.pipeline("sales", "  type: FAILURES\n  targets:\n    - {channel: OPSGENIE, addresses: [team-x]}\n    - {channel: EMAIL, addresses: [a@example.com, b@example.com]}\n")
	// A success tells nothing at this level.
	w.status("sales", "ok0", "RUNNING")
	w.status("sales", "ok0", "SUCCEEDED")
	// A burst of failing runs: 3 told (an alert and a mail each), the rest
	// summed up at the window's end.
	for i := range 50 {
		w.status("sales", fmt.Sprintf("f%d", i), "RUNNING")
		w.status("sales", fmt.Sprintf("f%d", i), "FAILED")
	}
	w.waitSent(6)
	w.waitHeld(w.held, smArn("sales"), 47)
	w.clk.Advance(11 * time.Minute)
	w.waitSent(7)
	got := w.sender.kinds()
	if got[6] != KindSummary || len(got) != 7 {
		t.Fatalf("kinds %v: want 3 failures to 2 targets then one summary (e-mail only)", got)
	}
	sum := w.sender.sent[6]
	if !strings.Contains(sum.Text, "47 runs") || !strings.Contains(sum.Text, "47 failed") {
		t.Fatalf("summary: %s", sum.Text)
	}
	for _, n := range w.sender.sent {
		if n.Channel == Email && len(n.Addresses) != 2 {
			t.Fatalf("one mail to both addresses: %v", n.Addresses)
		}
	}
	// The next success is a recovery, told once, which closes the alert.
	w.status("sales", "ok1", "RUNNING")
	w.status("sales", "ok1", "SUCCEEDED")
	w.status("sales", "ok2", "RUNNING")
	w.status("sales", "ok2", "SUCCEEDED")
	w.waitSent(9)
	w.clk.Advance(time.Minute)
	time.Sleep(50 * time.Millisecond) // nothing more must come; a bounded look, not a wait for a result
	got = w.sender.kinds()
	if !slices.Equal(got[7:], []string{KindRecovered, KindRecovered}) {
		t.Fatalf("after the failures: %v", got[7:])
	}
	if !w.sender.sent[7].Resolve && !w.sender.sent[8].Resolve {
		t.Fatalf("the recovery must close the alert")
	}
}

func TestDownChannelThenBackAndDeadLetters(t *testing.T) {
	w := newWorld(t, 100)
	w.pipeline("x", "  type: PIPELINE\n  targets:\n    - {channel: WEBHOOK, addresses: [\"https://hooks.example.com/a\"]}\n")
	var down sync.Mutex
	isDown := true
	w.sender.fail = func(n *Notification) error {
		down.Lock()
		defer down.Unlock()
		if n.Run == runArn("x", "bad") {
			return &channel.Error{Channel: "webhook", Code: "http_410", Permanent: true, Msg: "gone"}
		}
		if isDown {
			return &channel.Error{Channel: "webhook", Code: "http_503", Msg: "down"}
		}
		return nil
	}
	for i := range 5 {
		w.status("x", fmt.Sprintf("r%d", i), "RUNNING")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(w.n.Delivery.Status().Failing) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the failing destination is not shown in the status")
		}
		w.clk.Advance(100 * time.Millisecond)
		time.Sleep(time.Millisecond)
	}
	w.restart() // a restart while the channel is down loses nothing
	w.sender.fail = func(n *Notification) error {
		if n.Run == runArn("x", "bad") {
			return &channel.Error{Channel: "webhook", Code: "http_410", Permanent: true, Msg: "gone"}
		}
		return nil
	}
	w.waitSent(5)
	seen := map[string]bool{}
	for i, n := range w.sender.sent {
		if seen[n.ID] {
			t.Fatalf("notification %s sent twice", n.ID)
		}
		seen[n.ID] = true
		if n.Run != runArn("x", fmt.Sprintf("r%d", i)) {
			t.Fatalf("out of order: %d is %s", i, n.Run)
		}
	}
	w.status("x", "bad", "RUNNING")
	deadline = time.Now().Add(5 * time.Second)
	var dl []*DeadLetter
	for len(dl) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the permanent failure is not in the failed list")
		}
		w.clk.Advance(100 * time.Millisecond)
		time.Sleep(time.Millisecond)
		var err error
		if dl, err = w.n.Delivery.Failed(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(dl[0].Error, "gone") {
		t.Fatalf("dead letter %+v", dl[0])
	}
	// The status counts it once its record is stored, a moment after the
	// failed list (the store) shows it.
	for w.n.Delivery.Status().Failed != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want the dead letter counted", w.n.Delivery.Status())
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	w.sender.fail = nil
	if n, err := w.n.Delivery.Retry(context.Background(), nil); err != nil || n != 1 {
		t.Fatalf("Retry: %d, %v", n, err)
	}
	w.waitSent(6)
	if dl, _ := w.n.Delivery.Failed(context.Background()); len(dl) != 0 {
		t.Fatalf("failed list after the retry: %v", dl)
	}

	// Retried through another server of a cluster, whose delivery does not
	// run: the running one sends it once told (Reload), and counts the dead
	// letters again.
	w.sender.fail = func(n *Notification) error {
		if n.Run == runArn("x", "bad2") {
			return &channel.Error{Channel: "webhook", Code: "http_410", Permanent: true, Msg: "gone"}
		}
		return nil
	}
	w.status("x", "bad2", "RUNNING")
	deadline = time.Now().Add(5 * time.Second)
	for w.n.Delivery.Status().Failed != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second permanent failure is not counted")
		}
		w.clk.Advance(100 * time.Millisecond)
		time.Sleep(time.Millisecond)
	}
	w.sender.fail = nil
	ctx := context.Background()
	other := newDelivery(w.st, nil, w.n.Delivery.log, w.clk)
	if s, err := other.Current(ctx); err != nil || s.Failed != 1 || s.Queued != 0 {
		t.Fatalf("stored status before the retry: %+v, %v", s, err)
	}
	if n, err := other.Retry(ctx, nil); err != nil || n != 1 {
		t.Fatalf("Retry elsewhere: %d, %v", n, err)
	}
	if s, err := other.Current(ctx); err != nil || s.Failed != 0 || s.Queued != 1 || other.Status().Failed != 0 {
		t.Fatalf("stored status after the retry: %+v, %v; in memory %+v", s, err, other.Status())
	}
	w.n.Delivery.Reload()
	w.waitSent(7)
	deadline = time.Now().Add(5 * time.Second)
	for s := w.n.Delivery.Status(); s.Failed != 0 || s.Queued != 0; s = w.n.Delivery.Status() {
		if time.Now().After(deadline) {
			t.Fatalf("status after the reload: %+v", s)
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
}

// TestRuleNotification: a rule's notification target's request is told,
// its text the target's input (a JSON string unquoted), rate limited per
// rule.
func TestRuleNotification(t *testing.T) {
	w := newWorld(t, 2)
	rule := "arn:aws:events:us-east-1:" + acct + ":rule/late-files"
	for i := range 5 {
		w.put(map[string]any{"source": "baton.notifications", "detail-type": "Notification Requested",
			"detail": map[string]any{"executionArn": rule, "rule": rule, "ruleName": "late-files", "channel": "SLACK", "address": "#ops",
				"text": fmt.Sprintf(`"file %d is late"`, i), "eventSource": "aws.s3", "eventDetailType": "Object Created"}})
	}
	w.waitSent(2)
	// The window may end only once every request was decided: those read
	// after it would begin the next window (told one by one), not be
	// summed up in this one.
	w.waitHeld(w.heldBack, rule, 3)
	if n := w.sender.sent[0]; n.Kind != KindRule || n.Text != "file 0 is late" || !strings.Contains(n.Title, "late-files: Object Created from aws.s3") {
		t.Fatalf("first: %+v", n)
	}
	w.clk.Advance(11 * time.Minute)
	w.waitSent(3)
	if n := w.sender.sent[2]; n.Kind != KindSummary || !strings.HasPrefix(n.Text, "3 runs") {
		for i, n := range w.sender.sent {
			t.Logf("sent[%d]: %s %q %s", i, n.Kind, n.Text, n.ID)
		}
		t.Fatalf("summary: %+v", n)
	}
}
