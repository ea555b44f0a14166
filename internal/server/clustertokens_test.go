package server

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/service"
)

// TestClusterExpressActivityOnAnyNode: an Express pipeline's run is on the
// node that started it, and its activity step's task and token live in
// that node's memory only; a worker polling another node gets the task,
// its heartbeat and result sent through that node reach the run, and the
// synchronous start answers with the result. The poll begins before the
// run and the nodes' recheck of the others' tasks is an hour: the task
// reaches it because its node tells the others (postgres.ActivityHeld).
func TestClusterExpressActivityOnAnyNode(t *testing.T) {
	runner, other := settledPair(t, func(c *Config) { c.activityRecheck = time.Hour })("fast")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	act, err := runner.Service().CreateActivity(ctx, &service.CreateActivityInput{Name: "resize"})
	if err != nil {
		t.Fatal(err)
	}
	pb := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644,
		Data: []byte("name: fast\ntype: EXPRESS\nsteps:\n  - {name: resize, type: activity, activity: resize, input: {w: 640}, heartbeat_timeout: 1m}\n")}}}
	put, err := runner.Service().PutBundle(ctx, bytes.NewReader(pb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	dep, err := runner.Service().DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out *service.StartSyncExecutionOutput
		err error
	}
	type polled struct {
		task *service.GetActivityTaskOutput
		err  error
	}
	polls := make(chan polled, 1)
	go func() {
		task, err := other.Service().GetActivityTask(ctx, &service.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: "w"})
		polls <- polled{task, err}
	}()
	// The poll asked the nodes once, found nothing, and waits.
	poll(t, 10*time.Second, "the worker's poll to wait", func() bool { return other.router.WaitingPolls() == 1 })
	done := make(chan result, 1)
	go func() {
		out, err := runner.Service().StartSyncExecution(ctx, &service.StartSyncExecutionInput{StateMachineArn: dep.StateMachineArn, Input: `{"w":640}`})
		done <- result{out, err}
	}()
	p := <-polls
	task, err := p.task, p.err
	if err != nil || task.TaskToken == "" {
		t.Fatalf("the activity's task: %+v, %v", task, err)
	}
	if _, err := other.Service().SendTaskHeartbeat(ctx, &service.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Fatalf("a heartbeat through the other node: %v", err)
	}
	if _, err := other.Service().SendTaskSuccess(ctx, &service.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{"w":320}`}); err != nil {
		t.Fatalf("the result through the other node: %v", err)
	}
	r := <-done
	if r.err != nil || r.out.Status != "SUCCEEDED" || r.out.Output != `{"resize":{"w":320}}` {
		t.Fatalf("the synchronous start: %+v, %v", r.out, r.err)
	}
	if _, err := other.Service().SendTaskSuccess(ctx, &service.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`}); err == nil {
		t.Fatal("a second result of the ended task was taken")
	}
}
