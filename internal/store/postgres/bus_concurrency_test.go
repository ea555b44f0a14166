package postgres_test

// What only PostgreSQL has for event rules and task logs: several nodes
// (Store values on one database) writing at once. SQLite's one writer
// makes these hold by itself; here the locks of rules.go and logs.go do.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

const nodeAccount = "111111111111"

// onBoth runs fn(node, store, i) for i in [0, n) on each of the two nodes,
// all at once, and waits for them.
func onBoth(a, b *postgres.Store, n int, fn func(node int, s *postgres.Store, i int)) {
	var wg sync.WaitGroup
	for node, s := range []*postgres.Store{a, b} {
		for i := range n {
			wg.Go(func() { fn(node, s, i) })
		}
	}
	wg.Wait()
}

func nodeRule(bus, name string) *store.Rule {
	return &store.Rule{Account: nodeAccount, Bus: bus, Name: name, EventPattern: `{"source":["x"]}`, State: store.RuleEnabled,
		Created: time.Unix(1, 0).UTC(), Modified: time.Unix(1, 0).UTC()}
}

func nodeTarget(id string) *store.RuleTarget {
	return &store.RuleTarget{ID: id, Arn: "arn:aws:states:us-east-1:" + nodeAccount + ":stateMachine:" + id, Spec: []byte(`{}`)}
}

// TestRuleLimitsAcrossNodes puts rules, and targets, from two nodes at
// once: maxRules and maxTargets hold, on DefaultBus (no row to lock) and
// on a custom bus.
func TestRuleLimitsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	if err := a.CreateEventBus(ctx, &store.EventBus{Account: nodeAccount, Name: "orders"}); err != nil {
		t.Fatal(err)
	}
	const maxRules, maxTargets, perNode = 5, 3, 8
	for _, bus := range []string{store.DefaultBus, "orders"} {
		var mu sync.Mutex
		var created, limited int
		onBoth(a, b, perNode, func(node int, s *postgres.Store, i int) {
			ok, err := s.PutRule(ctx, nodeRule(bus, fmt.Sprintf("r-%d-%d", node, i)), maxRules)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, store.ErrLimit):
				limited++
			case err != nil:
				t.Errorf("PutRule on %s: %v", bus, err)
			case ok:
				created++
			}
		})
		rules, _, err := a.ListRules(ctx, nodeAccount, bus, "", store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if created != maxRules || limited != 2*perNode-maxRules || len(rules) != maxRules {
			t.Errorf("bus %s: %d rules created, %d refused, %d stored; want %d, %d, %d",
				bus, created, limited, len(rules), maxRules, 2*perNode-maxRules, maxRules)
		}
	}

	rule := "r-0-0"
	if _, err := a.PutRule(ctx, nodeRule(store.DefaultBus, rule), 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var put int
	onBoth(a, b, perNode, func(node int, s *postgres.Store, i int) {
		err := s.PutTargets(ctx, nodeAccount, store.DefaultBus, rule, []*store.RuleTarget{nodeTarget(fmt.Sprintf("t-%d-%d", node, i))}, maxTargets)
		if err != nil && !errors.Is(err, store.ErrLimit) {
			t.Errorf("PutTargets: %v", err)
		}
		if err == nil {
			mu.Lock()
			put++
			mu.Unlock()
		}
	})
	got, err := b.GetRule(ctx, nodeAccount, store.DefaultBus, rule)
	if err != nil {
		t.Fatal(err)
	}
	if put != maxTargets || len(got.Targets) != maxTargets {
		t.Errorf("%d PutTargets succeeded, the rule has %d targets; want %d", put, len(got.Targets), maxTargets)
	}
}

// TestRuleDeletesAcrossNodes deletes a bus (a rule) on one node while the
// other puts rules on it (targets on it): nothing is left behind, which a
// bus (a rule) made again under the name would inherit.
func TestRuleDeletesAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	const rounds, puts = 10, 4
	for round := range rounds {
		bus := fmt.Sprintf("bus-%d", round)
		if err := a.CreateEventBus(ctx, &store.EventBus{Account: nodeAccount, Name: bus}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutRule(ctx, nodeRule(bus, "r"), 0); err != nil {
			t.Fatal(err)
		}
		onBoth(a, b, puts+1, func(node int, s *postgres.Store, i int) {
			var err error
			switch {
			case node == 1 && i == puts:
				err = s.DeleteEventBus(ctx, nodeAccount, bus)
			case node == 0 && i == puts:
				err = s.DeleteRule(ctx, nodeAccount, bus, "r", true)
			case node == 0:
				_, err = s.PutRule(ctx, nodeRule(bus, fmt.Sprintf("p-%d", i)), 0)
			default:
				err = s.PutTargets(ctx, nodeAccount, bus, "r", []*store.RuleTarget{nodeTarget(fmt.Sprint(i))}, 0)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("round %d: node %d, call %d: %v", round, node, i, err)
			}
		})
		if err := a.CreateEventBus(ctx, &store.EventBus{Account: nodeAccount, Name: bus}); err != nil {
			t.Fatal(err)
		}
		if rules, _, err := b.ListRules(ctx, nodeAccount, bus, "", store.Page{}); err != nil || len(rules) != 0 {
			t.Errorf("round %d: rules of a bus deleted and made again: %d (%v)", round, len(rules), err)
		}
		if _, err := a.PutRule(ctx, nodeRule(bus, "r"), 0); err != nil {
			t.Fatal(err)
		}
		if r, err := b.GetRule(ctx, nodeAccount, bus, "r"); err != nil || len(r.Targets) != 0 {
			t.Errorf("round %d: a rule deleted and made again: %+v (%v)", round, r, err)
		}
	}
}

// TestLogsAcrossNodes appends the lines of one execution from several
// writers on two nodes while a reader follows the log with a cursor: the
// reader sees every line exactly once, each writer's in its order, by
// increasing Seq, and so does a reading of the whole log at the end.
func TestLogsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	const arn = "arn:aws:states:us-east-1:" + nodeAccount + ":execution:sm:x"
	const writers, lines = 3, 100 // per node
	total := 2 * writers * lines

	type line struct{ node, writer, n int }
	parse := func(c *store.LogChunk) line {
		var l line
		if _, err := fmt.Sscanf(string(c.Data), "%d %d %d\n", &l.node, &l.writer, &l.n); err != nil {
			t.Fatalf("chunk %d: %q: %v", c.Seq, c.Data, err)
		}
		return l
	}
	// check fails unless chunks are each line once, by increasing Seq,
	// each writer's in order.
	check := func(what string, chunks []*store.LogChunk) {
		t.Helper()
		seen := map[line]bool{}
		next := map[[2]int]int{}
		for i, c := range chunks {
			if i > 0 && c.Seq <= chunks[i-1].Seq {
				t.Fatalf("%s: Seq %d after %d", what, c.Seq, chunks[i-1].Seq)
			}
			l := parse(c)
			if seen[l] {
				t.Fatalf("%s: line %+v twice", what, l)
			}
			seen[l] = true
			w := [2]int{l.node, l.writer}
			if l.n != next[w] {
				t.Fatalf("%s: line %d of writer %v after line %d", what, l.n, w, next[w]-1)
			}
			next[w]++
		}
		if len(seen) != total {
			t.Fatalf("%s: %d lines, want %d", what, len(seen), total)
		}
	}

	written, done := make(chan struct{}), make(chan struct{})
	var followed []*store.LogChunk
	var readErr error
	go func() {
		defer close(done)
		deadline := time.Now().Add(time.Minute)
		var after int64
		for len(followed) < total && time.Now().Before(deadline) {
			var last bool // the writers are done: an empty page is the end
			select {
			case <-written:
				last = true
			default:
			}
			page, err := b.ReadLogs(ctx, arn, store.LogQuery{After: after, Limit: 7})
			if err != nil {
				readErr = err
				return
			}
			if len(page) == 0 && last {
				return
			}
			followed = append(followed, page...)
			if len(page) > 0 {
				after = page[len(page)-1].Seq
			}
		}
	}()
	onBoth(a, b, writers, func(node int, s *postgres.Store, w int) {
		for n := 0; n < lines; {
			// One line a call, or two, so that a transaction holds several.
			var chunks []*store.LogChunk
			for k := 0; k < 1+n%2 && n < lines; k++ {
				chunks = append(chunks, &store.LogChunk{ExecutionArn: arn, TaskID: fmt.Sprintf("t%d", w), StateName: "S",
					Attempt: 1, Stream: store.LogStdout, Time: time.Unix(2, 0).UTC(), Data: fmt.Appendf(nil, "%d %d %d\n", node, w, n)})
				n++
			}
			if err := s.AppendLogs(ctx, 0, chunks); err != nil {
				t.Errorf("AppendLogs: %v", err)
				return
			}
		}
	})
	close(written)
	<-done
	if readErr != nil {
		t.Fatalf("ReadLogs: %v", readErr)
	}
	check("the log followed with a cursor", followed)
	var all []*store.LogChunk
	for after := int64(0); ; {
		page, err := a.ReadLogs(ctx, arn, store.LogQuery{After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	check("the whole log", all)
	if !slices.EqualFunc(all, followed, func(x, y *store.LogChunk) bool { return x.Seq == y.Seq }) {
		t.Errorf("the log followed and the whole log differ")
	}
}

// TestRetentionAcrossNodes runs retention on two nodes at once over the
// same closed executions: each is deleted once, with its history and
// logs, and neither node fails (a deadlock would be ErrUnavailable).
// DeleteExecution refuses a RUNNING one.
func TestRetentionAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	const prefix = "arn:aws:states:us-east-1:123456789012:" // newExec's account
	const closed = 60
	arn := func(i int) string { return fmt.Sprintf("%sexecution:sm:x%d", prefix, i) }
	for i := range closed + 1 {
		x := newExec(arn(i))
		if err := a.Commit(ctx, []*store.Transition{{Execution: x, New: true, Events: []store.Event{event("ExecutionStarted")}}}); err != nil {
			t.Fatal(err)
		}
		if err := a.AppendLogs(ctx, 0, []*store.LogChunk{{ExecutionArn: x.Arn, TaskID: "t", StateName: "S", Attempt: 1,
			Stream: store.LogStdout, Data: []byte("x\n")}}); err != nil {
			t.Fatal(err)
		}
		if i == closed {
			break // left RUNNING
		}
		done := *x
		done.Status, done.StopDate = "SUCCEEDED", x.StartDate.Add(time.Duration(i+1)*time.Second)
		if err := b.Commit(ctx, []*store.Transition{{Execution: &done, Events: []store.Event{event("ExecutionSucceeded")}, DeleteAll: true}}); err != nil {
			t.Fatal(err)
		}
	}
	running := arn(closed)
	if err := a.DeleteExecution(ctx, running); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DeleteExecution of a RUNNING execution: %v, want ErrConflict", err)
	}
	var mu sync.Mutex
	deleted := 0
	cut := time.Unix(1_800_000_000, 0)
	onBoth(a, b, 3, func(_ int, s *postgres.Store, _ int) {
		for {
			n, err := s.DeleteClosedExecutions(ctx, prefix, cut, 3)
			if err != nil {
				t.Errorf("DeleteClosedExecutions: %v", err)
				return
			}
			mu.Lock()
			deleted += n
			mu.Unlock()
			if n == 0 {
				return
			}
		}
	})
	if deleted != closed {
		t.Errorf("%d executions deleted, want %d", deleted, closed)
	}
	for i := range closed {
		if _, err := b.GetExecution(ctx, arn(i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetExecution of deleted %d: %v, want ErrNotFound", i, err)
		}
		if _, _, err := a.History(ctx, arn(i), false, store.Page{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("History of deleted %d: %v, want ErrNotFound", i, err)
		}
		if chunks, err := a.ReadLogs(ctx, arn(i), store.LogQuery{}); err != nil || len(chunks) != 0 {
			t.Fatalf("logs of deleted %d: %d chunks (%v)", i, len(chunks), err)
		}
	}
	if chunks, err := a.ReadLogs(ctx, running, store.LogQuery{}); err != nil || len(chunks) != 1 {
		t.Errorf("logs of the running execution: %d chunks (%v), want 1", len(chunks), err)
	}
	if err := b.DeleteExecution(ctx, arn(0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteExecution of a deleted execution: %v, want ErrNotFound", err)
	}
}
