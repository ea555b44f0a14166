package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/partition"
)

// queries are a test node's: "who" answers its name, the ARN and the
// arguments; "broken" fails.
func (n *node) queries() Queries {
	return Queries{
		"who": func(_ context.Context, arn string, args json.RawMessage) (any, error) {
			return n.name + " " + arn + " " + string(args), nil
		},
		"broken": func(context.Context, string, json.RawMessage) (any, error) {
			return nil, apierr.New(apierr.ValidationException, "broken on %s", n.name)
		},
	}
}

// TestAskGoesToTheOwner: a query about an ARN is answered by the node
// owning its partition (locally when it is this one), follows a partition
// that moved, and carries the answer's errors.
func TestAskGoesToTheOwner(t *testing.T) {
	w := newWorld()
	a, b := addNode(t, w, "a"), addNode(t, w, "b")
	settle(t, a, b)
	ctx := context.Background()
	var locals atomic.Int32
	local := func() error { locals.Add(1); return nil }
	onA := arnIn(a.eng.Owned().List()[0], "x")
	onB := arnIn(b.eng.Owned().List()[0], "y")

	var got string
	if err := a.rt.Ask(ctx, "who", onB, map[string]int{"k": 1}, local, &got); err != nil {
		t.Fatal(err)
	}
	if want := `b ` + onB + ` {"k":1}`; got != want || locals.Load() != 0 {
		t.Fatalf("asked about b's execution: %q (local %d), want %q", got, locals.Load(), want)
	}
	if err := a.rt.Ask(ctx, "who", onA, nil, local, &got); err != nil || locals.Load() != 1 {
		t.Fatalf("asked about its own execution: err %v, local %d", err, locals.Load())
	}

	// b gives the partition to a, whose cache still says b: b refuses,
	// and a answers.
	p := partition.Of(onB)
	a.rt.owner(ctx, p, true)
	b.eng.Release(ctx, partition.SetOf(p))
	member{w, "b"}.Release(ctx, p)
	member{w, "a"}.Acquire(ctx, p)
	a.eng.Acquire(ctx, partition.SetOf(p))
	if err := a.rt.Ask(ctx, "who", onB, nil, local, &got); err != nil || locals.Load() != 2 {
		t.Fatalf("asked about a moved partition: err %v, local %d", err, locals.Load())
	}

	onB = arnIn(b.eng.Owned().List()[0], "z")
	for _, q := range []string{"broken", "nope"} {
		err := a.rt.Ask(ctx, q, onB, nil, local, &got)
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Code != apierr.ValidationException {
			t.Fatalf("query %s: %v, want a ValidationException", q, err)
		}
	}
}

// TestAskAll: a node-wide query is answered by every other live node; a
// node that does not answer is named, not waited for past the bound.
func TestAskAll(t *testing.T) {
	w := newWorld()
	a, _, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	c.srv.Close()
	answers, missed, err := a.rt.AskAll(context.Background(), "who", "all")
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || string(answers["b"]) != `"b  \"all\""` {
		t.Fatalf("answers %q", answers)
	}
	if len(missed) != 1 || !strings.HasPrefix(missed[0], "c (") {
		t.Fatalf("missed %q", missed)
	}
}

// TestAskAllDoesNotWaitForAStalledNode: a node that takes the call and
// never answers is named among the missed once askAllTimeout has passed,
// with the other nodes' answers (a refused connection, as in TestAskAll,
// is missed at once, bound or not).
func TestAskAllDoesNotWaitForAStalledNode(t *testing.T) {
	w := newWorld()
	a, _ := addNode(t, w, "a"), addNode(t, w, "b")
	srv, calls := hostile(t, "stall")
	w.mu.Lock()
	w.addr["ghost"] = srv.URL
	w.mu.Unlock()
	type result struct {
		answers map[string]json.RawMessage
		missed  []string
		err     error
	}
	done := make(chan result, 1)
	began := time.Now()
	go func() {
		answers, missed, err := a.rt.AskAll(context.Background(), "who", "all")
		done <- result{answers, missed, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(askAllTimeout + 10*time.Second):
		t.Fatalf("AskAll still waits for the stalled node after %v", time.Since(began))
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if calls.Load() != 1 {
		t.Fatalf("the stalled node was called %d times, want 1", calls.Load())
	}
	if len(r.answers) != 1 || string(r.answers["b"]) != `"b  \"all\""` {
		t.Fatalf("answers %q", r.answers)
	}
	if len(r.missed) != 1 || !strings.HasPrefix(r.missed[0], "ghost (") {
		t.Fatalf("missed %q", r.missed)
	}
}
