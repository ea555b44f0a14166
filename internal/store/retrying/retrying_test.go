package retrying_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/retrying"
	"github.com/batonhq/baton/internal/store/sqlite"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// rig is retrying(faulty(sqlite)) on a fake clock that a goroutine moves
// on whenever the retrier waits, recording the waits.
type rig struct {
	sq    *sqlite.Store
	fs    *faulty.Store
	rs    *retrying.Store
	mu    sync.Mutex
	waits []time.Duration
}

func newRig(t *testing.T, p retrying.Policy) *rig {
	t.Helper()
	sq, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sq: sq, fs: faulty.New(sq)}
	clk := clock.NewFake(t0)
	p.Clock = clk
	p.OnRetry = func(_ string, _ int, _ error, wait time.Duration) {
		r.mu.Lock()
		r.waits = append(r.waits, wait)
		r.mu.Unlock()
	}
	r.rs = retrying.New(r.fs, p)
	done := make(chan struct{})
	go func() { // moves the fake clock past every back-off
		for {
			select {
			case <-done:
				return
			default:
			}
			if clk.Waiters() > 0 {
				clk.Advance(time.Minute)
			}
			runtime.Gosched()
		}
	}()
	t.Cleanup(func() { close(done); sq.Close() })
	return r
}

func (r *rig) backoffs() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

func newExec(name string) *store.Transition {
	return &store.Transition{New: true, Execution: &store.Execution{
		Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:" + name, StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		Name: name, Type: store.TypeStandard, Status: "RUNNING", Input: "{}", StartDate: t0,
	}, Events: []store.Event{{Type: "ExecutionStarted", Timestamp: t0, Body: []byte(`{}`)}}}
}

var errInjected = fmt.Errorf("%w: database is locked (SQLITE_BUSY, injected)", store.ErrUnavailable)

// TestRetries pins which failures are retried, how often, and with which
// back-off, on real SQLite beneath injected faults.
func TestRetries(t *testing.T) {
	p := retrying.Policy{Attempts: 4, First: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	ctx := context.Background()
	tests := []struct {
		name      string
		method    string
		inject    func(fs *faulty.Store)
		call      func(r *rig) error
		wantErr   error // nil: the call passes
		wantCalls int64
		wantWaits []time.Duration
	}{
		{
			name: "a read failing twice passes at the third call", method: "GetExecution",
			inject:    func(fs *faulty.Store) { fs.FailNext("GetExecution", 2, errInjected) },
			call:      func(r *rig) error { _, err := r.rs.GetExecution(ctx, newExec("a").Execution.Arn); return err },
			wantErr:   store.ErrNotFound,
			wantCalls: 3, wantWaits: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		},
		{
			name: "a commit that had no effect is retried and stored once", method: "Commit",
			inject:    func(fs *faulty.Store) { fs.FailNext("Commit", 1, faulty.ErrFull) },
			call:      func(r *rig) error { return r.rs.Commit(ctx, []*store.Transition{newExec("b")}) },
			wantCalls: 2, wantWaits: []time.Duration{10 * time.Millisecond},
		},
		{
			name: "a commit whose answer was lost is not retried", method: "Commit",
			inject:    func(fs *faulty.Store) { fs.FailAfter("Commit", 1, faulty.ErrFull) },
			call:      func(r *rig) error { return r.rs.Commit(ctx, []*store.Transition{newExec("c")}) },
			wantErr:   store.ErrUnavailable,
			wantCalls: 1,
		},
		{
			name: "back-off doubles up to Max and stops after Attempts", method: "ListActivities",
			inject:    func(fs *faulty.Store) { fs.FailAlways("ListActivities", errInjected) },
			call:      func(r *rig) error { _, _, err := r.rs.ListActivities(ctx, store.Page{}); return err },
			wantErr:   store.ErrUnavailable,
			wantCalls: 4, wantWaits: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		},
		{
			name: "a damaged database is not retried", method: "GetExecution",
			inject:    func(fs *faulty.Store) { fs.FailAlways("GetExecution", faulty.ErrCorrupt) },
			call:      func(r *rig) error { _, err := r.rs.GetExecution(ctx, "x"); return err },
			wantErr:   store.ErrDamaged,
			wantCalls: 1,
		},
		{
			name: "a refusal is not retried", method: "CreateActivity",
			inject: func(fs *faulty.Store) {
				fs.SetHook("CreateActivity", func(context.Context, string) error { return fmt.Errorf("activity: %w", store.ErrExists) })
			},
			call: func(r *rig) error {
				return r.rs.CreateActivity(ctx, &store.Activity{Arn: "a", Name: "a", CreatedAt: t0})
			},
			wantErr:   store.ErrExists,
			wantCalls: 1,
		},
		{
			name: "Timers is not retried once it called fn", method: "Timers",
			inject: func(fs *faulty.Store) { fs.FailAfter("Timers", 1, errInjected) },
			call: func(r *rig) error {
				x := newExec("t")
				x.AddTimers = []store.Timer{{ExecutionArn: x.Execution.Arn, TimerID: "w", At: t0, Purpose: "wait"}}
				if err := r.sq.Commit(ctx, []*store.Transition{x}); err != nil {
					return err
				}
				n := 0
				err := r.rs.Timers(ctx, func(store.Timer) error { n++; return nil })
				if n != 1 {
					return fmt.Errorf("fn called %d times, want 1", n)
				}
				return err
			},
			wantErr:   store.ErrUnavailable,
			wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, p)
			tc.inject(r.fs)
			err := tc.call(r)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got := r.fs.Calls(tc.method); got != tc.wantCalls {
				t.Errorf("%s called %d times, want %d", tc.method, got, tc.wantCalls)
			}
			if got := r.backoffs(); fmt.Sprint(got) != fmt.Sprint(tc.wantWaits) && !(len(got) == 0 && len(tc.wantWaits) == 0) {
				t.Errorf("back-offs %v, want %v", got, tc.wantWaits)
			}
		})
	}
}

// TestCommitStoredOnce: the batch retried after a no-effect failure is in
// the database once (one history event, not two).
func TestCommitStoredOnce(t *testing.T) {
	r := newRig(t, retrying.Policy{})
	r.fs.FailNext("Commit", 2, faulty.ErrFull)
	tr := newExec("once")
	if err := r.rs.Commit(context.Background(), []*store.Transition{tr}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := r.sq.History(context.Background(), tr.Execution.Arn, false, store.Page{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("history after a retried commit: %d events, %v; want 1", len(evs), err)
	}
}

// TestContextEndsRetries: a retry that waits ends when its context does,
// with the store's error.
func TestContextEndsRetries(t *testing.T) {
	sq, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	fs := faulty.New(sq)
	fs.FailAlways("ListActivities", errInjected)
	ctx, cancel := context.WithCancel(context.Background())
	rs := retrying.New(fs, retrying.Policy{Attempts: -1, Clock: clock.NewFake(t0),
		OnRetry: func(string, int, error, time.Duration) { cancel() }})
	if _, _, err := rs.ListActivities(ctx, store.Page{}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if n := fs.Calls("ListActivities"); n != 1 {
		t.Errorf("%d calls after the context ended, want 1", n)
	}
}

// TestBusyOnRealSQLite: another process holding the write lock past the
// busy timeout fails a write with SQLITE_BUSY, which the SQLite store marks
// as passing and without effect; the retrying store retries it and it
// passes once the lock is released.
func TestBusyOnRealSQLite(t *testing.T) {
	dir := t.TempDir()
	sq, err := sqlite.Open(dir, sqlite.Options{BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	act := &store.Activity{Arn: "arn:aws:states:us-east-1:123456789012:activity:a", Name: "a", CreatedAt: t0}
	err = sq.CreateActivity(ctx, act)
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, store.ErrLocked) || !errors.Is(err, store.ErrNoEffect) {
		t.Fatalf("a write blocked by another process: %v, want ErrUnavailable, ErrLocked and ErrNoEffect", err)
	}
	if msg := apierr.StoreFault(err).Error(); !strings.Contains(msg, "another program") {
		t.Errorf("the API error of a lock held too long: %q, want it to say what to do", msg)
	}
	// The back-off runs on the real clock here: 1 ms.
	released := false
	rs := retrying.New(sq, retrying.Policy{Attempts: 3, First: time.Millisecond, OnRetry: func(string, int, error, time.Duration) {
		if !released {
			released = true
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
		}
	}})
	if err := rs.CreateActivity(ctx, act); err != nil || !released {
		t.Fatalf("a write retried after the lock was released: %v (released %v)", err, released)
	}
	if _, err := sq.GetActivity(ctx, act.Arn); err != nil {
		t.Fatal(err)
	}
}
