package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/cluster"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pgtest"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store/postgres"
)

// partitionsView is GET /api/v1/cluster's answer on a cluster.
type partitionsView struct {
	Nodes []struct {
		Name, Role, Address string
		Partitions          *int
	}
	Partitions []struct {
		Partition int
		Owner     string
		Epoch     int64
	}
}

func readPartitions(t *testing.T, addr string) partitionsView {
	t.Helper()
	var v partitionsView
	getCluster(t, addr, &v)
	return v
}

// startNode starts a node of a cluster on the database dsn.
func startNode(t *testing.T, dsn, name string, tune ...func(*Config)) *Server {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Store: dsn, Cluster: true,
		NodeName: name, LeaseTimeout: 2 * time.Second, Log: slog.New(slog.DiscardHandler)}
	for _, f := range tune {
		f(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// balanced waits until the live nodes named own every partition between
// them, each some, and returns the owner of each partition.
func balanced(t *testing.T, addr string, names ...string) map[int]string {
	t.Helper()
	var v partitionsView
	poll(t, 30*time.Second, fmt.Sprintf("the partitions to spread over %v", names), func() bool {
		v = readPartitions(t, addr)
		count := map[string]int{}
		for _, p := range v.Partitions {
			count[p.Owner]++
		}
		for _, n := range names {
			if count[n] == 0 {
				return false
			}
		}
		return len(v.Nodes) == len(names) && count[""] == 0 && len(count) == len(names)
	})
	out := map[int]string{}
	for _, p := range v.Partitions {
		out[p.Partition] = p.Owner
	}
	return out
}

// workflowOn finds a state machine name whose partition node owns.
func workflowOn(owners map[int]string, node, prefix string) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
		if owners[partition.Of(arn)] == node {
			return name
		}
	}
}

// TestClusterThreeNodes: three active nodes on one PostgreSQL database
// divide the partitions; any node starts, stops and completes the
// executions of any partition (the call goes to the owner); a worker
// polling one node gets an activity task of an execution another node
// runs; a node's graceful stop hands its partitions to the others, which
// finish its executions.
func TestClusterThreeNodes(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	a := startNode(t, dsn, "node-a")
	defer a.Shutdown(context.Background())
	b := startNode(t, dsn, "node-b")
	defer b.Shutdown(context.Background())
	c := startNode(t, dsn, "node-c")
	defer c.Shutdown(context.Background())
	owners := balanced(t, a.Addr(), "node-a", "node-b", "node-c")
	v := readPartitions(t, c.Addr())
	for _, n := range v.Nodes {
		if n.Role != "member" || n.Partitions == nil || *n.Partitions == 0 || !strings.HasPrefix(n.Address, "http://127.0.0.1:") {
			t.Fatalf("cluster status node %+v", n)
		}
	}
	ctx := context.Background()
	role := "arn:aws:iam::123456789012:role/r"
	act, err := a.Service().CreateActivity(ctx, &service.CreateActivityInput{Name: "resize"})
	if err != nil {
		t.Fatal(err)
	}
	// A workflow on each node: a Wait (a timer on its owner), then the
	// activity.
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"T"},` +
		`"T":{"Type":"Task","Resource":"` + act.ActivityArn + `","End":true}}}`
	var runs []string
	byNode := map[string][]string{}
	for _, node := range []string{"node-a", "node-b", "node-c"} {
		sm, err := a.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: workflowOn(owners, node, "etl"), RoleArn: role, Definition: def})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			// Started through node-a, whatever the owner.
			x, err := a.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: fmt.Sprintf(`{"n":%d}`, i)})
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, x.ExecutionArn)
			byNode[node] = append(byNode[node], x.ExecutionArn)
		}
	}
	// Workers poll node-c only; results go through node-b.
	done := 0
	deadline := time.Now().Add(60 * time.Second)
	for done < len(runs) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d activity tasks came to node-c's worker", done, len(runs))
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		task, err := c.Service().GetActivityTask(pctx, &service.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: "w"})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if task.TaskToken == "" {
			continue
		}
		if _, err := b.Service().SendTaskSuccess(ctx, &service.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: task.Input}); err != nil {
			t.Fatal(err)
		}
		done++
	}
	for _, arn := range runs {
		waitExecution(t, a, arn, "SUCCEEDED")
	}

	// node-b stops gracefully with runs in its Waits: node-a and node-c
	// take its partitions and finish them.
	sm, err := a.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: workflowOn(owners, "node-b", "long"), RoleArn: role,
		Definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	var late []string
	for i := 0; i < 5; i++ {
		x, err := c.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		late = append(late, x.ExecutionArn)
	}
	if err := b.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	balanced(t, a.Addr(), "node-a", "node-c")
	for _, arn := range late {
		waitExecution(t, c, arn, "SUCCEEDED")
	}
	// A stop through a node that does not own the run.
	x, err := a.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Service().StopExecution(ctx, &service.StopExecutionInput{ExecutionArn: x.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	waitExecution(t, a, x.ExecutionArn, "ABORTED")
}

// waitExecution waits until an execution has status want.
func waitExecution(t *testing.T, s *Server, arn, want string) {
	t.Helper()
	var got string
	poll(t, 30*time.Second, arn+" to be "+want, func() bool {
		d, err := s.Service().DescribeExecution(context.Background(), &service.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		got = d.Status
		return got == want
	})
}

// settledPair starts two nodes of a cluster on a new database and waits
// until the partitions settle where they rank (they then stay put). It
// returns which node owns a workflow's partition (and so runs its
// triggers, schedules and notifications) and which does not. The nodes
// stop when the test ends.
func settledPair(t *testing.T, tune ...func(*Config)) (byWorkflow func(name string) (owner, other *Server)) {
	t.Helper()
	dsn := pgtest.Start(t).NewDatabase(t)
	names := []string{"node-a", "node-b"}
	nodes := map[string]*Server{}
	for _, name := range names {
		n := startNode(t, dsn, name, tune...)
		t.Cleanup(func() { n.Shutdown(context.Background()) })
		nodes[name] = n
	}
	balanced(t, nodes["node-a"].Addr(), names...)
	poll(t, 30*time.Second, "the partitions to settle", func() bool {
		for _, p := range readPartitions(t, nodes["node-a"].Addr()).Partitions {
			if p.Owner != cluster.Rank(p.Partition, names) {
				return false
			}
		}
		return true
	})
	return func(name string) (owner, other *Server) {
		p := partition.Of("arn:aws:states:us-east-1:123456789012:stateMachine:" + name)
		if cluster.Rank(p, names) == "node-b" {
			return nodes["node-b"], nodes["node-a"]
		}
		return nodes["node-a"], nodes["node-b"]
	}
}

// TestClusterDeployReachesTheWorkflowsNode: a workflow deployed through a
// node that does not own its partition is seen by the triggers of the node
// that does: its schedule is explained, and would fire, there.
func TestClusterDeployReachesTheWorkflowsNode(t *testing.T) {
	leader, other := settledPair(t)("nightly")
	ctx := context.Background()
	explain := func(name string) string {
		res, err := http.Get("http://" + leader.Addr() + "/api/v1/workflows/" + name + "/triggers")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	// The owner's triggers read the catalog before the deploy.
	if _, err := other.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: "probe",
		RoleArn: "arn:aws:iam::123456789012:role/r", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`}); err != nil {
		t.Fatal(err)
	}
	if got := explain("probe"); !strings.Contains(got, "no trigger") {
		t.Fatalf("explain of a workflow without trigger: %s", got)
	}
	pb := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644,
		Data: []byte("name: nightly\ntrigger:\n  schedule: {cron: \"0 6 * * *\"}\nsteps:\n  - {name: a, command: [\"true\"]}\n")}}}
	put, err := other.Service().PutBundle(ctx, bytes.NewReader(pb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Service().DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest}); err != nil {
		t.Fatal(err)
	}
	var got string
	poll(t, 10*time.Second, "the workflow's node to see the schedule deployed elsewhere", func() bool {
		got = explain("nightly")
		return strings.Contains(got, "0 6 * * *")
	})
	// Its schedules paused through the other node: the workflow's node
	// skips their slots.
	res, err := http.Post("http://"+other.Addr()+"/api/v1/workflows/nightly/schedules/pause", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("pause: %s", res.Status)
	}
	poll(t, 10*time.Second, "the workflow's node to see the pause made elsewhere", func() bool {
		got = explain("nightly")
		return strings.Contains(got, `"paused":true`)
	})
}

// The store's notices reach what acts on them on a node of a cluster.
func TestClusterNotices(t *testing.T) {
	var got []string
	n := clusterNotices{
		workflows: func() { got = append(got, "workflows") },
		bucket:    func(b string) { got = append(got, "bucket "+b) },
		wake:      func(a string) { got = append(got, "wake "+a) },
		paused:    func(arn string, p bool) { got = append(got, fmt.Sprint("paused ", arn, " ", p)) },
		outbox:    func() { got = append(got, "outbox") },
		retried:   func() { got = append(got, "retried") },
		held:      func(a string) { got = append(got, "held "+a) },
	}
	for _, what := range []string{postgres.WorkflowsChanged, postgres.BucketChanged + "landing", "arn:aws:states:us-east-1:123456789012:activity:a", "",
		postgres.PausedChanged + "1:arn:aws:states:us-east-1:123456789012:stateMachine:n", postgres.OutboxChanged, postgres.NotificationsRetried,
		postgres.ActivityHeld + "arn:aws:states:us-east-1:123456789012:activity:b"} {
		n.notice(what)
	}
	want := "workflows,bucket landing,wake arn:aws:states:us-east-1:123456789012:activity:a,workflows,wake ,retried," +
		"paused arn:aws:states:us-east-1:123456789012:stateMachine:n true,outbox,retried,held arn:aws:states:us-east-1:123456789012:activity:b"
	if strings.Join(got, ",") != want {
		t.Fatalf("notices did %q, want %q", strings.Join(got, ","), want)
	}
}
