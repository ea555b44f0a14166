package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
)

func TestWorkflowsCommands(t *testing.T) {
	env, url := server(t)
	dir := t.TempDir()
	if r := runBaton(t, dir, "", "workflows", "list", "--server", url); r.code != 0 || !strings.Contains(r.stdout, "no workflows") || !strings.Contains(r.stdout, "baton deploy") {
		t.Fatalf("empty list: %+v", r)
	}
	deployDirect(t, env, "etl")
	deployDirect(t, env, "report")

	r := runBaton(t, dir, "", "workflows", "list", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "NAME") || !strings.Contains(r.stdout, "etl") || !strings.Contains(r.stdout, "STANDARD") || !strings.Contains(r.stdout, ":stateMachine:report") {
		t.Fatalf("list: %+v", r)
	}
	r = runBaton(t, dir, "", "wf", "list", "--limit", "1", "-o", "json", "--server", url)
	var page struct {
		StateMachines []struct{ Name string } `json:"stateMachines"`
		NextToken     string                  `json:"nextToken"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &page) != nil || len(page.StateMachines) != 1 || page.NextToken == "" {
		t.Fatalf("paged json list: %+v", r)
	}

	r = runBaton(t, dir, "", "workflows", "describe", "etl", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "Name:") || !strings.Contains(r.stdout, "Definition:") || !strings.Contains(r.stdout, `"StartAt": "A"`) {
		t.Fatalf("describe: %+v", r)
	}
	if r := runBaton(t, dir, "", "workflows", "describe", "etl", "--no-definition", "--server", url); r.code != 0 || strings.Contains(r.stdout, "Definition:") {
		t.Fatalf("describe --no-definition: %+v", r)
	}
	if r := runBaton(t, dir, "", "workflows", "describe", "nope", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "StateMachineDoesNotExist") {
		t.Fatalf("describe missing: %+v", r)
	}

	if r := runBaton(t, dir, "", "workflows", "delete", "etl", "--server", url); r.code != 0 || !strings.Contains(r.stdout, "deleted etl") {
		t.Fatalf("delete: %+v", r)
	}
	r = runBaton(t, dir, "", "workflows", "list", "--server", url)
	if r.code != 0 || strings.Contains(r.stdout, "etl ") || !strings.Contains(r.stdout, "report") {
		t.Fatalf("list after delete: %+v", r)
	}
}

// A failed execution's description shows which step failed and its whole
// error, not a shortened line: a command's stderr tail is what its user
// needs to read.
func TestDescribeFailedStep(t *testing.T) {
	env, url := server(t)
	deployDirect(t, env, "wf")
	ctx := context.Background()
	out, err := env.Service.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:wf", Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.ExecutionArn
	cause := "exit status 3; stderr:\nTraceback (most recent call last):\n  File \"jobs/psd.py\", line 12\nValueError: bad row 17\n"
	_ = env.Engine.Enter(ctx, arn, "Extract")
	_ = env.Engine.Append(ctx, arn, nativetest.Event{Type: "TaskScheduled", DetailsKey: "taskScheduledEventDetails", Details: map[string]any{"resource": "baton:shell"}})
	_ = env.Engine.Append(ctx, arn, nativetest.Event{Type: "TaskFailed", DetailsKey: "taskFailedEventDetails", Details: map[string]any{"error": "Shell.ExitError", "cause": cause}})
	_ = env.Engine.Fail(ctx, arn, "Shell.ExitError", cause)

	r := runBaton(t, t.TempDir(), "", "executions", "describe", arn, "--server", url)
	for _, want := range []string{"Failed step: Extract (TaskFailed)", "Error: Shell.ExitError", "    ValueError: bad row 17", "Traceback (most recent call last):", `File "jobs/psd.py", line 12`} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("describe lacks %q: %+v", want, r)
		}
	}
}

func TestExecutionsWatch(t *testing.T) {
	env, url := server(t)
	deployDirect(t, env, "wf")
	ctx := context.Background()
	start := func(name string) string {
		out, err := env.Service.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:wf", Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return out.ExecutionArn
	}
	dir := t.TempDir()

	// A finished execution: its history is replayed and its outcome printed.
	done := start("done")
	_ = env.Engine.Enter(ctx, done, "Load")
	_ = env.Engine.Fail(ctx, done, "Sql.Error", "relation \"sales\" does not exist")
	r := runBaton(t, dir, "", "executions", "watch", done, "--server", url)
	if r.code != 1 || !strings.Contains(r.stderr, "> Load") || !strings.Contains(r.stdout, "FAILED") || !strings.Contains(r.stdout, `relation "sales" does not exist`) {
		t.Fatalf("watch a failed execution: %+v", r)
	}

	// A running one is followed live until it ends.
	live := start("live")
	_ = env.Engine.Enter(ctx, live, "Extract")
	res := make(chan result, 1)
	go func() { res <- runBaton(t, dir, "", "executions", "watch", live, "-o", "json", "--server", url) }()
	deadline := time.Now().Add(30 * time.Second)
	for env.Watcher.Watchers() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("watch never subscribed to the execution")
		}
		time.Sleep(10 * time.Millisecond) // polling for the subscription, with a deadline
	}
	_ = env.Engine.Exit(ctx, live, "Extract")
	_ = env.Engine.Succeed(ctx, live, `{"rows":3}`)
	r = <-res
	if got := decode(t, r.stdout); r.code != 0 || got["status"] != "SUCCEEDED" || !strings.Contains(r.stderr, "< Extract") {
		t.Fatalf("watch a running execution: %+v", r)
	}

	if r := runBaton(t, dir, "", "executions", "watch", done+"x", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "ExecutionDoesNotExist") {
		t.Fatalf("watch a missing execution: %+v", r)
	}
}
