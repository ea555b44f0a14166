package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3/lock"

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

// TestNodeLockKeptWhileMigrating: LockNode applies the migrations after
// taking the lock (MigrateUnderLock); while they wait (for goose's lock,
// held here by another session, as by a tool migrating the database) or
// run long, the lock's session must not fall silent for the lease timeout,
// or the database ends it and gives the lock away mid-migration.
func TestNodeLockKeptWhileMigrating(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4, MigrateUnderLock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx) // first: lets the migration go, which s.Close waits for
	if _, err := other.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	locked := make(chan error, 1)
	go func() {
		l, err := s.LockNode(ctx, postgres.LockOptions{Holder: "node-a", Timeout: time.Second})
		if err == nil {
			defer l.Release()
		}
		locked <- err
	}()
	// The lock's session waits in the migration for longer than its lease
	// timeout (1s); then the migration may go.
	var pid int32
	var since time.Time
	deadline := time.Now().Add(30 * time.Second)
	for time.Since(since) < 2500*time.Millisecond || pid == 0 {
		var now int32
		err := other.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE starts_with(application_name, 'baton node: ')`).Scan(&now)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case pid == 0 && now != 0:
			pid, since = now, time.Now()
		case pid != 0 && now != pid:
			t.Errorf("the lock's session ended after %v, in the migration", time.Since(since).Round(time.Millisecond))
			since = time.Time{}
		}
		if time.Now().After(deadline) || (pid != 0 && since.IsZero()) {
			break
		}
		select {
		case err := <-locked:
			t.Fatalf("LockNode returned (%v) while goose's lock was held", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	if err := <-locked; err != nil {
		t.Errorf("LockNode: %v", err)
	}
}
