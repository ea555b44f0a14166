package e2e

// Security review (review4): see the report of branch review4.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReviewEventTriggerAcrossNamespaces: grants guard only
// trigger.executions; a pipeline's trigger.event whose pattern names
// "account" (eventtrigger.go: namesAccount) sees every namespace's events
// on their default buses, among them Step Functions status changes that
// carry other namespaces' runs (and their output) — without any grant.
func TestReviewEventTriggerAcrossNamespaces(t *testing.T) {
	srv := newServer(t, "--auth", "on")
	b, err := os.ReadFile(filepath.Join(srv.dataDir, "admin.token"))
	if err != nil {
		t.Fatalf("admin.token: %v", err)
	}
	admin := []string{"BATON_TOKEN=" + strings.TrimSpace(string(b))}
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
	cmd := exec.Command(binPath, "deploy", down, "--namespace", "search", "--server", srv.url)
	cmd.Env = append(os.Environ(), searchAdmin...)
	cmdOut, deployErr := cmd.CombinedOutput()
	if deployErr != nil {
		return // refused without a grant: the hole is closed
	}
	t.Errorf("search deployed a pipeline whose event trigger takes every namespace's events, without a grant: %s", cmdOut)
	batonEnv(t, srv, coreAdmin, "start", "listings", "-n", "core", "--wait", "-q")
	waitFor(t, execTimeout, "spy started by core's run", func() (bool, string) {
		out := batonEnv(t, srv, searchAdmin, "executions", "list", "--workflow", "spy", "--namespace", "search")
		return strings.Contains(out, "SUCCEEDED"), out
	})
	t.Errorf("core's run started search's pipeline through its event trigger (it sees core's status change events)")
}
