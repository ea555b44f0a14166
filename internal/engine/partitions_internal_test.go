package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// fenceStore is a store whose commits can be held, and fenced as a
// cluster's store fences a node that lost partitions: a commit writing an
// execution of a lost partition stores nothing and fails with
// *store.PartitionsLostError.
type fenceStore struct {
	store.Store
	mu     sync.Mutex
	lost   partition.Set
	gate   chan struct{} // when set, commits wait for it to close
	fenced [][]string    // the executions of each fenced commit
}

func (f *fenceStore) Commit(ctx context.Context, trs []*store.Transition) error {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var lost partition.Set
	var arns []string
	for _, tr := range trs {
		arns = append(arns, tr.Execution.Arn)
		if p := partition.Of(tr.Execution.Arn); f.lost.Has(p) {
			lost = lost.With(p)
		}
	}
	if lost != 0 {
		f.fenced = append(f.fenced, arns)
		return &store.PartitionsLostError{Parts: lost.List()}
	}
	return f.Store.Commit(ctx, trs)
}

func (f *fenceStore) hold() {
	f.mu.Lock()
	f.gate = make(chan struct{})
	f.mu.Unlock()
}

// open lets the held commits go, fencing those of lost.
func (f *fenceStore) open(lost partition.Set) {
	f.mu.Lock()
	f.lost = lost
	close(f.gate)
	f.gate = nil
	f.mu.Unlock()
}

// iwf is a run of workflow wf.
func iwf(wf, name, def string) StartRequest {
	return StartRequest{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:" + wf + ":" + name,
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + wf, StateMachineName: wf,
		Name: name, Type: store.TypeStandard, Definition: def, Input: `{}`}
}

// newFenceWorld is a partitioned engine on a fenceStore; it owns nothing.
func newFenceWorld(t *testing.T, onLost func(partition.Set)) (*iworld, *fenceStore) {
	var fs *fenceStore
	w := newTunedIWorld(t, func(w *iworld, c *Config) {
		fs = &fenceStore{Store: w.st}
		c.Store, c.Partitioned, c.OnPartitionsLost = fs, true, onLost
	})
	return w, fs
}

// Release returns once the transitions of its partitions the engine took
// are stored (the batch in flight, then the current one), not before; the
// calls waiting for them are answered as stored.
func TestReleaseWaitsForTheBatches(t *testing.T) {
	w, fs := newFenceWorld(t, nil)
	e := w.e
	ctx := context.Background()
	if err := e.Acquire(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	const wait = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	fs.hold()
	started := make(chan error, 2)
	for _, name := range []string{"inflight", "next"} {
		go func() {
			_, err := e.Start(ctx, iwf("wf", name, wait))
			started <- err
		}()
		if name == "inflight" {
			w.until("the first commit in flight", func() bool { return e.inFlight })
		}
	}
	w.until("the second start in the next batch", func() bool { return len(e.batch.trs) == 1 })
	released := make(chan error, 1)
	go func() { released <- e.Release(ctx, partition.All) }()
	w.until("the release to drop the partitions", func() bool { return e.owned == 0 })
	select {
	case err := <-released:
		t.Fatalf("Release returned (%v) while its transitions were in flight", err)
	default:
	}
	fs.open(0)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-started; err != nil {
			t.Fatalf("a start stored before the release: %v", err)
		}
	}
	for _, name := range []string{"inflight", "next"} {
		if ex, err := w.st.GetExecution(ctx, iwf("wf", name, "").ExecutionArn); err != nil || ex.Status != workflow.StatusRunning {
			t.Fatalf("%s: %v %v", name, ex, err)
		}
	}
	w.inLoop(func() {
		if len(e.live) != 0 || e.timers.Len() != 0 {
			t.Errorf("after the release: %d executions in memory, %d timers", len(e.live), e.timers.Len())
		}
	})
}

// A commit fenced for one partition: the transitions of the others are
// stored, the partition stops running here at once, OnPartitionsLost is
// told, and the callers of what was dropped get the not-owner error.
func TestFencedCommitStoresTheRest(t *testing.T) {
	lostC := make(chan partition.Set, 4)
	w, fs := newFenceWorld(t, func(s partition.Set) { lostC <- s })
	st, e := w.st, w.e
	ctx := context.Background()
	if err := e.Acquire(ctx, partition.All); err != nil {
		t.Fatal(err)
	}
	// Two workflows in two partitions: p is lost, q is kept.
	var wp, wq string
	for _, wf := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		switch p := partition.Of("arn:aws:states:us-east-1:123456789012:stateMachine:" + wf); {
		case wp == "":
			wp = wf
		case p != partition.Of("arn:aws:states:us-east-1:123456789012:stateMachine:"+wp) && wq == "":
			wq = wf
		}
	}
	p := partition.Of(iwf(wp, "x", "").ExecutionArn)
	const wait = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	waiting, err := e.Start(ctx, iwf(wp, "waiting", wait)) // in memory? its timer is
	if err != nil {
		t.Fatal(err)
	}

	// A commit in flight is held; two starts wait in the next batch.
	fs.hold()
	type res struct {
		name string
		err  error
	}
	out := make(chan res, 3)
	startC := func(wf, name string) {
		go func() {
			_, err := e.Start(ctx, iwf(wf, name, wait))
			out <- res{name, err}
		}()
	}
	startC(wq, "first")
	w.until("the first commit in flight", func() bool { return e.inFlight })
	startC(wp, "x")
	startC(wq, "y")
	w.until("both starts in the next batch", func() bool { return len(e.batch.trs) == 2 })
	fs.open(partition.SetOf(p))

	got := map[string]error{}
	for range 3 {
		r := <-out
		got[r.name] = r.err
	}
	if got["first"] != nil || got["y"] != nil {
		t.Fatalf("the starts of the partition kept: %v %v", got["first"], got["y"])
	}
	if !IsNotOwner(got["x"]) {
		t.Fatalf("the start of the partition lost: %v, want the not-owner error", got["x"])
	}
	if _, err := st.GetExecution(ctx, iwf(wp, "x", "").ExecutionArn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the fenced start was stored: %v", err)
	}
	if ex, err := st.GetExecution(ctx, iwf(wq, "y", "").ExecutionArn); err != nil || ex.Status != workflow.StatusRunning {
		t.Fatalf("the start fenced with it was not stored: %v %v", ex, err)
	}
	select {
	case s := <-lostC:
		if s != partition.SetOf(p) {
			t.Fatalf("OnPartitionsLost(%v), want [%d]", s.List(), p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnPartitionsLost was not called")
	}
	fs.mu.Lock()
	mixed := len(fs.fenced) == 1 && len(fs.fenced[0]) == 2
	fs.mu.Unlock()
	if !mixed {
		t.Fatalf("fenced commits %v, want one with both starts", fs.fenced)
	}
	if e.Owned().Has(p) || !e.Owned().Has(partition.Of(iwf(wq, "y", "").ExecutionArn)) {
		t.Fatalf("owned %v after losing %d", e.Owned().List(), p)
	}
	// Nothing of p is left here; its executions are refused.
	w.inLoop(func() {
		for k := range e.timers.index {
			if partition.Of(k.arn) == p {
				t.Errorf("timer %v of the lost partition left on the heap", k)
			}
		}
		for arn := range e.live {
			if partition.Of(arn) == p {
				t.Errorf("execution %s of the lost partition left in memory", arn)
			}
		}
	})
	if _, err := e.Stop(ctx, waiting.Arn, "", ""); !IsNotOwner(err) {
		t.Fatalf("stop of an execution of the lost partition: %v", err)
	}
	// The store was not down for it.
	if !e.Ready() {
		t.Fatalf("not ready after a fenced commit: %v", e.StoreError())
	}
}
