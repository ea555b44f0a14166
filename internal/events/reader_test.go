package events

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// openStore opens a store of its own for t.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestReaderServesCompleteRanges: while writers append, readers at
// positions all over the outbox (behind a small cache, in it, at its head)
// get from the shared reader what the store has after their position: a
// prefix of what a later read of the store returns, never an event left
// out or out of order.
func TestReaderServesCompleteRanges(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	const batch = 7
	x := newReader(st, clock.Real{}, batch)
	x.maxEvents = 20
	var written atomic.Int64
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				ev := &store.OutboxEvent{Partition: i % store.OutboxPartitions, Account: "a", Bus: "default", Time: time.Now(),
					Body: fmt.Appendf(nil, `{"w":%d,"i":%d}`, w, i)}
				if err := st.AppendEvents(ctx, []*store.OutboxEvent{ev}); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
				if i%3 == 0 {
					x.changed()
				}
			}
		}()
	}
	for r := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(r), 1))
			after := int64(0)
			for k := 0; k < 200 || written.Load() < 120; k++ {
				if after > 0 && rnd.IntN(10) == 0 {
					after = rnd.Int64N(after) // jump back, behind the cache
				}
				evs, err := x.read(ctx, after)
				if err != nil {
					t.Error(err)
					return
				}
				later, err := st.ReadOutbox(ctx, -1, after, batch)
				if err != nil {
					t.Error(err)
					return
				}
				if len(evs) > len(later) {
					t.Errorf("after %d: the reader returned %d events, the store then had %d", after, len(evs), len(later))
					return
				}
				for i, ev := range evs {
					if ev.Seq != later[i].Seq || string(ev.Body) != string(later[i].Body) {
						t.Errorf("after %d: event %d is Seq %d, the store's is %d", after, i, ev.Seq, later[i].Seq)
						return
					}
				}
				if len(evs) > 0 {
					after = evs[len(evs)-1].Seq
				}
			}
		}()
	}
	wg.Wait()
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.evs) > x.maxEvents {
		t.Fatalf("the cache holds %d events, more than its bound %d", len(x.evs), x.maxEvents)
	}
}

// TestReaderHead: at the head, a read finds what a wake-up announced at
// once; an event nobody announced is found once headFresh has passed (the
// runners' rescan), not before.
func TestReaderHead(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	clk := clock.NewFake(time.Now())
	x := newReader(st, clk, 8)
	appendOne := func(i int) {
		t.Helper()
		if err := st.AppendEvents(ctx, []*store.OutboxEvent{{Partition: 0, Account: "a", Bus: "default", Time: clk.Now(),
			Body: fmt.Appendf(nil, `{"i":%d}`, i)}}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(after int64) int {
		t.Helper()
		evs, err := x.read(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if n := read(0); n != 0 {
		t.Fatalf("an empty outbox: %d events", n)
	}
	appendOne(1)
	if n := read(0); n != 0 {
		t.Fatalf("an event not announced was read within headFresh: %d", n)
	}
	x.changed()
	if n := read(0); n != 1 {
		t.Fatalf("after a wake-up: %d events, want 1", n)
	}
	appendOne(2)
	if n := read(1); n != 0 {
		t.Fatalf("an event not announced was read within headFresh: %d", n)
	}
	clk.Advance(headFresh)
	if n := read(1); n != 1 {
		t.Fatalf("after headFresh: %d events, want 1", n)
	}
	if n := read(0); n != 2 {
		t.Fatalf("from the start of the cache: %d events, want 2", n)
	}
}

// gatedStore holds its reads of the outbox at gate while gated is set, and
// tells started when one began.
type gatedStore struct {
	store.Store
	gated   atomic.Bool
	started chan struct{}
	gate    chan struct{}
}

func (s *gatedStore) ReadOutbox(ctx context.Context, p int, after int64, limit int) ([]*store.OutboxEvent, error) {
	if s.gated.Load() {
		evs, err := s.Store.ReadOutbox(ctx, p, after, limit) // its snapshot: before what comes next
		s.started <- struct{}{}
		<-s.gate
		return evs, err
	}
	return s.Store.ReadOutbox(ctx, p, after, limit)
}

// TestReaderWakeUpAfterAFlight: a runner woken up (changed) while another
// runner's read of the same place is under way does not take that read's
// result, which began before the events that woke it were stored: it
// reads again and finds them at once, not at its rescan.
func TestReaderWakeUpAfterAFlight(t *testing.T) {
	st := &gatedStore{Store: openStore(t), started: make(chan struct{}), gate: make(chan struct{})}
	ctx := context.Background()
	x := newReader(st, clock.NewFake(time.Now()), 8)
	// The second time, the cache holds what the first read found: the
	// reads go on from its end.
	for i, cached := range []bool{false, true} {
		const after = 0
		x.changed()
		st.gated.Store(true)
		first := make(chan []*store.OutboxEvent, 1)
		go func() {
			evs, _ := x.read(ctx, after)
			first <- evs
		}()
		<-st.started // the first runner's read has its snapshot: nothing yet
		st.gated.Store(false)
		if err := st.AppendEvents(ctx, []*store.OutboxEvent{{Partition: 0, Account: "a", Bus: "default", Time: time.Now(), Body: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		x.changed() // Notify: the second runner is woken up and reads
		second := make(chan []*store.OutboxEvent, 1)
		go func() {
			evs, _ := x.read(ctx, after)
			second <- evs
		}()
		// The first read ends once the second runner waits for it.
		waitFor := time.Now().Add(10 * time.Second)
		for {
			x.mu.Lock()
			joined := false
			for _, f := range x.flights {
				joined = joined || f.waiters > 0
			}
			x.mu.Unlock()
			if joined {
				break
			}
			if time.Now().After(waitFor) {
				t.Fatal("the second runner never waited for the first one's read")
			}
			time.Sleep(time.Millisecond) // polling, with the deadline above
		}
		close(st.gate)
		<-first
		if evs := <-second; len(evs) != i+1 {
			t.Fatalf("cached %v: the runner woken up after the event was stored read %d events, want %d", cached, len(evs), i+1)
		}
		st.gate = make(chan struct{})
	}
}
