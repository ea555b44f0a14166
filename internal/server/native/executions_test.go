package native

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestStartDescribe(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	ctx := context.Background()

	arn := e.start(t, "wf", map[string]any{"name": "run-1", "input": map[string]any{"day": "2026-11-21", "n": 3}})
	if !strings.HasSuffix(arn, ":execution:wf:run-1") {
		t.Fatalf("arn %s", arn)
	}
	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn), nil)
	expect(t, r, http.StatusOK)
	m := r.json(t)
	if m["status"] != "RUNNING" || !reflect.DeepEqual(m["input"], map[string]any{"day": "2026-11-21", "n": 3.0}) {
		t.Fatalf("describe: %s", r.body)
	}
	if _, ok := m["output"]; ok {
		t.Errorf("a running execution has no output: %s", r.body)
	}

	if err := e.Engine.Succeed(ctx, arn, `{"rows":42}`); err != nil {
		t.Fatal(err)
	}
	// The ARN also works unescaped: colons are legal in a path.
	r = e.do(t, "GET", "/api/v1/executions/"+arn, nil)
	m = r.json(t)
	if m["status"] != "SUCCEEDED" || !reflect.DeepEqual(m["output"], map[string]any{"rows": 42.0}) {
		t.Fatalf("describe after success: %s", r.body)
	}

	// No body: a generated name and input {}.
	arn2 := e.start(t, "wf", nil)
	m = e.do(t, "GET", "/api/v1/executions/"+esc(arn2), nil).json(t)
	if !reflect.DeepEqual(m["input"], map[string]any{}) {
		t.Fatalf("default input: %v", m["input"])
	}
	// Scalars are inputs too.
	arn3 := e.start(t, "wf", `{"input": "just text"}`)
	if m := e.do(t, "GET", "/api/v1/executions/"+esc(arn3), nil).json(t); m["input"] != "just text" {
		t.Fatalf("string input: %v", m["input"])
	}

	expectError(t, e.do(t, "POST", "/api/v1/workflows/missing/executions", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
	expectError(t, e.do(t, "POST", "/api/v1/workflows/wf/executions", map[string]any{"name": "run-1", "input": 1}), http.StatusBadRequest, "ExecutionAlreadyExists")
	expectError(t, e.do(t, "GET", "/api/v1/executions/"+esc(strings.Replace(arn, "run-1", "nope", 1)), nil), http.StatusBadRequest, "ExecutionDoesNotExist")
}

func TestStartWait(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	e.Engine.OnStart(func(arn string) {
		ctx := context.Background()
		_ = e.Engine.Enter(ctx, arn, "A")
		_ = e.Engine.Exit(ctx, arn, "A")
		_ = e.Engine.Succeed(ctx, arn, `{"done":true}`)
	})
	r := e.do(t, "POST", "/api/v1/workflows/wf/executions?wait=30s", map[string]any{"input": map[string]any{}})
	expect(t, r, http.StatusOK)
	m := r.json(t)
	if m["status"] != "SUCCEEDED" || !reflect.DeepEqual(m["output"], map[string]any{"done": true}) {
		t.Fatalf("waited start: %s", r.body)
	}
}

func TestWaitRunsOut(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	r := e.do(t, "POST", "/api/v1/workflows/wf/executions?wait=50ms", nil)
	expect(t, r, http.StatusAccepted)
	m := r.json(t)
	if m["status"] != "RUNNING" {
		t.Fatalf("still running: %s", r.body)
	}
	arn := m["executionArn"].(string)

	// GET ?wait= returns as soon as the execution ends.
	done := make(chan resp, 1)
	go func() { done <- e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"?wait=30s", nil) }()
	eventually(t, "the waiter to watch", func() bool { return e.Watcher.Watchers() == 1 })
	if err := e.Engine.Fail(context.Background(), arn, "Boom", "it broke"); err != nil {
		t.Fatal(err)
	}
	r = <-done
	expect(t, r, http.StatusOK)
	if m := r.json(t); m["status"] != "FAILED" || m["error"] != "Boom" || m["cause"] != "it broke" {
		t.Fatalf("after failure: %s", r.body)
	}
}

func TestWaitWithoutWatcher(t *testing.T) {
	e := setup(t, func(h *handler) { h.w = nil; h.recheck = 5e6 })
	e.deploy(t, "wf")
	e.Engine.OnStart(func(arn string) { _ = e.Engine.Succeed(context.Background(), arn, `1`) })
	r := e.do(t, "POST", "/api/v1/workflows/wf/executions?wait=30s", nil)
	expect(t, r, http.StatusOK)
	if m := r.json(t); m["output"] != 1.0 {
		t.Fatalf("output %s", r.body)
	}
}

func TestListExecutions(t *testing.T) {
	e := setup(t)
	e.deploy(t, "a")
	e.deploy(t, "b")
	ctx := context.Background()
	var arns []string
	for i := range 3 {
		arns = append(arns, e.start(t, "a", map[string]any{"name": fmt.Sprintf("a%d", i)}))
		arns = append(arns, e.start(t, "b", map[string]any{"name": fmt.Sprintf("b%d", i)}))
	}
	if err := e.Engine.Succeed(ctx, arns[0], `{}`); err != nil {
		t.Fatal(err)
	}

	names := func(r resp) []string {
		t.Helper()
		expect(t, r, http.StatusOK)
		var out []string
		for _, x := range r.json(t)["executions"].([]any) {
			out = append(out, x.(map[string]any)["name"].(string))
		}
		return out
	}
	if got := names(e.do(t, "GET", "/api/v1/executions?workflow=a", nil)); len(got) != 3 {
		t.Fatalf("workflow a: %v", got)
	}
	if got := names(e.do(t, "GET", "/api/v1/executions?workflow=a&status=SUCCEEDED", nil)); !reflect.DeepEqual(got, []string{"a0"}) {
		t.Fatalf("succeeded: %v", got)
	}
	all := names(e.do(t, "GET", "/api/v1/executions", nil))
	if len(all) != 6 {
		t.Fatalf("all: %v", all)
	}
	// Pages across workflows add up to the whole list.
	var paged []string
	next := ""
	for range 10 {
		r := e.do(t, "GET", "/api/v1/executions?limit=4&next="+next, nil)
		paged = append(paged, names(r)...)
		n, _ := r.json(t)["nextToken"].(string)
		if next = n; next == "" {
			break
		}
	}
	if !reflect.DeepEqual(paged, all) {
		t.Fatalf("pages %v, want %v", paged, all)
	}
	if got := names(e.do(t, "GET", "/api/v1/executions?status=SUCCEEDED", nil)); !reflect.DeepEqual(got, []string{"a0"}) {
		t.Fatalf("all succeeded: %v", got)
	}
	expectError(t, e.do(t, "GET", "/api/v1/executions?status=DONE", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/executions?next=garbage", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/executions?workflow=a&status=DONE", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/executions?workflow=zzz", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
}

func TestHistory(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	ctx := context.Background()
	arn := e.start(t, "wf", map[string]any{"input": map[string]any{"secret": 1}})
	_ = e.Engine.Enter(ctx, arn, "A")
	_ = e.Engine.Exit(ctx, arn, "A")
	_ = e.Engine.Succeed(ctx, arn, `{}`)

	types := func(r resp) []string {
		t.Helper()
		expect(t, r, http.StatusOK)
		var out []string
		for _, ev := range r.json(t)["events"].([]any) {
			out = append(out, ev.(map[string]any)["type"].(string))
		}
		return out
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskStateExited", "ExecutionSucceeded"}
	if got := types(e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history", nil)); !reflect.DeepEqual(got, want) {
		t.Fatalf("history %v", got)
	}
	if got := types(e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history?reverse=true&limit=1", nil)); !reflect.DeepEqual(got, []string{"ExecutionSucceeded"}) {
		t.Fatalf("newest %v", got)
	}
	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history?limit=2", nil)
	next := r.json(t)["nextToken"].(string)
	if got := types(e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history?limit=2&next="+next, nil)); !reflect.DeepEqual(got, want[2:]) {
		t.Fatalf("second page %v", got)
	}
	r = e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history?data=false&limit=1", nil)
	if strings.Contains(string(r.body), "secret") {
		t.Fatalf("data=false keeps the input out: %s", r.body)
	}
	expectError(t, e.do(t, "GET", "/api/v1/executions/"+esc(arn+"x")+"/history", nil), http.StatusBadRequest, "ExecutionDoesNotExist")
}

func TestStopRedrive(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	r := e.do(t, "POST", "/api/v1/executions/"+esc(arn)+"/stop", map[string]any{"error": "Manual", "cause": "by a test"})
	expect(t, r, http.StatusOK)
	if r.json(t)["stopDate"] == nil {
		t.Fatalf("stop: %s", r.body)
	}
	m := e.do(t, "GET", "/api/v1/executions/"+esc(arn), nil).json(t)
	if m["status"] != "ABORTED" || m["error"] != "Manual" || m["redriveStatus"] != "REDRIVABLE" {
		t.Fatalf("after stop: %v", m)
	}
	r = e.do(t, "POST", "/api/v1/executions/"+esc(arn)+"/redrive", nil)
	expect(t, r, http.StatusOK)
	if r.json(t)["redriveDate"] == nil {
		t.Fatalf("redrive: %s", r.body)
	}
	m = e.do(t, "GET", "/api/v1/executions/"+esc(arn), nil).json(t)
	if m["status"] != "RUNNING" || m["redriveCount"] != 1.0 {
		t.Fatalf("after redrive: %v", m)
	}
	expectError(t, e.do(t, "POST", "/api/v1/executions/"+esc(arn)+"/redrive", nil), http.StatusBadRequest, "ExecutionNotRedrivable")
	expectError(t, e.do(t, "POST", "/api/v1/executions/"+esc(arn)+"/stop", `{"error": 7}`), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "POST", "/api/v1/executions/bad/stop", nil), http.StatusBadRequest, "InvalidArn")
}
