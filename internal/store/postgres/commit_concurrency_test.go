package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

// twoNodes opens two stores on one fresh database, as two servers would.
func twoNodes(t *testing.T) (*postgres.Store, *postgres.Store) {
	t.Helper()
	dsn := pgtest.Start(t).NewDatabase(t)
	var out [2]*postgres.Store
	for i := range out {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}

func newExec(arn string) *store.Execution {
	return &store.Execution{Arn: arn, StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		Name: arn, Type: store.TypeStandard, Status: "RUNNING", Input: "{}", Definition: "{}",
		StartDate: time.Unix(1_700_000_000, 0).UTC()}
}

func event(typ string) store.Event {
	return store.Event{Type: typ, Timestamp: time.Unix(1_700_000_001, 0).UTC(), Body: []byte(`{}`)}
}

// TestConcurrentCommits: two nodes appending events to the same
// executions at once. Commit locks the rows it continues, so every event
// gets the next id: the histories are gap-free and no commit is lost or
// refused, whatever the interleaving.
func TestConcurrentCommits(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	const execs, perWriter, writers = 4, 30, 4
	arns := make([]string, execs)
	for i := range arns {
		arns[i] = fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:x%d", i)
		if err := a.Commit(ctx, []*store.Transition{{Execution: newExec(arns[i]), New: true,
			Events: []store.Event{event("ExecutionStarted")}}}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := range writers * 2 {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				// Batches touching several executions, in different
				// orders on each writer: the lock order must prevent
				// deadlocks, not just survive them.
				var batch []*store.Transition
				for k := range execs {
					arn := arns[(w+i+k)%execs]
					batch = append(batch, &store.Transition{Execution: newExec(arn),
						Events: []store.Event{event("PassStateEntered"), event("PassStateExited")}})
				}
				if err := s.Commit(ctx, batch); err != nil {
					errs <- fmt.Errorf("writer %d, commit %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := int64(1 + writers*2*perWriter*2)
	for _, arn := range arns {
		x, err := b.GetExecution(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		if x.EventCount != want {
			t.Errorf("%s: event count %d, want %d", arn, x.EventCount, want)
		}
		evs, _, err := b.History(ctx, arn, false, store.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.ID != int64(i+1) {
				t.Fatalf("%s: event %d has id %d: the history has a gap", arn, i, e.ID)
			}
		}
		if int64(len(evs)) != want {
			t.Errorf("%s: %d events, want %d", arn, len(evs), want)
		}
	}
}

// TestConcurrentCommitsExplicitIDs: two nodes that both believe they hold
// an execution's next event id: one commit wins, the other gets
// ErrConflict and stores nothing.
func TestConcurrentCommitsExplicitIDs(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	arn := "arn:aws:states:us-east-1:123456789012:execution:sm:one"
	if err := a.Commit(ctx, []*store.Transition{{Execution: newExec(arn), New: true,
		Events: []store.Event{event("ExecutionStarted")}}}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		next := int64(2 + round)
		var wg sync.WaitGroup
		results := make([]error, 2)
		for i, s := range []*postgres.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev := event("PassStateEntered")
				ev.ID = next
				results[i] = s.Commit(ctx, []*store.Transition{{Execution: newExec(arn), Events: []store.Event{ev}}})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrConflict):
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d commits of event %d succeeded, want exactly 1 (%v)", round, won, next, results)
		}
	}
}

// TestConcurrentStarts: both nodes create the same execution at once:
// exactly one succeeds, the other gets ErrExists.
func TestConcurrentStarts(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	for round := range 20 {
		arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:s%d", round)
		var wg sync.WaitGroup
		results := make([]error, 2)
		for i, s := range []*postgres.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = s.Commit(ctx, []*store.Transition{{Execution: newExec(arn), New: true,
					Events: []store.Event{event("ExecutionStarted")}}})
			}()
		}
		wg.Wait()
		ok, exists := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrExists):
				exists++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || exists != 1 {
			t.Fatalf("round %d: %v, want one success and one ErrExists", round, results)
		}
	}
}

// TestOutboxCommitOrder: two nodes append to the outbox while a reader
// follows it with a cursor, as the event bus does. Seq order is commit
// order, so the reader never skips an event that commits after it read a
// greater Seq: it sees every event exactly once, in Seq order.
func TestOutboxCommitOrder(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	const writers, perWriter = 6, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				ev := &store.OutboxEvent{Partition: (w + i) % store.OutboxPartitions, Account: "123456789012",
					Bus: "default", Time: time.Now(), Body: fmt.Appendf(nil, `{"id":"%d-%d"}`, w, i)}
				if err := s.AppendEvents(ctx, []*store.OutboxEvent{ev}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var cursor int64
	deadline := time.Now().Add(60 * time.Second)
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		evs, err := b.ReadOutbox(ctx, -1, cursor, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Seq <= cursor {
				t.Fatalf("seq %d after cursor %d", ev.Seq, cursor)
			}
			cursor = ev.Seq
			if seen[string(ev.Body)] {
				t.Fatalf("event %s read twice", ev.Body)
			}
			seen[string(ev.Body)] = true
		}
		if finished && len(evs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writers did not finish")
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("the reader saw %d events, want %d: it skipped some", len(seen), writers*perWriter)
	}
}
