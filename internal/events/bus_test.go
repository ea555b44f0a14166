package events_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// TestBusNewConsumerAndRestart: a consumer new to a store reads the events
// put after Prepare, not those kept from before; across a restart, what it
// decided of each event is stored once (a batch cut by the stop is read
// again, in the same Seq order, whatever the partitions).
func TestBusNewConsumerAndRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev := func(i int) *store.OutboxEvent {
		return &store.OutboxEvent{Partition: i % store.OutboxPartitions, Account: account, Bus: "default", Time: time.Now(),
			Body: fmt.Appendf(nil, `{"id":"e%d"}`, i)}
	}
	if err := st.AppendEvents(ctx, []*store.OutboxEvent{ev(0), ev(1)}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // t.Errorf from the consumer
	run := func(st store.Store, from int) func() {
		bus := events.New(st, events.Options{Batch: 3})
		bus.Register(events.Consumer{Name: "c", Handle: func(_ context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
			mu.Lock()
			defer mu.Unlock()
			c.State = map[string][]byte{}
			for i, e := range evs {
				if i > 0 && e.Seq <= evs[i-1].Seq {
					t.Errorf("a batch out of Seq order: %d then %d", evs[i-1].Seq, e.Seq)
				}
				c.State[fmt.Sprint(e.Seq)] = e.Body
			}
			return nil
		}})
		if err := bus.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		for i := from; i < from+10; i++ {
			if err := bus.Put(ctx, []*store.OutboxEvent{ev(i)}); err != nil {
				t.Fatal(err)
			}
		}
		c, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); bus.Run(c) }()
		return func() { cancel(); <-done }
	}
	// wait waits until the consumer stored n decisions.
	wait := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := 0
			if err := st.ConsumerState(ctx, "c", func(string, []byte) error { got++; return nil }); err != nil {
				t.Fatal(err)
			}
			if got >= n || time.Now().After(deadline) {
				return
			}
			time.Sleep(time.Millisecond) // polling, with the deadline above
		}
	}
	stop := run(st, 2)
	wait(10)
	stop()
	st.Close()
	// A restart: the events put meanwhile (10 more) are read, once.
	st, err = sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stop = run(st, 12)
	wait(20)
	stop()
	stored := map[string]bool{}
	if err := st.ConsumerState(ctx, "c", func(k string, v []byte) error {
		if stored[string(v)] {
			t.Errorf("event %s stored twice", v)
		}
		stored[string(v)] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 20 || stored[`{"id":"e0"}`] || stored[`{"id":"e1"}`] {
		t.Fatalf("the consumer's stored decisions: %v", stored)
	}
}

// TestBusBehind: the backlog an operator watches is what a consumer has
// not handled yet, and falls to zero once it has read everything; a
// consumer that only ticks or acts has none.
func TestBusBehind(t *testing.T) {
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	release := make(chan struct{})
	bus := events.New(st, events.Options{Batch: 4})
	bus.Register(events.Consumer{Name: "slow", Handle: func(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}})
	bus.Register(events.Consumer{Name: "ticker", Tick: func(context.Context, time.Time, *store.ConsumerCommit) (time.Time, error) {
		return time.Time{}, nil
	}})
	if err := bus.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := bus.Put(ctx, []*store.OutboxEvent{{Partition: i % store.OutboxPartitions, Account: account, Bus: "default",
			Time: time.Now(), Body: fmt.Appendf(nil, `{"id":"e%d"}`, i)}}); err != nil {
			t.Fatal(err)
		}
	}
	behind, err := bus.Behind(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(behind) != 1 || behind["slow"] != 10 {
		t.Fatalf("before running: %v, want slow 10 and nothing else", behind)
	}
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(c) }()
	defer func() { cancel(); <-done }()
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		behind, err := bus.Behind(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if behind["slow"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still behind after 10 s: %v", behind)
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
}
