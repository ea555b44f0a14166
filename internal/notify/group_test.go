package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// groupWorld is a store with two workflows of different partitions, both
// notified on a webhook; the members are driven by hand, as the bus would.
type groupWorld struct {
	t      *testing.T
	st     store.Store
	clk    *clock.Fake
	wfs    []string // names of the two workflows
	parts  []int    // their partitions
	seq    int64
	cancel []func()
}

func newGroupWorld(t *testing.T) *groupWorld {
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		t.Fatal(err)
	}
	w := &groupWorld{t: t, st: st, clk: clock.NewFake(time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC))}
	t.Cleanup(func() {
		for _, c := range slices.Backward(w.cancel) {
			c()
		}
		st.Close()
	})
	for i := 0; len(w.wfs) < 2; i++ {
		name := fmt.Sprintf("wf%d", i)
		if p := partition.Of(smArn(name)); len(w.parts) == 0 || p != w.parts[0] {
			w.wfs, w.parts = append(w.wfs, name), append(w.parts, p)
		}
	}
	for _, name := range w.wfs {
		def := "name: " + name + "\nsteps:\n  - name: load\n    script: echo hi\nnotifications:\n  type: PIPELINE\n  targets:\n    - {channel: WEBHOOK, addresses: [\"https://hooks.example.com/a\"]}\n"
		if err := st.CreateStateMachine(context.Background(), &store.StateMachine{Arn: smArn(name), Name: name, Type: "STANDARD",
			Language: "pipeline", Definition: def, RevisionID: "r1", CreatedAt: w.clk.Now(), UpdatedAt: w.clk.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *groupWorld) group(s Sender) *Group {
	return w.groupOn(w.st, s)
}

// groupOn is group on st (a wrapper of w.st).
func (w *groupWorld) groupOn(st store.Store, s Sender) *Group {
	g := NewGroup(Options{Store: st, DefaultAccount: acct, Clock: w.clk, Log: slog.New(slog.DiscardHandler)}, map[string]Sender{Webhook: s})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.Run(ctx) }()
	w.cancel = append(w.cancel, func() { cancel(); <-done })
	return g
}

// event is a run's status event of workflow wf.
func (w *groupWorld) event(wf, run, status string) *store.OutboxEvent {
	w.seq++
	body, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("ev-%d", w.seq), "source": "aws.states", "account": acct,
		"detail-type": "Step Functions Execution Status Change",
		"detail":      map[string]any{"executionArn": runArn(wf, run), "stateMachineArn": smArn(wf), "name": run, "status": status}})
	return &store.OutboxEvent{Seq: w.seq, Time: w.clk.Now(), Body: body}
}

// decide has member c handle evs and stores its decisions, as the bus does.
func (w *groupWorld) decide(c events.Consumer, evs ...*store.OutboxEvent) *store.ConsumerCommit {
	w.t.Helper()
	ctx := context.Background()
	cc := &store.ConsumerCommit{Consumer: c.Name}
	if err := c.Handle(ctx, evs, cc); err != nil {
		w.t.Fatal(err)
	}
	if err := w.st.CommitConsumer(ctx, cc); err != nil {
		w.t.Fatal(err)
	}
	c.Committed(cc)
	return cc
}

func (w *groupWorld) stored(name string) int {
	w.t.Helper()
	ins, err := w.st.Intents(context.Background(), name)
	if err != nil {
		w.t.Fatal(err)
	}
	return len(ins)
}

// takeOver loads member p on a new group (another node) and waits until
// it has sent every notification the member has stored.
func (w *groupWorld) takeOver(p int) *fakeSender {
	w.t.Helper()
	s := &fakeSender{}
	if err := w.group(s).Member(p).Load(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	name := events.MemberName(ConsumerName, p)
	deadline := time.Now().Add(10 * time.Second)
	for w.stored(name) != 0 {
		if time.Now().After(deadline) {
			w.t.Fatalf("the new owner sent %d; %d left", s.count(), w.stored(name))
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	return s
}

// TestGroupMemberDecidesForItsPartition: member p decides only for the
// workflows of partition p, under its own consumer name.
func TestGroupMemberDecidesForItsPartition(t *testing.T) {
	w := newGroupWorld(t)
	g := NewGroup(Options{Store: w.st, DefaultAccount: acct, Clock: w.clk}, nil)
	for i, wf := range w.wfs {
		c := g.Member(w.parts[i])
		if want := fmt.Sprintf("notifications@%02d", w.parts[i]); c.Name != want {
			t.Fatalf("member name %q, want %q", c.Name, want)
		}
		if err := c.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		cc := w.decide(c, w.event(w.wfs[0], "r", "RUNNING"), w.event(w.wfs[1], "r", "RUNNING"))
		if len(cc.Intents) != 1 {
			t.Fatalf("member %d decided %d notifications, want 1", w.parts[i], len(cc.Intents))
		}
		var n Notification
		if err := json.Unmarshal(cc.Intents[0].Body, &n); err != nil || n.Workflow != smArn(wf) {
			t.Fatalf("member %d notified %q (%v), want %s", w.parts[i], n.Workflow, err, wf)
		}
		c.Unload()
	}
	if w.stored(ConsumerName) != 0 {
		t.Fatal("a member stored under the unpartitioned name")
	}
}

// blockingSender holds its first send until released.
type blockingSender struct {
	fakeSender
	once     sync.Once
	inflight chan struct{}
	release  chan struct{}
}

func (b *blockingSender) Send(ctx context.Context, n *Notification, th *Thread) error {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.inflight)
		<-b.release
	}
	return b.fakeSender.Send(ctx, n, th)
}

// TestGroupHandOver: member p's Unload stops its deliveries here once the
// send in flight is recorded; another node's member p then delivers what
// is left, each notification once.
func TestGroupHandOver(t *testing.T) {
	w := newGroupWorld(t)
	s1 := &blockingSender{inflight: make(chan struct{}), release: make(chan struct{})}
	g1 := w.group(s1)
	p, name := w.parts[0], events.MemberName(ConsumerName, w.parts[0])
	c1 := g1.Member(p)
	if err := c1.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.decide(c1, w.event(w.wfs[0], "r1", "RUNNING"), w.event(w.wfs[0], "r1", "SUCCEEDED"))
	<-s1.inflight
	unloaded := make(chan struct{})
	go func() { defer close(unloaded); c1.Unload() }()
	deadline := time.Now().Add(10 * time.Second)
	for g1.Status().Queued != 0 { // Unload took the queue; the send in flight goes on
		if time.Now().After(deadline) {
			t.Fatal("Unload does not take the member's queue")
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	close(s1.release)
	<-unloaded
	if s1.count() != 1 || w.stored(name) != 1 {
		t.Fatalf("after Unload: sent %d, stored %d; want the one in flight sent and recorded, the other left", s1.count(), w.stored(name))
	}
	if g1.Running() || g1.Status().Queued != 0 {
		t.Fatalf("after Unload: running %v, status %+v", g1.Running(), g1.Status())
	}

	s2 := w.takeOver(p)
	if s1.count() != 1 || s2.count() != 1 || s1.sent[0].Kind != KindRunStarted || s2.sent[0].Kind != KindRunSucceeded {
		t.Fatalf("first node sent %v, second %v", s1.kinds(), s2.kinds())
	}
}

// lostStore refuses every fenced commit, as PostgreSQL does once another
// node took the partition's lease.
type lostStore struct{ store.Store }

func (s lostStore) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	if c.Fenced {
		return &store.PartitionsLostError{Parts: []int{c.Partition}}
	}
	return s.Store.CommitConsumer(ctx, c)
}

// TestGroupFencedRecordStopsSending: when the fence refuses the record of
// a delivery (another node took the partition), the member's queue is
// dropped at once: nothing more is sent from this node, instead of every
// queued notification sent again each second until the member is
// disowned. The new owner sends what was not recorded.
func TestGroupFencedRecordStopsSending(t *testing.T) {
	w := newGroupWorld(t)
	s1 := &fakeSender{}
	g1 := w.groupOn(lostStore{w.st}, s1)
	p, name := w.parts[0], events.MemberName(ConsumerName, w.parts[0])
	c1 := g1.Member(p)
	if err := c1.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.decide(c1, w.event(w.wfs[0], "r1", "RUNNING"), w.event(w.wfs[0], "r1", "SUCCEEDED"))
	deadline := time.Now().Add(10 * time.Second)
	for s1.count() == 0 || g1.Status().Queued != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after a refused record: sent %d, still queued %d; want the queue dropped", s1.count(), g1.Status().Queued)
		}
		w.clk.Advance(time.Second)   // past any retry of the lane
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	if s1.count() != 1 || w.stored(name) != 2 {
		t.Fatalf("sent %v, %d stored; want the first sent once and both left to the new owner", s1.kinds(), w.stored(name))
	}
	c1.Unload()

	s2 := w.takeOver(p)
	if got := s2.kinds(); len(got) != 2 || got[0] != KindRunStarted || got[1] != KindRunSucceeded {
		t.Fatalf("the new owner sent %v", got)
	}
}

// TestGroupFailedRetryStatus: the dead letters of every member are listed
// together; Retry gives each back to the member holding it; Current and
// Status add up the members.
func TestGroupFailedRetryStatus(t *testing.T) {
	w := newGroupWorld(t)
	ctx := context.Background()
	for i, p := range w.parts {
		n := &Notification{ID: fmt.Sprintf("n%d", i), Channel: Webhook, Addresses: []string{"https://hooks.example.com/a"}, Workflow: smArn(w.wfs[i])}
		b, _ := json.Marshal(&DeadLetter{Notification: n, Error: "gone", Attempts: 1, Failed: w.clk.Now().Add(time.Duration(i) * time.Second)})
		if err := w.st.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: events.MemberName(ConsumerName, p), State: map[string][]byte{keyDead + n.ID: b}}); err != nil {
			t.Fatal(err)
		}
	}
	g := NewGroup(Options{Store: w.st, DefaultAccount: acct, Clock: w.clk}, nil)
	dls, err := g.Failed(ctx)
	if err != nil || len(dls) != 2 || dls[0].Notification.ID != "n0" || dls[1].Notification.ID != "n1" {
		t.Fatalf("Failed: %v, %v", dls, err)
	}
	if s, err := g.Current(ctx); err != nil || s.Failed != 2 || s.Queued != 0 {
		t.Fatalf("Current, nothing loaded: %+v, %v", s, err)
	}
	if err := g.Member(w.parts[1]).Load(ctx); err != nil {
		t.Fatal(err)
	}
	if s := g.Status(); s.Failed != 1 {
		t.Fatalf("Status with one member loaded: %+v", s)
	}
	if _, err := g.Retry(ctx, []string{"n1", "nope"}); !errors.Is(err, ErrNoDeadLetter) {
		t.Fatalf("Retry of an unknown id: %v", err)
	}
	if n, err := g.Retry(ctx, []string{"n1"}); err != nil || n != 1 {
		t.Fatalf("Retry: %d, %v", n, err)
	}
	if w.stored(events.MemberName(ConsumerName, w.parts[1])) != 1 || w.stored(events.MemberName(ConsumerName, w.parts[0])) != 0 {
		t.Fatal("the retried notification is not back with its member")
	}
	if s, err := g.Current(ctx); err != nil || s.Failed != 1 || s.Queued != 1 || g.Status().Queued != 1 {
		t.Fatalf("Current after the retry: %+v, %v; Status %+v", s, err, g.Status())
	}
}

// TestGroupDigestAcrossMembers: mails of several members for the same
// addresses go as one digest (the lanes are the node's), and each member
// records its own as delivered.
func TestGroupDigestAcrossMembers(t *testing.T) {
	w := newGroupWorld(t)
	ctx := context.Background()
	s := &fakeSender{}
	g := NewGroup(Options{Store: w.st, DefaultAccount: acct, Clock: w.clk, Log: slog.New(slog.DiscardHandler)}, map[string]Sender{Email: s})
	g.DigestMin = 2
	for i, p := range w.parts {
		var ins []*store.Intent
		for k := range 2 {
			n := &Notification{ID: fmt.Sprintf("n%d%d", i, k), Order: int64(2*k + i), Channel: Email, Addresses: []string{"oncall@example.com"},
				Kind: KindRunFailed, Workflow: smArn(w.wfs[i]), Title: "failed"}
			b, _ := json.Marshal(n)
			ins = append(ins, &store.Intent{ID: n.ID, Body: b, Created: w.clk.Now()})
		}
		name := events.MemberName(ConsumerName, p)
		if err := w.st.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: name, Intents: ins}); err != nil {
			t.Fatal(err)
		}
		if err := g.Member(p).Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); g.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for w.stored(events.MemberName(ConsumerName, w.parts[0]))+w.stored(events.MemberName(ConsumerName, w.parts[1])) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sent %v; not all recorded", s.kinds())
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	if got := s.kinds(); !slices.Equal(got, []string{KindDigest}) {
		t.Fatalf("sent %v, want one digest", got)
	}
}
