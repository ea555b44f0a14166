package engine_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/tasks"
)

const waitDef = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

// fworld is a world whose engine runs on a store that fails on demand.
type fworld struct {
	*world
	fs *faulty.Store
}

func newFWorld(t *testing.T) *fworld {
	w := &world{t: t, dir: t.TempDir(), clk: clock.NewFake(t0), execs: map[string]tasks.Executor{}}
	f := &fworld{world: w}
	w.wrap = func(st store.Store) store.Store {
		f.fs = faulty.New(st)
		return f.fs
	}
	w.open()
	t.Cleanup(func() { w.close() })
	return f
}

// waitReady polls the engine's readiness until it is want.
func (f *fworld) waitReady(want bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.eng.Ready() != want {
		if time.Now().After(deadline) {
			f.t.Fatalf("engine Ready() stayed %v", !want)
		}
		time.Sleep(time.Millisecond) // polling readiness with a deadline
	}
}

// want503 checks err is the 503 of a store that cannot write.
func want503(t *testing.T, what string, err error) {
	t.Helper()
	e, ok := apierr.As(err)
	if !ok || e.Status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "disk is full") {
		t.Fatalf("%s: %v, want a 503 that says the disk is full", what, err)
	}
}

// TestStoreFullRecovers: while the store cannot write, a start is answered
// 503 (not 500) and the engine is not ready; once writes pass it recovers by
// itself, and nothing acknowledged is lost.
func TestStoreFullRecovers(t *testing.T) {
	f := newFWorld(t)
	ctx := context.Background()
	before := f.start("before", waitDef, `{}`)

	f.fs.FailCommits(faulty.ErrFull)
	_, err := f.eng.Start(ctx, f.req("during", waitDef, `{}`))
	want503(t, "a start whose commit fails", err)
	if f.eng.Ready() {
		t.Error("the engine says ready while its store cannot write")
	}
	_, err = f.eng.Start(ctx, f.req("refused", waitDef, `{}`))
	want503(t, "a start while the store is down", err)
	if _, err := f.eng.Stop(ctx, before.Arn, "", ""); err == nil {
		t.Error("a stop was acknowledged while the store cannot write")
	} else {
		want503(t, "a stop while the store is down", err)
	}

	// The engine retries the failed batch by itself: no restart.
	failed := f.fs.Failed("Commit")
	f.fs.FailCommits(nil)
	f.waitReady(true)
	if failed < 1 {
		t.Fatalf("no commit failed")
	}
	after := f.start("after", waitDef, `{}`)
	for _, arn := range []string{before.Arn, after.Arn} {
		if got := f.wait(arn, "RUNNING"); got == nil {
			t.Fatalf("%s lost", arn)
		}
	}
	// The start answered 503 was in the batch retried: it is stored now,
	// and repeating it answers the same execution, as a 503 says.
	again, err := f.eng.Start(ctx, f.req("during", waitDef, `{}`))
	if err != nil || again.Status != "RUNNING" {
		t.Errorf("repeating the start answered 503: %v, %v", again, err)
	}
	// The start refused at the door never reached the store.
	if _, err := f.st.GetExecution(ctx, f.req("refused", waitDef, `{}`).ExecutionArn); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the start refused while down: %v, want not found", err)
	}
	// And everything survives a restart.
	f.close()
	f.open()
	for _, name := range []string{"before", "during", "after"} {
		f.wait(f.req(name, waitDef, `{}`).ExecutionArn, "RUNNING")
	}
}

// TestStoreFullStopWhileDown: the engine closes while the store cannot
// write; the batch is lost, not acknowledged, and the executions resume from
// what was stored.
func TestStoreFullCloseWhileDown(t *testing.T) {
	f := newFWorld(t)
	ctx := context.Background()
	x := f.start("x", waitDef, `{}`)
	f.fs.FailCommits(faulty.ErrFull)
	if _, err := f.eng.Stop(ctx, x.Arn, "", ""); err == nil {
		t.Fatal("a stop was acknowledged while the store cannot write")
	}
	done := make(chan error, 1)
	go func() { done <- f.eng.Close() }()
	select {
	case err := <-done:
		// The server exits non-zero on it: a stop that lost work is not clean.
		if err == nil || !strings.Contains(err.Error(), "could not write") {
			t.Errorf("Close with a batch the store did not write: %v, want an error saying so", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung while the store failed")
	}
	f.st.Close()
	f.eng = nil
	f.open()
	f.wait(x.Arn, "RUNNING")
}

// TestDamagedExecutionNotRetried: an execution whose row reads as damaged
// is not loaded again and again: the call waiting for it gets a 500 that
// names the damage.
func TestDamagedExecutionNotRetried(t *testing.T) {
	f := newFWorld(t)
	x := f.start("x", waitDef, `{}`)
	f.close()
	f.open() // nothing in memory
	f.fs.FailGets(faulty.ErrCorrupt, x.Arn)
	done := make(chan error, 1)
	go func() {
		_, err := f.eng.Stop(context.Background(), x.Arn, "", "")
		done <- err
	}()
	select {
	case err := <-done:
		e, ok := apierr.As(err)
		if !ok || e.Status != http.StatusInternalServerError || !strings.Contains(e.Message, "database damaged") {
			t.Fatalf("stop of a damaged execution: %v, want a 500 naming the damage", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the stop of a damaged execution hung (%d loads failed)", f.fs.Failed("GetExecution"))
	}
	if n := f.fs.Failed("GetExecution"); n != 1 {
		t.Errorf("the damaged execution was read %d times, want 1", n)
	}
}

// TestStoreFullTaskResultKept: a built-in task that ends while the store
// cannot write is not lost: its result waits behind the retried batch and
// the execution completes once writes pass, with one run of the task.
func TestStoreFullTaskResultKept(t *testing.T) {
	f := newFWorld(t)
	release := make(chan struct{})
	var runs atomic.Int32
	f.execs["zz:gate"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		runs.Add(1)
		select {
		case <-release:
			return map[string]any{"done": true}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	x := f.start("task", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:gate","End":true}}}`, `{}`)
	f.fs.FailCommits(faulty.ErrFull)
	close(release)
	f.waitReady(false) // the task's result failed to be stored
	if got, _ := f.st.GetExecution(context.Background(), x.Arn); got.Status != "RUNNING" {
		t.Fatalf("status %s while the store cannot write", got.Status)
	}
	f.fs.FailCommits(nil)
	f.waitReady(true)
	f.wait(x.Arn, "SUCCEEDED")
	if n := runs.Load(); n != 1 {
		t.Errorf("the task ran %d times, want 1", n)
	}
}
