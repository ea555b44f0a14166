package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
)

const passDef = `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`

// server runs the native API over the real service and store with the
// scripted engine, for the commands that talk to a server.
func server(t *testing.T) (*nativetest.Env, string) {
	t.Helper()
	env := nativetest.New(t)
	return env, nativetest.Serve(t, native.Handler(env.Service, env.Watcher, nil, native.Options{}))
}

func deployDirect(t *testing.T, env *nativetest.Env, name string) {
	t.Helper()
	if _, err := env.Service.CreateStateMachine(context.Background(), &service.CreateStateMachineInput{Name: name, Definition: passDef}); err != nil {
		t.Fatal(err)
	}
}

func TestDeploy(t *testing.T) {
	env, url := server(t)
	dir := t.TempDir()
	writeFile(t, dir, "etl.asl.json", passDef)
	writeFile(t, dir, "report.yaml", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n")

	r := runBaton(t, dir, "", "deploy", "etl.asl.json", "report.yaml", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "etl: created arn:aws:states:") || !strings.Contains(r.stdout, "report: created") {
		t.Fatalf("deploy: %+v", r)
	}
	d, err := env.Service.DescribeStateMachine(context.Background(), &service.DescribeStateMachineInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:report"})
	if err != nil || !json.Valid([]byte(d.Definition)) {
		t.Fatalf("the YAML definition is stored as JSON: %q %v", d.Definition, err)
	}

	r = runBaton(t, dir, "", "deploy", "etl.asl.json", "--publish", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "etl: unchanged") || !strings.Contains(r.stdout, "etl: version arn:aws:states:us-east-1:123456789012:stateMachine:etl:1") {
		t.Fatalf("publish: %+v", r)
	}
	writeFile(t, dir, "etl.asl.json", `{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}`)
	r = runBaton(t, dir, "", "deploy", "etl.asl.json", "--name", "etl2", "--output", "json", "--server", url)
	var out []map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out) != 1 || out[0]["result"] != "CREATED" || out[0]["name"] != "etl2" {
		t.Fatalf("json: %+v", r)
	}

	// An invalid file is reported as 'baton validate' does and not sent;
	// the valid one still is.
	writeFile(t, dir, "bad.asl.json", "{\n  \"StartAt\": \"Nope\",\n  \"States\": {}\n}\n")
	r = runBaton(t, dir, "", "deploy", "bad.asl.json", "etl.asl.json", "--server", url)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.asl.json:2:") || !strings.Contains(r.stdout, "etl: updated") || !strings.Contains(r.stderr, "1 of 2 files not deployed") {
		t.Fatalf("invalid file: %+v", r)
	}

	// Usage and server errors exit 2 and say what to do.
	if r := runBaton(t, dir, "", "deploy", "etl.asl.json", "report.yaml", "--name", "x", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "--name") {
		t.Fatalf("--name with two files: %+v", r)
	}
	if r := runBaton(t, dir, "", "deploy", "etl.asl.json", "--server", "http://127.0.0.1:1"); r.code != 2 || !strings.Contains(r.stderr, "baton server") {
		t.Fatalf("no server: %+v", r)
	}
}

func TestStart(t *testing.T) {
	env, url := server(t)
	deployDirect(t, env, "wf")
	dir := t.TempDir()

	r := runBaton(t, dir, "", "start", "wf", "--name", "first", "--input", `{"a":1}`, "--server", url)
	arn := strings.TrimSpace(r.stdout)
	if r.code != 0 || arn != "arn:aws:states:us-east-1:123456789012:execution:wf:first" {
		t.Fatalf("start: %+v", r)
	}
	ex, err := env.Service.DescribeExecution(context.Background(), &service.DescribeExecutionInput{ExecutionArn: arn})
	if err != nil || ex.Input != `{"a":1}` {
		t.Fatalf("input: %+v %v", ex, err)
	}

	// --wait follows the run and prints its outcome.
	env.Engine.OnStart(func(arn string) {
		ctx := context.Background()
		_ = env.Engine.Enter(ctx, arn, "Extract")
		_ = env.Engine.Exit(ctx, arn, "Extract")
		if strings.HasSuffix(arn, ":bad") {
			_ = env.Engine.Fail(ctx, arn, "Oops", "it broke")
			return
		}
		_ = env.Engine.Succeed(ctx, arn, `{"rows":3}`)
	})
	r = runBaton(t, dir, `{"day":"2026-11-21"}`, "start", "wf", "--wait", "--server", url)
	got := decode(t, r.stdout)
	if r.code != 0 || got["status"] != "SUCCEEDED" || got["output"].(map[string]any)["rows"] != 3.0 {
		t.Fatalf("wait: %+v", r)
	}
	if !strings.Contains(r.stderr, "> Extract (Task)") || !strings.Contains(r.stderr, "< Extract") || !strings.Contains(r.stderr, "started arn:") {
		t.Fatalf("progress: %s", r.stderr)
	}
	r = runBaton(t, dir, "", "start", "wf", "--name", "bad", "--wait", "-q", "--server", url)
	if got := decode(t, r.stdout); r.code != 1 || got["status"] != "FAILED" || got["error"] != "Oops" || strings.Contains(r.stderr, "Extract") {
		t.Fatalf("failed run: %+v", r)
	}

	// --timeout gives up waiting: exit 1 with what to do next.
	env.Engine.OnStart(nil)
	r = runBaton(t, dir, "", "start", "wf", "--wait", "--timeout", "100ms", "--server", url)
	if r.code != 1 || !strings.Contains(r.stderr, "baton executions describe") {
		t.Fatalf("timeout: %+v", r)
	}

	if r := runBaton(t, dir, "", "start", "nope", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "StateMachineDoesNotExist") || !strings.Contains(r.stderr, "baton deploy") {
		t.Fatalf("unknown workflow: %+v", r)
	}
	if r := runBaton(t, dir, "", "start", "wf", "--input", "{bad", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "not valid JSON") {
		t.Fatalf("bad input: %+v", r)
	}
	if r := runBaton(t, dir, "", "start", "wf", "--timeout", "1s", "--server", url); r.code != 2 {
		t.Fatalf("--timeout without --wait: %+v", r)
	}
}

func TestExecutionsCommands(t *testing.T) {
	env, url := server(t)
	deployDirect(t, env, "wf")
	dir := t.TempDir()
	ctx := context.Background()
	start := func(name string) string {
		out, err := env.Service.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:wf", Name: name, Input: `{"k":"v"}`})
		if err != nil {
			t.Fatal(err)
		}
		return out.ExecutionArn
	}
	done, running := start("done"), start("running")
	_ = env.Engine.Enter(ctx, done, "A")
	_ = env.Engine.Fail(ctx, done, "Boom", "the cause")

	r := runBaton(t, dir, "", "executions", "list", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "WORKFLOW") || !strings.Contains(r.stdout, "FAILED") || !strings.Contains(r.stdout, running) {
		t.Fatalf("list: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "list", "--workflow", "wf", "--status", "running", "--output", "json", "--server", url)
	var page struct {
		Executions []struct{ Name string } `json:"executions"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &page) != nil || len(page.Executions) != 1 || page.Executions[0].Name != "running" {
		t.Fatalf("list json: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "list", "--limit", "1", "--server", url)
	if r.code != 0 || !strings.Contains(r.stderr, "--next") {
		t.Fatalf("paged list: %+v", r)
	}

	r = runBaton(t, dir, "", "executions", "describe", done, "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "Status:") || !strings.Contains(r.stdout, "FAILED") || !strings.Contains(r.stdout, "Boom") || !strings.Contains(r.stdout, `"k": "v"`) {
		t.Fatalf("describe: %+v", r)
	}
	r = runBaton(t, dir, "", "exec", "describe", done, "-o", "json", "--server", url)
	if got := decode(t, r.stdout); r.code != 0 || got["status"] != "FAILED" {
		t.Fatalf("describe json: %+v", r)
	}

	r = runBaton(t, dir, "", "executions", "history", done, "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "ExecutionStarted") || !strings.Contains(r.stdout, "TaskStateEntered  A") || !strings.Contains(r.stdout, "Boom the cause") {
		t.Fatalf("history: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "history", done, "--json", "--reverse", "--server", url)
	var events []map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &events) != nil || len(events) != 3 || events[0]["type"] != "ExecutionFailed" {
		t.Fatalf("history json: %+v", r)
	}

	r = runBaton(t, dir, "", "executions", "stop", running, "--error", "Manual", "--cause", "test", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "stopped") {
		t.Fatalf("stop: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "redrive", running, "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "redriven") {
		t.Fatalf("redrive: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "redrive", running, "--server", url)
	if r.code != 2 || !strings.Contains(r.stderr, "ExecutionNotRedrivable") {
		t.Fatalf("redrive a running execution: %+v", r)
	}
	r = runBaton(t, dir, "", "executions", "describe", done+"x", "--server", url)
	if r.code != 2 || !strings.Contains(r.stderr, "ExecutionDoesNotExist") || !strings.Contains(r.stderr, "baton executions list") {
		t.Fatalf("missing: %+v", r)
	}
	if r := runBaton(t, dir, "", "executions", "list", "--output", "yaml", "--server", url); r.code != 2 {
		t.Fatalf("bad --output: %+v", r)
	}
}

// waitResult returns the next task result of the engine, failing after 20 s.
func waitResult(t *testing.T, env *nativetest.Env, kinds ...string) nativetest.TaskResult {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r := <-env.Engine.Results():
			for _, k := range kinds {
				if r.Kind == k {
					return r
				}
			}
		case <-timeout:
			t.Fatalf("no %v result within 20 s", kinds)
		}
	}
}

func TestWorker(t *testing.T) {
	env, url := server(t)
	dir := t.TempDir()
	script := writeFile(t, dir, "handle.sh", `#!/bin/sh
in=$(cat)
case "$in" in
  *fail*) echo "first line" >&2; echo "something broke" >&2; exit 3;;
  *text*) echo "plain text";;
  *token*) printf '{"token":"%s","activity":"%s"}' "$BATON_TASK_TOKEN" "$BATON_ACTIVITY";;
  *slow*) sleep 0.4; echo "$in";;
  *) echo "$in";;
esac
`)
	if err := exec.Command("chmod", "+x", script).Run(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(baton, "worker", "--activity", "jobs", "--concurrency", "2", "--heartbeat", "50ms", "--name", "w1", "--server", url, "--", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	// The worker creates the activity.
	actArn := "arn:aws:states:us-east-1:123456789012:activity:jobs"
	deadline := time.Now().Add(20 * time.Second)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for {
		if _, err := env.Service.DescribeActivity(context.Background(), &service.DescribeActivityInput{ActivityArn: actArn}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not create the activity: %s", stderr.String())
		}
		<-poll.C
	}

	tok := env.Engine.QueueTask(actArn, `{"n":1}`)
	if r := waitResult(t, env, "success", "failure"); r.Token != tok || r.Kind != "success" || r.Output != `{"n":1}` {
		t.Fatalf("json output: %+v", r)
	}
	env.Engine.QueueTask(actArn, `{"text":1}`)
	if r := waitResult(t, env, "success", "failure"); r.Output != `"plain text"` {
		t.Fatalf("text output: %+v", r)
	}
	tok = env.Engine.QueueTask(actArn, `{"token":1}`)
	if r := waitResult(t, env, "success", "failure"); r.Output != `{"token":"`+tok+`","activity":"jobs"}` {
		t.Fatalf("env: %+v", r)
	}
	env.Engine.QueueTask(actArn, `{"fail":1}`)
	if r := waitResult(t, env, "success", "failure"); r.Kind != "failure" || r.Error != "Worker.ExitError" || !strings.HasPrefix(r.Cause, "exit code 3: first line") || !strings.Contains(r.Cause, "something broke") {
		t.Fatalf("failure: %+v", r)
	}

	// A slow task sends heartbeats; SIGTERM lets it finish before the
	// worker exits.
	tok = env.Engine.QueueTask(actArn, `{"slow":1}`)
	if r := waitResult(t, env, "heartbeat"); r.Token != tok {
		t.Fatalf("heartbeat: %+v", r)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if r := waitResult(t, env, "success", "failure"); r.Token != tok || r.Kind != "success" {
		t.Fatalf("graceful stop: %+v", r)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("worker exit: %v\n%s", err, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{"serving " + actArn, "succeeded in", "failed in", "Worker.ExitError", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("worker log lacks %q:\n%s", want, log)
		}
	}
}

func TestWorkerUsage(t *testing.T) {
	_, url := server(t)
	dir := t.TempDir()
	if r := runBaton(t, dir, "", "worker", "--server", url, "--", "cat"); r.code != 2 || !strings.Contains(r.stderr, "--activity") {
		t.Fatalf("no activity: %+v", r)
	}
	if r := runBaton(t, dir, "", "worker", "--activity", "a", "--server", url); r.code != 2 || !strings.Contains(r.stderr, "after --") {
		t.Fatalf("no command: %+v", r)
	}
	if r := runBaton(t, dir, "", "worker", "--activity", "a", "--server", url, "--", filepath.Join(dir, "missing")); r.code != 2 {
		t.Fatalf("missing command: %+v", r)
	}
}
