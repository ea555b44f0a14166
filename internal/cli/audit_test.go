package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAuditAndRetentionCommands: baton namespaces set-retention changes a
// namespace's retention (list shows it), and baton audit shows that change
// (as anonymous, on a server without authentication), in a table and as
// JSON.
func TestAuditAndRetentionCommands(t *testing.T) {
	s := startServer(t, t.TempDir(), "")
	defer s.Shutdown(context.Background())
	url := "http://" + s.Addr()
	if r := runBaton(t, "", "", "namespaces", "create", "team-a", "--server", url); r.code != 0 {
		t.Fatalf("namespaces create: %+v", r)
	}
	r := runBaton(t, "", "", "namespaces", "set-retention", "team-a", "30d", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "namespace team-a keeps closed executions: 30d") {
		t.Fatalf("set-retention: %+v", r)
	}
	if r := runBaton(t, "", "", "namespaces", "set-retention", "team-a", "5m", "--server", url); r.code == 0 || !strings.Contains(r.stderr, "at least 1h") {
		t.Errorf("set-retention 5m: %+v", r)
	}
	r = runBaton(t, "", "", "namespaces", "list", "--server", url)
	if !strings.Contains(r.stdout, "RETENTION") || !strings.Contains(r.stdout, "30d") {
		t.Errorf("namespaces list: %+v", r)
	}
	var entries []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for len(entries) < 2 && time.Now().Before(deadline) {
		r = runBaton(t, "", "", "audit", "--namespace", "*", "--since", "1h", "--output", "json", "--server", url)
		if r.code != 0 {
			t.Fatalf("audit: %+v", r)
		}
		entries = nil
		if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
			t.Fatalf("audit --output json: %v\n%s", err, r.stdout)
		}
	}
	if len(entries) < 2 || entries[0]["path"] != "/api/v1/namespaces/team-a" || entries[0]["method"] != "PUT" ||
		entries[0]["kind"] != "anonymous" || entries[0]["resource"] != "team-a" {
		t.Errorf("audit entries: %v", entries)
	}
	r = runBaton(t, "", "", "audit", "--namespace", "*", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "PUT /api/v1/namespaces/team-a") || !strings.Contains(r.stdout, "anonymous") {
		t.Errorf("audit table: %+v", r)
	}
	if r := runBaton(t, "", "", "audit", "--since", "yesterday", "--server", url); r.code == 0 || !strings.Contains(r.stderr, "--since") {
		t.Errorf("audit --since yesterday: %+v", r)
	}
}
