package cluster

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// TestExpressTokenOnAnyNode: the token of an Express execution's task,
// which only the memory of the node running it holds, works on any node:
// its execution is found and its result and heartbeats reach that node,
// asking every node only once; a token no node knows stays TaskTimedOut.
func TestExpressTokenOnAnyNode(t *testing.T) {
	w := newWorld()
	a, b, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	settle(t, a, b, c)
	const arn = "arn:aws:states:us-east-1:123456789012:express:fast:run-1"
	c.eng.mu.Lock()
	c.eng.express = map[string]string{"express-1": arn}
	c.eng.mu.Unlock()
	ctx := context.Background()

	if got, err := a.rt.TokenExecution(ctx, "express-1"); err != nil || got != arn {
		t.Fatalf("TokenExecution on another node: %q, %v", got, err)
	}
	if err := a.rt.SendTaskHeartbeat(ctx, "express-1"); err != nil {
		t.Fatal(err)
	}
	if err := a.rt.SendTaskSuccess(ctx, "express-1", `"done"`); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.eng.calls, b.eng.calls, a.eng.calls); got != `[heartbeat express-1 success express-1 "done"] [] []` {
		t.Fatalf("calls of c, b, a: %s", got)
	}
	if got := a.rt.tokens.get("express-1"); got != c.srv.URL {
		t.Fatalf("remembered node %q, want c's", got)
	}

	// Gone from c's memory (the task ended): TaskTimedOut, as on one node.
	c.eng.mu.Lock()
	delete(c.eng.express, "express-1")
	c.eng.mu.Unlock()
	for _, call := range []func() error{
		func() error { _, err := a.rt.TokenExecution(ctx, "express-1"); return err },
		func() error { return a.rt.SendTaskSuccess(ctx, "express-1", `"late"`) },
		func() error { _, err := b.rt.TokenExecution(ctx, "express-2"); return err },
	} {
		var ae *apierr.Error
		if err := call(); !errors.As(err, &ae) || ae.Code != apierr.TaskTimedOut {
			t.Fatalf("a token no node knows: %v, want TaskTimedOut", err)
		}
	}
	// A node that does not answer is not waited for past the bound.
	c.srv.Close()
	var ae *apierr.Error
	if err := b.rt.SendTaskHeartbeat(ctx, "express-3"); !errors.As(err, &ae) || ae.Code != apierr.TaskTimedOut {
		t.Fatalf("with a node down: %v, want TaskTimedOut", err)
	}
}

// TestActivityTaskHeldByAnotherNode: a poll on any node gets an activity
// task that another node's engine holds and the store does not (an
// Express run's), once: two nodes holding one each hand out one per poll.
func TestActivityTaskHeldByAnotherNode(t *testing.T) {
	w := newWorld()
	a, b, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	settle(t, a, b, c)
	const act = "arn:aws:states:us-east-1:123456789012:activity:resize"
	for i, n := range []*node{b, c} {
		n.eng.mu.Lock()
		n.eng.held = map[string][]*store.Task{act: {{Token: fmt.Sprint("express-", i), ActivityArn: act, State: store.TaskQueued}}}
		n.eng.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := map[string]bool{}
	for range 2 {
		task, err := a.rt.GetActivityTask(ctx, act, "w")
		if err != nil || task == nil || task.WorkerName != "w" || task.State != store.TaskStarted {
			t.Fatalf("poll on a: %+v, %v", task, err)
		}
		got[task.Token] = true
	}
	if !got["express-0"] || !got["express-1"] {
		t.Fatalf("tasks handed out: %v", got)
	}
	if calls := fmt.Sprint(b.eng.calls, c.eng.calls); calls != "[handed express-0 w] [handed express-1 w]" {
		t.Fatalf("calls of b and c: %s", calls)
	}
}

// TestWakeHeldWakesOnePoll: told that another node's engine holds a task
// of an activity (postgres.ActivityHeld), one waiting poll of the node
// asks the other nodes at once and gets it; the other polls go on
// waiting. The recheck is an hour: only the notice can deliver it.
func TestWakeHeldWakesOnePoll(t *testing.T) {
	w := newWorld()
	a, b, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	settle(t, a, b, c)
	a.rt.SetActivityRecheck(time.Hour)
	const act = "arn:aws:states:us-east-1:123456789012:activity:resize"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan *store.Task, 2)
	for range 2 {
		go func() {
			task, err := a.rt.GetActivityTask(ctx, act, "w")
			if err != nil {
				t.Error(err)
			}
			got <- task
		}()
	}
	eventually(t, "both polls to wait", func() bool {
		a.rt.wakeMu.Lock()
		defer a.rt.wakeMu.Unlock()
		return len(a.rt.wakers[act]) == 2
	})
	c.eng.mu.Lock()
	c.eng.held = map[string][]*store.Task{act: {{Token: "express-held", ActivityArn: act, State: store.TaskQueued}}}
	c.eng.mu.Unlock()
	a.rt.WakeHeld(act)
	select {
	case task := <-got:
		if task == nil || task.Token != "express-held" || task.WorkerName != "w" {
			t.Fatalf("the woken poll got %+v", task)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no poll got the held task")
	}
	eventually(t, "the other poll to wait again", func() bool {
		a.rt.wakeMu.Lock()
		defer a.rt.wakeMu.Unlock()
		return len(a.rt.wakers[act]) == 1
	})
	cancel()
	if task := <-got; task != nil {
		t.Fatalf("the other poll got %+v", task)
	}
}
