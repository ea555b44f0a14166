package notify

import (
	"context"
	"log/slog"
	"sync"
	"testing"

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
