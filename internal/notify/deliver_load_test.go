package notify

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// commitDuringRead is a store whose first read of a consumer's
// notifications is followed by a decider's commit before it returns: the
// load's read began before the commit, and the commit's handover comes
// before the load ends.
type commitDuringRead struct {
	store.Store
	once  sync.Once
	after func()
}

func (s *commitDuringRead) Intents(ctx context.Context, consumer string) ([]*store.Intent, error) {
	ins, err := s.Store.Intents(ctx, consumer)
	s.once.Do(s.after)
	return ins, err
}

func TestLoadKeepsWhatIsCommittedMeanwhile(t *testing.T) {
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	wrapped := &commitDuringRead{Store: st}
	d := newDelivery(wrapped, map[string]Sender{Slack: &fakeSender{}}, slog.Default(), clock.Real{})
	s := d.slots[0]
	wrapped.after = func() {
		c := &store.ConsumerCommit{Consumer: ConsumerName}
		if err := addNotification(c, &Notification{ID: "n1", Channel: Slack, Addresses: []string{"#ops"}, Kind: KindRule, Text: "hi"}); err != nil {
			t.Error(err)
			return
		}
		if err := st.CommitConsumer(ctx, c); err != nil {
			t.Error(err)
			return
		}
		d.committed(s, c) // as the bus does once stored
	}
	if err := d.load(ctx, s, true); err != nil {
		t.Fatal(err)
	}
	if q := d.Status().Queued; q != 1 {
		t.Fatalf("queued %d, want the notification committed during the load", q)
	}
}

// TestHandoverAfterDeliverySendsNothing: the bus hands a decision over
// (committed) after storing it; a load reading the store in between
// queued and delivered it already, and the handover does not queue it
// again (it was sent twice: a flaky TestRuleNotification in CI).
func TestHandoverAfterDeliverySendsNothing(t *testing.T) {
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	sender := &fakeSender{}
	d := newDelivery(st, map[string]Sender{Slack: sender}, slog.Default(), clock.Real{})
	s := d.slots[0]
	c := &store.ConsumerCommit{Consumer: ConsumerName}
	if err := addNotification(c, &Notification{ID: "n1", Channel: Slack, Addresses: []string{"#ops"}, Kind: KindRule, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitConsumer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := d.load(ctx, s, true); err != nil { // reads it
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(rctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ins, err := st.Intents(ctx, ConsumerName)
		if err != nil {
			t.Fatal(err)
		}
		if sender.count() == 1 && len(ins) == 0 {
			break // sent and recorded
		}
		if time.Now().After(deadline) {
			t.Fatalf("sent %d, %d stored", sender.count(), len(ins))
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
	d.committed(s, c) // the bus's handover, late
	if q := d.Status().Queued; q != 0 || sender.count() != 1 {
		t.Fatalf("after the late handover: queued %d, sent %d; want nothing more", q, sender.count())
	}
}
