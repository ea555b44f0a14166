package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
)

// TestRetention: the sweeper deletes closed executions past their
// namespace's retention (or the server's), with a fake clock; running
// executions and namespaces kept forever stay, and the engine goes on
// (a deleted run's name can be used again).
func TestRetention(t *testing.T) {
	t0 := time.Now()
	clk := clock.NewFake(t0)
	cfg := quietConfig(t.TempDir())
	cfg.Clock = clk
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	addr := s.Addr()
	json := map[string]string{"Content-Type": "application/json"}
	do := func(method, path, body string, want int) map[string]any {
		t.Helper()
		status, m, _ := call(t, addr, method, path, "", json, body)
		if status != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, status, m, want)
		}
		return m
	}
	do("POST", "/api/v1/namespaces", `{"name":"team-a"}`, 201)
	do("POST", "/api/v1/namespaces", `{"name":"team-b"}`, 201)
	if m := do("PUT", "/api/v1/namespaces/team-a", `{"executionRetention":"1d"}`, 200); m["executionRetention"] != "1d" {
		t.Errorf("PUT team-a: %v", m)
	}
	do("PUT", "/api/v1/namespaces/team-b", `{"executionRetention":"0"}`, 200)
	do("PUT", "/api/v1/namespaces/default", `{"executionRetention":"1d"}`, 400)
	do("PUT", "/api/v1/namespaces/nope", `{"executionRetention":"1d"}`, 400) // ResourceNotFound, as AWS answers it
	do("PUT", "/api/v1/namespaces/team-a", `{"executionRetention":"soon"}`, 400)

	pass := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	wait := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	start := func(ns, wf, def, name string) string {
		do("POST", "/api/v1/workflows?namespace="+ns, `{"name":"`+wf+`","definition":`+def+`}`, 201)
		return do("POST", "/api/v1/workflows/"+wf+"/executions?namespace="+ns, `{"name":"`+name+`"}`, 201)["executionArn"].(string)
	}
	statusOf := func(arn string) string {
		status, m, _ := call(t, addr, "GET", "/api/v1/executions/"+url.PathEscape(arn), "", nil, "")
		if status != 200 {
			if m["code"] == "ExecutionDoesNotExist" {
				return "deleted"
			}
			t.Fatalf("GET %s: %d %v", arn, status, m)
		}
		st, _ := m["status"].(string)
		return st
	}
	poll := func(what string, cond func() bool, step func()) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			if step != nil {
				step()
			}
			time.Sleep(10 * time.Millisecond) // polling
		}
	}
	def := start("default", "wf", pass, "r1")
	a := start("team-a", "wf", pass, "r1")
	b := start("team-b", "wf", pass, "r1")
	running := start("default", "slow", wait, "r1")
	for _, arn := range []string{def, a, b} {
		poll(arn+" to succeed", func() bool { return statusOf(arn) == "SUCCEEDED" }, nil)
	}
	sweep := func() { clk.Advance(5 * time.Minute) } // a sweep's timer fires

	clk.Set(t0.Add(48 * time.Hour))
	poll("team-a's run to go", func() bool { return statusOf(a) == "deleted" }, sweep)
	if st := statusOf(def); st != "SUCCEEDED" {
		t.Errorf("default's run after 2 days: %s, want it kept 90 days", st)
	}

	clk.Set(t0.Add(91 * 24 * time.Hour))
	poll("default's run to go", func() bool { return statusOf(def) == "deleted" }, sweep)
	if st := statusOf(b); st != "SUCCEEDED" {
		t.Errorf("team-b's run (kept forever): %s", st)
	}
	if st := statusOf(running); st != "RUNNING" {
		t.Errorf("a running execution after 91 days: %s", st)
	}
	status, _, _ := call(t, addr, "GET", "/api/v1/executions/"+url.PathEscape(def)+"/history", "", nil, "")
	if status == 200 {
		t.Errorf("history of a deleted run: %d", status)
	}
	// The engine is not confused: the name is free again, and runs.
	again := do("POST", "/api/v1/workflows/wf/executions?namespace=default", `{"name":"r1"}`, 201)["executionArn"].(string)
	poll("a new run with a deleted run's name to succeed", func() bool { return statusOf(again) == "SUCCEEDED" }, nil)
	res := send(t, addr, "GET", "/metrics", "", nil, "")
	defer res.Body.Close()
	var body strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := res.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(body.String(), "baton_executions_deleted_total 2\n") {
		t.Errorf("metrics lack baton_executions_deleted_total 2")
	}
	if !strings.Contains(body.String(), "baton_audit_dropped_total 0\n") {
		t.Errorf("metrics lack baton_audit_dropped_total")
	}
}
