package server

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// TestRetireCursors: on a cluster, the cursors the single server's
// consumers left behind are moved to the end of the outbox, so that they
// do not keep its events from being trimmed; a consumer that has none gets
// none, and a cursor is never moved back.
func TestRetireCursors(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := time.Now().Add(-30 * 24 * time.Hour)
	var evs []*store.OutboxEvent
	for i := range 5 {
		evs = append(evs, &store.OutboxEvent{Partition: i % store.OutboxPartitions, Account: "123456789012", Bus: "default", Time: old, Body: []byte(`{}`)})
	}
	if err := st.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	head, err := st.LastOutboxSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	left := &store.ConsumerCommit{Consumer: "triggers", Cursors: map[int]int64{}}
	for p := range store.OutboxPartitions {
		left.Cursors[p] = 0
	}
	if err := st.CommitConsumer(ctx, left); err != nil {
		t.Fatal(err)
	}
	if n, err := st.TrimOutbox(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("trimmed %d, %v before: the left consumer holds the outbox", n, err)
	}
	if err := retireCursors(ctx, st, []string{"rules", "triggers"}); err != nil {
		t.Fatal(err)
	}
	cur, err := st.Cursors(ctx, "triggers")
	if err != nil {
		t.Fatal(err)
	}
	for p := range store.OutboxPartitions {
		if cur[p] != head {
			t.Fatalf("cursor of partition %d: %d, want the head %d", p, cur[p], head)
		}
	}
	if cur, err := st.Cursors(ctx, "rules"); err != nil || len(cur) != 0 {
		t.Fatalf("a consumer without cursors got %v, %v", cur, err)
	}
	if n, err := st.TrimOutbox(ctx, time.Now()); err != nil || n != 5 {
		t.Fatalf("trimmed %d, %v after: want the 5 events", n, err)
	}
}
