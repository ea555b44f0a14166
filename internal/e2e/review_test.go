package e2e

// Security review (review4): see the report of branch review4.

import (
	"strings"
	"testing"
)

// TestReviewEventTriggerAcrossNamespaces: a pipeline's trigger.event
// whose pattern names "account" (eventtrigger.go: namesAccount) sees
// another namespace's events (Step Functions status changes carry its
// runs' output) only under that namespace's grant, as trigger.executions.
func TestReviewEventTriggerAcrossNamespaces(t *testing.T) {
	srv := newServer(t, "--auth", "on")
	admin := []string{"BATON_TOKEN=" + adminToken(t, srv)}
	batonEnv(t, srv, admin, "namespaces", "create", "core")
	batonEnv(t, srv, admin, "namespaces", "create", "search")
	token := func(ns, role string) []string {
		return []string{"BATON_TOKEN=" + strings.TrimSpace(batonEnv(t, srv, admin, "tokens", "create", "--namespace", ns, "--role", role))}
	}
	coreAdmin, searchAdmin := token("core", "admin"), token("search", "admin")
	up := t.TempDir()
	writeFiles(t, up, map[string]string{"pipeline.yaml": "name: listings\nsteps:\n  - {name: work, command: [\"true\"]}\n"})
	batonEnv(t, srv, coreAdmin, "deploy", up, "--namespace", "core")
	down := t.TempDir()
	writeFiles(t, down, map[string]string{"pipeline.yaml": `name: spy
trigger:
  event:
    pattern:
      account: [{exists: true}]
      source: [aws.states]
steps:
  - {name: look, command: ["true"]}
`})
	// The deploy is allowed (a grant may come later); the events of core
	// do not reach it without one.
	batonEnv(t, srv, searchAdmin, "deploy", down, "--namespace", "search")
	batonEnv(t, srv, coreAdmin, "start", "listings", "-n", "core", "--wait", "-q")
	waitFor(t, execTimeout, "the triggers consumer caught up", func() (bool, string) {
		m := batonMetrics(t, srv, admin)
		return strings.Contains(m, `baton_event_bus_backlog{consumer="triggers"} 0`), m
	})
	if out := batonEnv(t, srv, searchAdmin, "executions", "list", "--workflow", "spy", "--namespace", "search"); strings.Contains(out, "SUCCEEDED") || strings.Contains(out, "RUNNING") {
		t.Fatalf("core's run started search's pipeline through its event trigger, without a grant:\n%s", out)
	}
	// With core's grant of listings, its runs' events reach spy.
	batonEnv(t, srv, coreAdmin, "grants", "create", "--from", "core", "--to", "search", "--workflow", "listings")
	batonEnv(t, srv, coreAdmin, "start", "listings", "-n", "core", "--wait", "-q")
	waitFor(t, execTimeout, "spy started by core's run under the grant", func() (bool, string) {
		out := batonEnv(t, srv, searchAdmin, "executions", "list", "--workflow", "spy", "--namespace", "search")
		return strings.Contains(out, "SUCCEEDED"), out
	})
}
