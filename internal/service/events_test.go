package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// TestGroupAppender: calls that come while an append is stored are stored
// together by the next one (one transaction for many PutEvents), each
// returning the error of the append that held its events.
func TestGroupAppender(t *testing.T) {
	var g groupAppender
	release := make(chan struct{})
	var mu sync.Mutex
	var puts [][]*store.OutboxEvent
	fail := errors.New("disk full")
	put := func(_ context.Context, evs []*store.OutboxEvent) error {
		mu.Lock()
		puts = append(puts, evs)
		n := len(puts)
		mu.Unlock()
		if n == 1 {
			<-release // the first append is slow: the others queue
			return nil
		}
		return fail
	}
	ev := func(seq int64) []*store.OutboxEvent { return []*store.OutboxEvent{{Seq: seq}} }
	first := make(chan error, 1)
	go func() { first <- g.append(context.Background(), ev(1), put) }()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(puts) == 1 })
	errs := make(chan error, 5)
	for i := range 5 {
		go func() { errs <- g.append(context.Background(), ev(int64(i+2)), put) }()
	}
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == 5 })
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the first append: %v", err)
	}
	for range 5 {
		if err := <-errs; !errors.Is(err, fail) {
			t.Errorf("a queued append: %v, want the error of the append that held it", err)
		}
	}
	if len(puts) != 2 || len(puts[1]) != 5 {
		t.Fatalf("puts = %d (the second with %d events); want 2, the second holding the 5 queued calls' events", len(puts), len(puts[len(puts)-1]))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond) // polling goroutines of the test, with a deadline
	}
}
