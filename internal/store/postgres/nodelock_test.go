package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func start(s store.Store, name string) error {
	arn := "arn:aws:states:us-east-1:123456789012:execution:sm:" + name
	return s.Commit(context.Background(), []*store.Transition{{Execution: newExec(arn), New: true,
		Events: []store.Event{event("ExecutionStarted")}}})
}

// TestNodeLockExclusive: a second server cannot take the lock while the
// first holds it, and is told who holds it; once released, it can.
func TestNodeLockExclusive(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	ctx := context.Background()
	la, err := a.LockNode(ctx, postgres.LockOptions{Holder: "node-a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.LockNode(ctx, postgres.LockOptions{Holder: "node-b"})
	if err == nil || !strings.Contains(err.Error(), "node-a") {
		t.Fatalf("second LockNode: %v, want a refusal naming node-a", err)
	}
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	lb, err := b.LockNode(ctx, postgres.LockOptions{Holder: "node-b", Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release()
	if lb.Epoch != la.Epoch+1 {
		t.Fatalf("epochs %d then %d, want consecutive", la.Epoch, lb.Epoch)
	}
	if err := start(b, "after"); err != nil {
		t.Fatal(err)
	}
}

// TestNodeLockFencing: the database ends the lock's session of server A
// (as it does for a silent server); standby B takes the lock. A's next
// write is refused (ErrFenced, no effect) and A is told it lost the lock,
// even though its own connections work.
func TestNodeLockFencing(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	ctx := context.Background()
	var lost atomic.Pointer[error]
	la, err := a.LockNode(ctx, postgres.LockOptions{Holder: "node-a", Timeout: time.Hour, // its watch stays quiet
		OnLost: func(err error) { lost.Store(&err) }})
	if err != nil {
		t.Fatal(err)
	}
	defer la.Release()
	if err := start(a, "before"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	var lb *postgres.NodeLock
	go func() {
		var err error
		lb, err = b.LockNode(ctx, postgres.LockOptions{Holder: "node-b", Wait: -1})
		got <- err
	}()
	// End A's lock session from the database's side.
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the standby did not take the lock")
	}
	defer lb.Release()
	err = start(a, "fenced")
	if !errors.Is(err, postgres.ErrFenced) || !errors.Is(err, store.ErrNoEffect) {
		t.Fatalf("A's write after the takeover: %v, want ErrFenced with no effect", err)
	}
	if lost.Load() == nil {
		t.Fatal("A was not told it lost the lock")
	}
	if _, err := b.GetExecution(ctx, "arn:aws:states:us-east-1:123456789012:execution:sm:fenced"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the fenced write is stored: %v", err)
	}
	if err := start(b, "by-b"); err != nil {
		t.Fatalf("B's write: %v", err)
	}
}

// TestNodeLockPartition: server A's connections are cut off without being
// closed, as by a network partition, for longer than the lease timeout.
// A notices within the timeout (OnLost) and before the database hands
// the lock to standby B; when the network heals, A's writes are refused.
func TestNodeLockPartition(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	proxy := pg.NewProxy(t)
	a, b := open(t, proxy.DSN(dsn)), open(t, dsn)
	ctx := context.Background()
	const timeout = 2 * time.Second
	lostAt := make(chan time.Time, 1)
	la, err := a.LockNode(ctx, postgres.LockOptions{Holder: "node-a", Timeout: timeout,
		OnLost: func(error) { lostAt <- time.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	defer la.Release()
	if err := start(a, "before"); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	proxy.Freeze()
	lb, err := b.LockNode(ctx, postgres.LockOptions{Holder: "node-b", Wait: time.Minute, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release()
	tookAt := time.Now()
	var noticed time.Time
	select {
	case noticed = <-lostAt:
	case <-time.After(10 * time.Second):
		t.Fatal("A did not notice it was cut off")
	}
	t.Logf("A noticed after %v; B took over after %v", noticed.Sub(cut).Round(time.Millisecond), tookAt.Sub(cut).Round(time.Millisecond))
	if !noticed.Before(tookAt) {
		t.Fatalf("A noticed the loss after B took over")
	}
	if tookAt.Sub(cut) > timeout+5*time.Second {
		t.Fatalf("takeover took %v, lease timeout %v", tookAt.Sub(cut), timeout)
	}
	proxy.Thaw()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	arn := "arn:aws:states:us-east-1:123456789012:execution:sm:after-heal"
	err = a.Commit(wctx, []*store.Transition{{Execution: newExec(arn), New: true, Events: []store.Event{event("ExecutionStarted")}}})
	if err == nil {
		t.Fatal("A wrote after B took over")
	}
	if _, err := b.GetExecution(ctx, arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("A's write after the heal is stored: %v", err)
	}
}

// TestNodeLockMultibyteHolder: a holder's name longer than a session's
// name may be (63 bytes), in letters of several bytes, is cut between
// letters: the lock is taken and Nodes shows a prefix of the name.
func TestNodeLockMultibyteHolder(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	s := open(t, dsn)
	ctx := context.Background()
	holder := strings.Repeat("é", 40) // 80 bytes
	l, err := s.LockNode(ctx, postgres.LockOptions{Holder: holder})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	nodes, err := s.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Name == "" || !strings.HasPrefix(holder, nodes[0].Name) {
		t.Fatalf("nodes %+v, want one named by a prefix of %q", nodes, holder)
	}
}
