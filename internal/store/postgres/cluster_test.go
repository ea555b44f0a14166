package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

// arnIn is an execution ARN placed in partition p (partition.Of), named
// name.
func arnIn(p int, name string) string {
	for i := 0; ; i++ {
		arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:wf-%d:%s", i, name)
		if partition.Of(arn) == p {
			return arn
		}
	}
}

// startIn stores a new execution of partition p through s.
func startIn(s store.Store, p int, name string, tasks ...*store.Task) error {
	return s.Commit(context.Background(), []*store.Transition{{Execution: newExec(arnIn(p, name)), New: true,
		Events: []store.Event{event("ExecutionStarted")}, AddTasks: tasks}})
}

// join makes s a cluster member named holder.
func join(t *testing.T, s *postgres.Store, holder string, opts postgres.JoinOptions) *postgres.Member {
	t.Helper()
	opts.Holder = holder
	if opts.Addr == "" {
		opts.Addr = "http://" + holder + ":8080"
	}
	m, err := s.JoinCluster(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Leave() })
	return m
}

// acquire takes partition p for m, which must get it.
func acquire(t *testing.T, m *postgres.Member, p int) {
	t.Helper()
	ok, err := m.Acquire(context.Background(), p)
	if err != nil || !ok {
		t.Fatalf("Acquire(%d) = %v, %v; want true", p, ok, err)
	}
}

// admin connects to dsn directly, as an operator would.
func admin(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// kill ends the sessions named app from the database's side, as a crash
// of their server or the lease timeout does.
func kill(t *testing.T, c *pgx.Conn, app string) {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no session %q to end", app)
	}
}

// eventually polls cond until it holds, for 20s at most.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling, not waiting for an event
	}
}

func lostParts(err error) []int {
	var lost *store.PartitionsLostError
	if !errors.As(err, &lost) {
		return nil
	}
	return lost.Parts
}

// TestCluster runs the cluster membership tests on one PostgreSQL server,
// a database each.
func TestCluster(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()

	t.Run("PartitionsExclusive", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		ma, mb := join(t, a, "node-a", postgres.JoinOptions{}), join(t, b, "node-b", postgres.JoinOptions{})
		acquire(t, ma, 3)
		acquire(t, ma, 3) // held already: a no-op
		if ok, err := mb.Acquire(ctx, 3); ok || err != nil {
			t.Fatalf("B's Acquire of A's partition = %v, %v; want false", ok, err)
		}
		acquire(t, mb, 4)
		if ma.Held() != partition.SetOf(3) || mb.Held() != partition.SetOf(4) {
			t.Fatalf("held %v and %v", ma.Held().List(), mb.Held().List())
		}
		owners, err := a.PartitionOwners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(owners) != partition.Count || owners[3].Holder != "node-a" || owners[3].Epoch != 1 || owners[4].Holder != "node-b" || owners[5].Holder != "" {
			t.Fatalf("owners %+v", owners[:6])
		}
		if err := ma.Release(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if err := ma.Release(ctx, 3); err != nil { // not held: a no-op
			t.Fatal(err)
		}
		if err := startIn(a, 3, "released"); !slices.Equal(lostParts(err), []int{3}) {
			t.Fatalf("A's Commit after Release: %v, want partition 3 lost", err)
		}
		acquire(t, mb, 3)
		owners, err = b.PartitionOwners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if owners[3].Holder != "node-b" || owners[3].Epoch != 2 || owners[3].Since.IsZero() {
			t.Fatalf("owner of 3 after the handover: %+v", owners[3])
		}
		if err := startIn(b, 3, "by-b"); err != nil {
			t.Fatal(err)
		}
		if err := mb.Leave(); err != nil {
			t.Fatal(err)
		}
		if err := startIn(b, 4, "after-leave"); !slices.Equal(lostParts(err), []int{4}) {
			t.Fatalf("B's Commit after Leave: %v, want partition 4 lost", err)
		}
		acquire(t, ma, 4)
	})

	t.Run("CommitFenced", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		// A's pings stay quiet: it does not notice it lost its session, as
		// a paused server would not.
		ma := join(t, a, "node-a", postgres.JoinOptions{Timeout: time.Hour})
		mb := join(t, b, "node-b", postgres.JoinOptions{})
		acquire(t, ma, 1)
		acquire(t, ma, 2)
		if err := startIn(a, 1, "before"); err != nil {
			t.Fatal(err)
		}
		if err := startIn(a, 7, "never-held"); !slices.Equal(lostParts(err), []int{7}) {
			t.Fatalf("a Commit in a partition never held: %v", err)
		}
		kill(t, admin(t, dsn), "baton node: node-a")
		eventually(t, "B to take partition 1", func() bool {
			ok, err := mb.Acquire(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		})
		err := startIn(a, 1, "fenced")
		if !slices.Equal(lostParts(err), []int{1}) || errors.Is(err, store.ErrUnavailable) || !errors.Is(err, store.ErrNoEffect) {
			t.Fatalf("A's Commit in the partition B took: %v, want *PartitionsLostError{[1]} with no effect", err)
		}
		// A batch of both partitions: nothing of it is stored.
		err = a.Commit(ctx, []*store.Transition{
			{Execution: newExec(arnIn(2, "both-2")), New: true, Events: []store.Event{event("ExecutionStarted")}},
			{Execution: newExec(arnIn(1, "both-1")), New: true, Events: []store.Event{event("ExecutionStarted")}},
		})
		if !slices.Equal(lostParts(err), []int{1}) {
			t.Fatalf("A's Commit of partitions 1 and 2: %v, want partition 1 lost", err)
		}
		// Continuing an execution of the lost partition is refused too.
		x := newExec(arnIn(1, "before"))
		x.EventCount = 1
		err = a.Commit(ctx, []*store.Transition{{Execution: x, Events: []store.Event{event("PassStateEntered")}}})
		if !slices.Equal(lostParts(err), []int{1}) {
			t.Fatalf("A's Commit continuing an execution of partition 1: %v", err)
		}
		for _, name := range []string{"fenced", "both-1", "both-2"} {
			p := 1
			if name == "both-2" {
				p = 2
			}
			if _, err := b.GetExecution(ctx, arnIn(p, name)); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("execution %s of a fenced Commit is stored: %v", name, err)
			}
		}
		if h, _, err := b.History(ctx, arnIn(1, "before"), false, store.Page{}); err != nil || len(h) != 1 {
			t.Fatalf("history of the execution of partition 1: %d events, %v; want 1", len(h), err)
		}
		// A's other partition: nobody took it, the epoch is A's.
		if err := startIn(a, 2, "still-mine"); err != nil {
			t.Fatalf("A's Commit in its other partition: %v", err)
		}
		if err := startIn(b, 1, "by-b"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("TaskLogsFenced", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		ma := join(t, a, "node-a", postgres.JoinOptions{})
		mb := join(t, b, "node-b", postgres.JoinOptions{})
		// Two executions in partitions A holds, and an Express one.
		var arns []string
		for i := 0; len(arns) < 2; i++ {
			arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:wf%d:x", i)
			if p := partition.Of(arn); !slices.ContainsFunc(arns, func(o string) bool { return partition.Of(o) == p }) {
				arns = append(arns, arn)
			}
		}
		express := "arn:aws:states:us-east-1:123456789012:express:wf9:x:1"
		for _, arn := range append(arns, express) {
			acquire(t, ma, partition.Of(arn))
		}
		chunk := func(arn, text string) *store.LogChunk {
			return &store.LogChunk{ExecutionArn: arn, TaskID: "t", StateName: "S", Attempt: 1, Stream: "stdout", Time: time.Now(), Data: []byte(text)}
		}
		if err := a.AppendLogs(ctx, 0, []*store.LogChunk{chunk(arns[0], "a1"), chunk(arns[1], "b1")}); err != nil {
			t.Fatalf("A's logs in its partitions: %v", err)
		}
		// The first execution's partition moves to B: A's next batch keeps
		// the second's lines (and the Express one's) and drops the first's.
		if err := ma.Release(ctx, partition.Of(arns[0])); err != nil {
			t.Fatal(err)
		}
		acquire(t, mb, partition.Of(arns[0]))
		if err := a.AppendLogs(ctx, 0, []*store.LogChunk{chunk(arns[0], "a2"), chunk(arns[1], "b2"), chunk(express, "e1")}); err != nil {
			t.Fatalf("A's mixed batch after losing a partition: %v, want the rest stored", err)
		}
		if err := a.AppendLogs(ctx, 0, []*store.LogChunk{chunk(arns[0], "a3")}); !slices.Equal(lostParts(err), []int{partition.Of(arns[0])}) {
			t.Fatalf("A's logs of the lost partition only: %v, want it lost", err)
		}
		read := func(arn string) string {
			cs, err := b.ReadLogs(ctx, arn, store.LogQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, string(c.Data))
			}
			return strings.Join(out, ",")
		}
		if got := read(arns[0]) + "|" + read(arns[1]) + "|" + read(express); got != "a1|b1,b2|e1" {
			t.Fatalf("logs stored: %q, want %q", got, "a1|b1,b2|e1")
		}
		if err := b.AppendLogs(ctx, 0, []*store.LogChunk{chunk(arns[0], "a4")}); err != nil {
			t.Fatalf("B's logs once it holds the partition: %v", err)
		}
	})
	t.Run("ConsumerCommitFenced", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		ma := join(t, a, "node-a", postgres.JoinOptions{})
		mb := join(t, b, "node-b", postgres.JoinOptions{})
		acquire(t, ma, 5)
		commit := func(s *postgres.Store, seq int64, fenced bool) error {
			return s.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: "triggers@05", Fenced: fenced, Partition: 5,
				Cursors: map[int]int64{0: seq}, State: map[string][]byte{"k": fmt.Appendf(nil, "%d", seq)},
				Intents: []*store.Intent{{ID: fmt.Sprintf("i%d", seq), Created: time.Now()}}})
		}
		if err := commit(a, 1, true); err != nil {
			t.Fatalf("A's fenced commit in its partition: %v", err)
		}
		if err := commit(b, 2, true); !slices.Equal(lostParts(err), []int{5}) || !errors.Is(err, store.ErrNoEffect) {
			t.Fatalf("B's fenced commit in a partition it does not hold: %v, want partition 5 lost", err)
		}
		if err := ma.Release(ctx, 5); err != nil {
			t.Fatal(err)
		}
		acquire(t, mb, 5)
		if err := commit(a, 3, true); !slices.Equal(lostParts(err), []int{5}) {
			t.Fatalf("A's fenced commit after the handover: %v, want partition 5 lost", err)
		}
		// What the refused commits carried is not stored.
		cur, err := b.Cursors(ctx, "triggers@05")
		if err != nil || cur[0] != 1 {
			t.Fatalf("cursors %v, %v; want the first commit's", cur, err)
		}
		ins, err := b.Intents(ctx, "triggers@05")
		if err != nil || len(ins) != 1 || ins[0].ID != "i1" {
			t.Fatalf("intents %v, %v; want i1 only", ins, err)
		}
		if err := commit(b, 4, true); err != nil {
			t.Fatalf("B's fenced commit once it holds the partition: %v", err)
		}
		// Not fenced: stored whoever holds the partition.
		if err := commit(a, 5, false); err != nil {
			t.Fatalf("an unfenced commit: %v", err)
		}
		if err := a.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: "c", Fenced: true, Partition: partition.Count}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a commit fenced by no partition: %v, want ErrConflict", err)
		}
		// A store that is not a member ignores the fence.
		c := open(t, dsn)
		if err := c.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: "triggers@06", Fenced: true, Partition: 6, Cursors: map[int]int64{0: 1}}); err != nil {
			t.Fatalf("a fenced commit of a store outside the cluster: %v", err)
		}
	})

	t.Run("AcquireWaitsBounded", func(t *testing.T) {
		// A Commit of the previous holder holds its partition's lease
		// (FOR SHARE) for too long: the bump gives up, and the member's
		// session survives.
		dsn := srv.NewDatabase(t)
		a := open(t, dsn)
		lost := make(chan error, 1)
		ma := join(t, a, "node-a", postgres.JoinOptions{Timeout: time.Second, OnLost: func(err error) { lost <- err }})
		acquire(t, ma, 12)
		adm := admin(t, dsn)
		tx, err := adm.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT * FROM partition_leases WHERE part = 13 FOR SHARE`); err != nil {
			t.Fatal(err)
		}
		if ok, err := ma.Acquire(ctx, 13); ok || err == nil || !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Acquire waiting for a long Commit = %v, %v; want a passing failure", ok, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		acquire(t, ma, 13)
		if ma.Held() != partition.SetOf(12, 13) {
			t.Fatalf("held %v", ma.Held().List())
		}
		select {
		case err := <-lost:
			t.Fatalf("the member was lost: %v", err)
		default:
		}
		if err := startIn(a, 12, "still-member"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SessionKilled", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		lost := make(chan error, 2)
		ma := join(t, a, "node-a", postgres.JoinOptions{Timeout: time.Second, OnLost: func(err error) { lost <- err }})
		mb := join(t, b, "node-b", postgres.JoinOptions{})
		acquire(t, ma, 5)
		kill(t, admin(t, dsn), "baton node: node-a")
		select {
		case err := <-lost:
			if err == nil || !strings.Contains(err.Error(), "cluster membership") {
				t.Fatalf("OnLost(%v)", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("A was not told its session ended")
		}
		if ma.Held() != 0 {
			t.Fatalf("A still holds %v", ma.Held().List())
		}
		if err := startIn(a, 5, "after-loss"); !slices.Equal(lostParts(err), []int{5}) {
			t.Fatalf("A's Commit after the loss: %v", err)
		}
		if ok, err := ma.Acquire(ctx, 6); ok || err == nil {
			t.Fatalf("Acquire after the loss = %v, %v; want an error", ok, err)
		}
		if err := ma.Release(ctx, 5); err != nil {
			t.Fatalf("Release after the loss: %v", err)
		}
		acquire(t, mb, 5)
		select {
		case err := <-lost:
			t.Fatalf("OnLost called twice (%v)", err)
		default:
		}
		// The store may join again.
		ma2 := join(t, a, "node-a", postgres.JoinOptions{})
		acquire(t, ma2, 6)
		if err := startIn(a, 6, "rejoined"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NodeLockRefusesCluster", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b, c := open(t, dsn), open(t, dsn), open(t, dsn)
		la, err := a.LockNode(ctx, postgres.LockOptions{Holder: "solo"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.JoinCluster(ctx, postgres.JoinOptions{Holder: "node-b"})
		if err == nil || !strings.Contains(err.Error(), "solo") || !strings.Contains(err.Error(), "without --cluster") {
			t.Fatalf("JoinCluster beside a LockNode server: %v", err)
		}
		if err := la.Release(); err != nil {
			t.Fatal(err)
		}
		join(t, b, "node-b", postgres.JoinOptions{})
		join(t, c, "node-c", postgres.JoinOptions{})
		_, err = a.LockNode(ctx, postgres.LockOptions{Holder: "solo"})
		if err == nil || !strings.Contains(err.Error(), "node-b, node-c") || !strings.Contains(err.Error(), "--cluster") {
			t.Fatalf("LockNode beside a cluster: %v", err)
		}
		// The refused session ends a moment after LockNode returns.
		eventually(t, "Nodes to list no server (cluster members are not listed)", func() bool {
			nodes, err := a.Nodes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(nodes) == 0
		})
		_, err = a.JoinCluster(ctx, postgres.JoinOptions{Holder: "node-b", Timeout: time.Second})
		if err == nil || !strings.Contains(err.Error(), "already a member") {
			t.Fatalf("a second member named node-b: %v", err)
		}
	})

	t.Run("MembersMigrateTogether", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 2, MigrateUnderLock: true})
				if err != nil {
					errs[i] = err
					return
				}
				t.Cleanup(func() { s.Close() })
				m, err := s.JoinCluster(ctx, postgres.JoinOptions{Holder: fmt.Sprint("node-", i)})
				if err != nil {
					errs[i] = err
					return
				}
				t.Cleanup(func() { m.Leave() })
				_, errs[i] = m.Acquire(ctx, i)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Liveness", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		ma := join(t, a, "node-a", postgres.JoinOptions{Addr: "http://10.0.0.1:8080", Timeout: time.Hour})
		join(t, b, "node-b", postgres.JoinOptions{Addr: "http://10.0.0.2:8080"})
		acquire(t, ma, 9)
		nodes, err := a.ClusterNodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes) != 2 || nodes[0].Holder != "node-a" || nodes[0].Addr != "http://10.0.0.1:8080" ||
			nodes[1].Holder != "node-b" || nodes[1].Addr != "http://10.0.0.2:8080" || nodes[0].Since.IsZero() {
			t.Fatalf("ClusterNodes = %+v", nodes)
		}
		kill(t, admin(t, dsn), "baton node: node-a")
		eventually(t, "node-a to leave the cluster", func() bool {
			nodes, err = b.ClusterNodes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(nodes) == 1
		})
		if nodes[0].Holder != "node-b" {
			t.Fatalf("ClusterNodes = %+v", nodes)
		}
		owners, err := b.PartitionOwners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if owners[9].Holder != "" || owners[9].Epoch != 1 {
			t.Fatalf("owner of a dead node's partition: %+v", owners[9])
		}
	})

	t.Run("ClusterKey", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		keys := make([][]byte, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, s := range []*postgres.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = s.ClusterKey(ctx)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		again, err := a.ClusterKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys[0]) != 32 || !bytes.Equal(keys[0], keys[1]) || !bytes.Equal(keys[0], again) {
			t.Fatalf("keys %x, %x, %x: want one of 32 bytes", keys[0], keys[1], again)
		}
	})

	t.Run("QueuedActivityTasks", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		s := open(t, dsn)
		const act = "arn:aws:states:us-east-1:123456789012:activity:work"
		at := func(sec int64) time.Time { return time.Unix(1_700_000_000+sec, 0).UTC() }
		task := func(tok string, created int64, mod func(*store.Task)) *store.Task {
			t := &store.Task{Token: tok, TaskID: tok, Kind: store.TaskActivity, ActivityArn: act, StateName: "Work",
				Input: "{}", State: store.TaskQueued, Attempt: 1, CreatedAt: at(created)}
			if mod != nil {
				mod(t)
			}
			return t
		}
		if err := startIn(s, 10, "x1", task("t3", 3, nil), task("started", 0, func(t *store.Task) {
			t.State, t.WorkerName, t.StartedAt = store.TaskStarted, "w", at(1)
		})); err != nil {
			t.Fatal(err)
		}
		if err := startIn(s, 20, "x2", task("t1", 1, nil), task("other", 0, func(t *store.Task) { t.ActivityArn += "-other" }),
			task("builtin", 0, func(t *store.Task) { t.Kind, t.ActivityArn = store.TaskBuiltin, "" })); err != nil {
			t.Fatal(err)
		}
		if err := startIn(s, 30, "x3", task("t2", 2, nil)); err != nil {
			t.Fatal(err)
		}
		got, err := s.QueuedActivityTasks(ctx, act, 0)
		if err != nil {
			t.Fatal(err)
		}
		var toks []string
		for _, t := range got {
			toks = append(toks, t.Token)
		}
		if !slices.Equal(toks, []string{"t1", "t2", "t3"}) || got[0].ExecutionArn != arnIn(20, "x2") || !got[0].CreatedAt.Equal(at(1)) {
			t.Fatalf("queued tasks %v (%+v)", toks, got[0])
		}
		got, err = s.QueuedActivityTasks(ctx, act, 2)
		if err != nil || len(got) != 2 || got[1].Token != "t2" {
			t.Fatalf("with limit 2: %d tasks, %v", len(got), err)
		}
	})

	t.Run("ListenActivities", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		ma := join(t, a, "node-a", postgres.JoinOptions{})
		acquire(t, ma, 11)
		got := make(chan string, 16)
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- b.ListenActivities(lctx, func(arn string) { got <- arn }) }()
		adm := admin(t, dsn)
		listening := func() bool {
			var n int
			if err := adm.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'baton listen'
				AND state = 'idle' AND query = 'LISTEN baton_activity'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 1
		}
		eventually(t, "the listener", listening)
		queue := func(name, act string) {
			t.Helper()
			tk := &store.Task{Token: name, TaskID: name, Kind: store.TaskActivity, ActivityArn: act,
				State: store.TaskQueued, Input: "{}", CreatedAt: time.Now()}
			if err := startIn(a, 11, name, tk); err != nil {
				t.Fatal(err)
			}
		}
		want := func(arn string) {
			t.Helper()
			select {
			case g := <-got:
				if g != arn {
					t.Fatalf("notified %q, want %q", g, arn)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no notification of %q", arn)
			}
		}
		// A commit without a queued activity task notifies nothing: the
		// next notification is the activity's.
		if err := startIn(a, 11, "no-task"); err != nil {
			t.Fatal(err)
		}
		queue("q1", "arn:aws:states:us-east-1:123456789012:activity:one")
		want("arn:aws:states:us-east-1:123456789012:activity:one")
		// The listener's connection ends: it reconnects, says it may have
		// missed some, and listens again.
		kill(t, adm, "baton listen")
		want("")
		eventually(t, "the listener again", listening)
		queue("q2", "arn:aws:states:us-east-1:123456789012:activity:two")
		want("arn:aws:states:us-east-1:123456789012:activity:two")
		// Any node's notices: workflows changed, a bucket changed.
		if err := a.NotifyWorkflowsChanged(ctx); err != nil {
			t.Fatal(err)
		}
		want(postgres.WorkflowsChanged)
		if err := a.NotifyBucket(ctx, "landing"); err != nil {
			t.Fatal(err)
		}
		want(postgres.BucketChanged + "landing")
		if err := a.NotifyPaused(ctx, "arn:aws:states:us-east-1:123456789012:stateMachine:n", true); err != nil {
			t.Fatal(err)
		}
		want(postgres.PausedChanged + "1:arn:aws:states:us-east-1:123456789012:stateMachine:n")
		if err := a.NotifyOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		want(postgres.OutboxChanged)
		if err := a.NotifyNotificationsRetried(ctx); err != nil {
			t.Fatal(err)
		}
		want(postgres.NotificationsRetried)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("ListenActivities = %v after its ctx ended", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("ListenActivities did not return when its ctx ended")
		}
	})
}
