package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// TestClusterRetryReachesTheWorkflowsNode: failed notifications retried
// through a node that does not own their workflow's partition are sent
// again by the node that does (which loaded them with its partitions), and
// the failed list and the status read on the other node are the stored
// ones.
func TestClusterRetryReachesTheWorkflowsNode(t *testing.T) {
	const etl = "arn:aws:states:us-east-1:123456789012:stateMachine:etl"
	leader, other := settledPair(t)("etl")
	ctx := context.Background()
	// A dead letter stored after both nodes started: to a webhook of a
	// connection no node has, so that sending it again fails at once and
	// it comes back to the list, tried once.
	failed := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	dl, err := json.Marshal(&notify.DeadLetter{Notification: &notify.Notification{ID: "n-1", Channel: notify.Webhook,
		Connection: "gone", Addresses: []string{"http://127.0.0.1:1/hook"}, Kind: notify.KindRunFailed,
		Workflow: etl, Title: "etl failed", Time: failed},
		Error: "refused", Attempts: 7, Failed: failed})
	if err != nil {
		t.Fatal(err)
	}
	// Stored under the member of etl's partition, as the notifier of the
	// node owning it stores them.
	if err := other.store.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: events.MemberName(notify.ConsumerName, partition.Of(etl)),
		State: map[string][]byte{"d/n-1": dl}}); err != nil { // notify's key of a dead letter
		t.Fatal(err)
	}
	list := func(s *Server) []notify.DeadLetter {
		t.Helper()
		var out struct{ Failed []notify.DeadLetter }
		getJSON(t, s, "/api/v1/notifications/failed", &out)
		return out.Failed
	}
	status := func(s *Server) notify.Status {
		t.Helper()
		var out notify.Status
		getJSON(t, s, "/api/v1/notifications/status", &out)
		return out
	}
	if got := list(other); len(got) != 1 || got[0].Attempts != 7 {
		t.Fatalf("failed list on the other node: %+v", got)
	}
	if st := status(other); st.Failed != 1 || st.Queued != 0 {
		t.Fatalf("status on the other node: %+v, want 1 failed", st)
	}
	code, body, _ := call(t, other.Addr(), http.MethodPost, "/api/v1/notifications/failed/retry", "", map[string]string{"Content-Type": "application/json"}, `{}`)
	if code != http.StatusOK || body["retried"] != float64(1) {
		t.Fatalf("retry: %d %v", code, body)
	}
	// The workflow's node tries it again: it fails, and is back in the list.
	poll(t, 10*time.Second, "the workflow's node to send the retried notification again", func() bool {
		got := list(leader)
		return len(got) == 1 && got[0].Attempts == 1 && got[0].Failed.After(failed)
	})
	for _, s := range []*Server{leader, other} {
		poll(t, 10*time.Second, "the status to count the dead letter again", func() bool {
			st := status(s)
			return st.Failed == 1 && st.Queued == 0
		})
	}
}

// TestClusterStatusListsEveryNodesFailures: the notification status read
// on any node lists the destinations failing on the others: only the node
// sending to a destination knows that it fails at the moment.
func TestClusterStatusListsEveryNodesFailures(t *testing.T) {
	const etl = "arn:aws:states:us-east-1:123456789012:stateMachine:etl"
	owner, other := settledPair(t, func(c *Config) {
		c.Connections = &config.Config{Connections: map[string]*config.Connection{
			"hooks": {Name: "hooks", Type: config.TypeWebhook, Webhook: &config.Webhook{AllowPrivate: true, Secret: config.NewSecret("whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))}}}}
	})("etl")
	ctx := context.Background()
	// A dead letter to a port nobody listens on, retried: the node owning
	// etl's partition sends it again, and fails again and again.
	dl, err := json.Marshal(&notify.DeadLetter{Notification: &notify.Notification{ID: "n-1", Channel: notify.Webhook,
		Connection: "hooks", Addresses: []string{"http://127.0.0.1:1/hook"}, Kind: notify.KindRunFailed, Workflow: etl, Title: "etl failed", Time: time.Now()},
		Error: "refused", Attempts: 1, Failed: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.store.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: events.MemberName(notify.ConsumerName, partition.Of(etl)),
		State: map[string][]byte{"d/n-1": dl}}); err != nil { // notify's key of a dead letter
		t.Fatal(err)
	}
	code, body, _ := call(t, other.Addr(), http.MethodPost, "/api/v1/notifications/failed/retry", "", map[string]string{"Content-Type": "application/json"}, `{}`)
	if code != http.StatusOK || body["retried"] != float64(1) {
		t.Fatalf("retry: %d %v", code, body)
	}
	failing := func(s *Server) string {
		var st notify.Status
		getJSON(t, s, "/api/v1/notifications/status", &st)
		var out []string
		for _, l := range st.Failing {
			out = append(out, fmt.Sprintf("%s queued=%d", l.Destination, l.Queued))
		}
		return strings.Join(append(out, st.Unreached...), "; ")
	}
	const want = "webhook hooks http://127.0.0.1:1/hook queued=1"
	poll(t, 10*time.Second, "the owner to fail sending it", func() bool { return failing(owner) == want })
	if got := failing(other); got != want {
		t.Fatalf("failing on the other node: %q, want %q", got, want)
	}
}

// getJSON reads a GET route of a node into out.
func getJSON(t *testing.T, s *Server, path string, out any) {
	t.Helper()
	res, err := http.Get("http://" + s.Addr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestClusterExplainOnAnyNode: a node that does not own a workflow's
// partition explains its triggers as the owner does: the upstream outcomes
// its trigger holds, its schedule's last slot, its pause.
func TestClusterExplainOnAnyNode(t *testing.T) {
	leader, other := settledPair(t)("joined")
	ctx := context.Background()
	role := "arn:aws:iam::123456789012:role/r"
	for _, name := range []string{"up-a", "up-b"} {
		if _, err := other.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: name, RoleArn: role,
			Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`}); err != nil {
			t.Fatal(err)
		}
	}
	pb := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644,
		Data: []byte("name: joined\ntrigger:\n  schedule: {cron: \"0 6 * * *\"}\n  executions:\n    allOf:\n" +
			"      - {name: up-a, status: [SUCCEEDED]}\n      - {name: up-b, status: [SUCCEEDED]}\n" +
			"steps:\n  - {name: a, command: [\"true\"]}\n")}}}
	put, err := leader.Service().PutBundle(ctx, bytes.NewReader(pb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leader.Service().DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest}); err != nil {
		t.Fatal(err)
	}
	sm, err := other.Service().DescribeStateMachine(ctx, &service.DescribeStateMachineInput{
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:up-a"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := other.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	waitExecution(t, other, x.ExecutionArn, "SUCCEEDED")
	explain := func(s *Server) string {
		t.Helper()
		res, err := http.Get("http://" + s.Addr() + "/api/v1/workflows/joined/triggers")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var ex struct {
			Paused     bool
			Schedules  []struct{ LastSlot *time.Time }
			Executions struct {
				Conditions []struct {
					Workflow string
					Outcomes []struct{ ExecutionArn string }
				}
			}
		}
		if err := json.NewDecoder(res.Body).Decode(&ex); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "paused=%v", ex.Paused)
		for _, s := range ex.Schedules {
			fmt.Fprintf(&b, " lastSlot=%v", s.LastSlot != nil)
		}
		for _, c := range ex.Executions.Conditions {
			fmt.Fprintf(&b, " %s=%d", c.Workflow, len(c.Outcomes))
		}
		return b.String()
	}
	const want = "paused=false lastSlot=true up-a=1 up-b=0"
	var got string
	poll(t, 10*time.Second, "the workflow's node to record the outcome", func() bool {
		got = explain(leader)
		return got == want
	})
	// The other node reads what the workflow's node stored (its memory
	// runs a commit ahead).
	poll(t, 5*time.Second, "the other node to explain as the workflow's node", func() bool {
		got = explain(other)
		return got == want
	})
	// Paused through the workflow's node: both tell it.
	code, body, _ := call(t, leader.Addr(), http.MethodPost, "/api/v1/workflows/joined/schedules/pause", "",
		map[string]string{"Content-Type": "application/json"}, `{}`)
	if code != http.StatusOK {
		t.Fatalf("pause: %d %v", code, body)
	}
	const paused = "paused=true lastSlot=true up-a=1 up-b=0"
	for _, s := range []*Server{leader, other} {
		if got := explain(s); got != paused {
			t.Fatalf("explained after the pause: %q, want %q", got, paused)
		}
	}
}

// TestClusterExplainAsksTheOwner: the trigger explanation on a node that
// does not run the workflow comes from the node that does, with what only
// its memory holds: when the watched data is next listed.
func TestClusterExplainAsksTheOwner(t *testing.T) {
	owner, other := settledPair(t)("landed")
	ctx := context.Background()
	pb := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644,
		Data: []byte("name: landed\ntrigger:\n  data:\n    - path: \"file://" + t.TempDir() + "/*.csv\"\n" +
			"steps:\n  - {name: a, command: [\"true\"]}\n")}}}
	put, err := other.Service().PutBundle(ctx, bytes.NewReader(pb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Service().DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest}); err != nil {
		t.Fatal(err)
	}
	nextListing := func(s *Server) bool {
		t.Helper()
		res, err := http.Get("http://" + s.Addr() + "/api/v1/workflows/landed/triggers")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var ex struct {
			Data []struct{ NextListing *time.Time }
		}
		if err := json.NewDecoder(res.Body).Decode(&ex); err != nil {
			t.Fatal(err)
		}
		return len(ex.Data) == 1 && ex.Data[0].NextListing != nil
	}
	poll(t, 10*time.Second, "the owner to list the watched directory", func() bool { return nextListing(owner) })
	if !nextListing(other) {
		t.Fatal("the other node's explanation lacks the next listing the owner knows")
	}
}

// TestClusterTriggerHandsOver: a pipeline's trigger on upstream outcomes
// is decided by the node owning the pipeline's partition; when that node
// stops, the other takes the partition's member from where it stopped,
// with the outcomes it holds: one outcome recorded before the hand-over
// and one after start the run, once.
func TestClusterTriggerHandsOver(t *testing.T) {
	owner, other := settledPair(t)("joined")
	ctx := context.Background()
	ups := map[string]string{}
	for _, name := range []string{"up-a", "up-b"} {
		sm, err := other.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: name,
			RoleArn: "arn:aws:iam::123456789012:role/r", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`})
		if err != nil {
			t.Fatal(err)
		}
		ups[name] = sm.StateMachineArn
	}
	pb := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644,
		Data: []byte("name: joined\ntrigger:\n  executions:\n    allOf:\n" +
			"      - {name: up-a, status: [SUCCEEDED]}\n      - {name: up-b, status: [SUCCEEDED]}\n" +
			"steps:\n  - {name: a, command: [\"true\"]}\n")}}}
	put, err := other.Service().PutBundle(ctx, bytes.NewReader(pb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	deployed, err := other.Service().DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest})
	if err != nil {
		t.Fatal(err)
	}
	runs := func() []string {
		t.Helper()
		out, err := other.Service().ListExecutions(ctx, &service.ListExecutionsInput{StateMachineArn: deployed.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		var st []string
		for _, x := range out.Executions {
			st = append(st, x.Status)
		}
		return st
	}
	// upCount is how many outcomes of up-a the trigger holds, as node s
	// explains it.
	upCount := func(s *Server) int {
		t.Helper()
		var ex struct {
			Executions struct {
				Conditions []struct {
					Workflow string
					Outcomes []struct{ ExecutionArn string }
				}
			}
		}
		getJSON(t, s, "/api/v1/workflows/joined/triggers", &ex)
		for _, c := range ex.Executions.Conditions {
			if c.Workflow == "up-a" {
				return len(c.Outcomes)
			}
		}
		return -1
	}
	// The trigger reads the catalog on a notice: wait until the owner
	// explains it before the upstream runs.
	poll(t, 10*time.Second, "the owner to see the pipeline's trigger", func() bool { return upCount(owner) == 0 })
	runUp := func(name string) {
		t.Helper()
		x, err := other.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: ups[name]})
		if err != nil {
			t.Fatal(err)
		}
		waitExecution(t, other, x.ExecutionArn, "SUCCEEDED")
	}
	runUp("up-a")
	poll(t, 10*time.Second, "the owner to record up-a's outcome", func() bool { return upCount(owner) == 1 })
	// The owner stops: the other node takes every partition, and with
	// them the trigger's member, at its stored cursor and state.
	if err := owner.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "the other node to own every partition", func() bool {
		v := readPartitions(t, other.Addr())
		for _, p := range v.Partitions {
			if len(v.Nodes) != 1 || p.Owner != v.Nodes[0].Name {
				return false
			}
		}
		return true
	})
	if got := runs(); len(got) != 0 {
		t.Fatalf("runs before up-b: %v", got)
	}
	runUp("up-b")
	poll(t, 15*time.Second, "the trigger to start the run on the other node", func() bool {
		st := runs()
		return len(st) == 1 && st[0] == "SUCCEEDED"
	})
	if got := upCount(other); got != 0 {
		t.Fatalf("up-a's outcomes held after the run: %d, want 0 (consumed)", got)
	}
}
