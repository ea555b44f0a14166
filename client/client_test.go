package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/native/nativetest"
)

const passDef = `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`

func setup(t *testing.T) (*client.Client, *nativetest.Env, context.Context) {
	t.Helper()
	env := nativetest.New(t)
	url := nativetest.Serve(t, native.Handler(env.Service, env.Watcher, nil, native.Options{}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return client.New(url + "/"), env, ctx
}

func TestWorkflowsAndExecutions(t *testing.T) {
	c, env, ctx := setup(t)
	out, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "etl", Definition: passDef, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result != client.DeployCreated || !strings.HasSuffix(out.StateMachineVersionArn, ":etl:1") {
		t.Fatalf("deploy: %+v", out)
	}
	wf, err := c.GetWorkflow(ctx, "etl")
	if err != nil || wf.Type != "STANDARD" || wf.CreationDate.IsZero() || !strings.Contains(string(wf.Definition), `"StartAt"`) {
		t.Fatalf("get: %+v %v", wf, err)
	}
	page, err := c.ListWorkflows(ctx, 0, "")
	if err != nil || len(page.Workflows) != 1 || page.Workflows[0].Name != "etl" {
		t.Fatalf("list: %+v %v", page, err)
	}
	vs, _, err := c.ListVersions(ctx, "etl", 0, "")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions: %+v %v", vs, err)
	}

	started, err := c.StartExecution(ctx, "etl", client.StartExecutionInput{Name: "r1", Input: map[string]int{"n": 1}})
	if err != nil || started.StartDate.IsZero() {
		t.Fatalf("start: %+v %v", started, err)
	}
	arn := started.ExecutionArn
	ex, err := c.DescribeExecution(ctx, arn)
	if err != nil || ex.Status != client.StatusRunning || string(ex.Input) != `{"n":1}` || ex.Done() {
		t.Fatalf("describe: %+v %v", ex, err)
	}
	execs, err := c.ListExecutions(ctx, client.ListExecutionsInput{Workflow: "etl", Status: client.StatusRunning})
	if err != nil || len(execs.Executions) != 1 || execs.Executions[0].ExecutionArn != arn {
		t.Fatalf("list executions: %+v %v", execs, err)
	}

	if err := env.Engine.Enter(ctx, arn, "A"); err != nil {
		t.Fatal(err)
	}
	if err := env.Engine.Succeed(ctx, arn, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	ex, err = c.WaitExecution(ctx, arn)
	if err != nil || ex.Status != client.StatusSucceeded || string(ex.Output) != `{"ok":true}` {
		t.Fatalf("wait: %+v %v", ex, err)
	}

	var types []string
	for ev, err := range c.History(ctx, arn, client.HistoryOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if ev.Type == "TaskStateEntered" && ev.Detail("name") != "A" {
			t.Errorf("details of %s: %s", ev.Type, ev.Details)
		}
	}
	if want := []string{"ExecutionStarted", "TaskStateEntered", "ExecutionSucceeded"}; !reflect.DeepEqual(types, want) {
		t.Fatalf("history %v", types)
	}

	// Stop and redrive.
	s2, err := c.StartExecution(ctx, "etl:1", client.StartExecutionInput{})
	if err != nil {
		t.Fatal(err)
	}
	if at, err := c.StopExecution(ctx, s2.ExecutionArn, "Manual", "test"); err != nil || at.IsZero() {
		t.Fatalf("stop: %v %v", at, err)
	}
	if at, err := c.RedriveExecution(ctx, s2.ExecutionArn); err != nil || at.IsZero() {
		t.Fatalf("redrive: %v %v", at, err)
	}
	if err := c.DeleteWorkflow(ctx, "etl"); err != nil {
		t.Fatal(err)
	}
}

func TestAPIErrors(t *testing.T) {
	c, _, ctx := setup(t)
	_, err := c.DescribeExecution(ctx, "arn:aws:states:us-east-1:123456789012:execution:none:x")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "ExecutionDoesNotExist" || apiErr.Status != http.StatusBadRequest || apiErr.Message == "" {
		t.Fatalf("error %#v", err)
	}
	if client.ErrorCode(err) != "ExecutionDoesNotExist" {
		t.Errorf("ErrorCode: %q", client.ErrorCode(err))
	}
	_, err = c.StartExecution(ctx, "missing", client.StartExecutionInput{})
	if client.ErrorCode(err) != "StateMachineDoesNotExist" {
		t.Fatalf("start missing: %v", err)
	}
	// Nothing listens there.
	dead := client.New("http://127.0.0.1:1")
	if _, err := dead.ListWorkflows(ctx, 0, ""); err == nil || !strings.Contains(err.Error(), "baton server") {
		t.Fatalf("unreachable server: %v", err)
	}
}

func TestFollowExecution(t *testing.T) {
	c, env, ctx := setup(t)
	if _, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "wf", Definition: passDef}); err != nil {
		t.Fatal(err)
	}
	started, err := c.StartExecution(ctx, "wf", client.StartExecutionInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := started.ExecutionArn
	var got []string
	ex, err := c.FollowExecution(ctx, arn, 0, func(ev client.HistoryEvent) error {
		got = append(got, ev.Type)
		switch ev.Type { // each event drives the next step of the run
		case "ExecutionStarted":
			return env.Engine.Enter(ctx, arn, "A")
		case "TaskStateEntered":
			return env.Engine.Fail(ctx, arn, "Oops", "bad")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Status != client.StatusFailed || ex.Error != "Oops" {
		t.Fatalf("end: %+v", ex)
	}
	if want := []string{"ExecutionStarted", "TaskStateEntered", "ExecutionFailed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v", got)
	}
	// From an event id on.
	got = nil
	if _, err := c.FollowExecution(ctx, arn, 2, func(ev client.HistoryEvent) error { got = append(got, ev.Type); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"ExecutionFailed"}) {
		t.Fatalf("after 2: %v", got)
	}
	// fn's error ends the follow.
	stop := errors.New("enough")
	if _, err := c.FollowExecution(ctx, arn, 0, func(client.HistoryEvent) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn error: %v", err)
	}
	if _, err := c.FollowExecution(ctx, arn+"x", 0, func(client.HistoryEvent) error { return nil }); client.ErrorCode(err) != "ExecutionDoesNotExist" {
		t.Fatalf("missing: %v", err)
	}
}

func TestWatchExecutions(t *testing.T) {
	c, env, ctx := setup(t)
	if _, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "wf", Definition: passDef}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	updates := make(chan client.ExecutionUpdate, 10)
	done := make(chan error, 1)
	go func() {
		done <- c.WatchExecutions(wctx, "wf", func(u client.ExecutionUpdate) error { updates <- u; return nil })
	}()
	for env.Watcher.Watchers() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the watch did not start")
		case <-time.After(time.Millisecond):
		}
	}
	started, err := c.StartExecution(ctx, "wf", client.StartExecutionInput{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-updates:
		if u.ExecutionArn != started.ExecutionArn || u.Status != client.StatusRunning {
			t.Fatalf("update %+v", u)
		}
	case <-ctx.Done():
		t.Fatal("no update")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("watch ended with %v", err)
	}
}

func TestActivityWorkerFlow(t *testing.T) {
	c, env, ctx := setup(t)
	act, err := c.CreateActivity(ctx, "resize")
	if err != nil || !strings.HasSuffix(act.ActivityArn, ":activity:resize") {
		t.Fatalf("create: %+v %v", act, err)
	}
	as, _, err := c.ListActivities(ctx, 0, "")
	if err != nil || len(as) != 1 {
		t.Fatalf("list: %v %v", as, err)
	}
	token := env.Engine.QueueTask(act.ActivityArn, `{"w":100}`)
	task, err := c.PollActivity(ctx, "resize", "w1")
	if err != nil || task == nil || task.TaskToken != token || string(task.Input) != `{"w":100}` {
		t.Fatalf("poll: %+v %v", task, err)
	}
	if err := c.SendTaskHeartbeat(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := c.SendTaskSuccess(ctx, token, json.RawMessage(`{"done":1}`)); err != nil {
		t.Fatal(err)
	}
	if r := <-env.Engine.Results(); r.Kind != "heartbeat" {
		t.Fatalf("%+v", r)
	}
	if r := <-env.Engine.Results(); r.Kind != "success" || r.Output != `{"done":1}` {
		t.Fatalf("%+v", r)
	}
	token2 := env.Engine.QueueTask(act.ActivityArn, `{}`)
	if _, err := c.PollActivity(ctx, act.ActivityArn, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.SendTaskFailure(ctx, token2, "E", "C"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendTaskFailure(ctx, token2, "E", "C"); client.ErrorCode(err) != "TaskDoesNotExist" {
		t.Fatalf("second report: %v", err)
	}
	if err := c.DeleteActivity(ctx, "resize"); err != nil {
		t.Fatal(err)
	}
}

func TestGraphStepsGrid(t *testing.T) {
	c, env, ctx := setup(t)
	if _, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "etl", Definition: passDef, Publish: true}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetWorkflowGraph(ctx, "etl", 1)
	if err != nil || len(g.Nodes) != 1 || g.Nodes[0] != (client.GraphNode{ID: "A", Label: "A", Type: "Pass"}) {
		t.Fatalf("graph: %+v %v", g, err)
	}
	started, err := c.StartExecution(ctx, "etl", client.StartExecutionInput{Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Engine.Enter(ctx, started.ExecutionArn, "A"); err != nil {
		t.Fatal(err)
	}
	steps, err := c.GetExecutionSteps(ctx, started.ExecutionArn)
	if err != nil || len(steps.Steps) != 1 || steps.Steps[0].Status != "RUNNING" || steps.Steps[0].StartDate.IsZero() || steps.LastEventID != 2 {
		t.Fatalf("steps: %+v %v", steps, err)
	}
	grid, err := c.GetWorkflowGrid(ctx, "etl", 10, "")
	if err != nil || len(grid.Runs) != 1 || !reflect.DeepEqual(grid.Cells, [][]string{{"RUNNING"}}) || grid.NextToken != "" {
		t.Fatalf("grid: %+v %v", grid, err)
	}
	if _, err := c.GetWorkflowGrid(ctx, "etl", 500, ""); client.ErrorCode(err) != "ValidationException" {
		t.Errorf("limit 500: %v", err)
	}
}
