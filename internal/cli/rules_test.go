package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/store"
)

// TestRulesAndEventsCommands: baton rules put|list|describe|disable|
// enable|delete and baton events put, through the native API.
func TestRulesAndEventsCommands(t *testing.T) {
	env, url := server(t)
	deployDirect(t, env, "invoices")
	dir := t.TempDir()
	writeFile(t, dir, "pattern.json", `{"source":["billing"]}`)

	r := runBaton(t, dir, "", "rules", "put", "on-invoice", "--pattern", "@pattern.json", "--target", "invoices",
		"--input-template", `{"batch": <batch>}`, "--input-path-map", "batch=$.detail.batch", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, "rule on-invoice (arn:aws:events:us-east-1:123456789012:rule/on-invoice) on bus default: ENABLED") ||
		!strings.Contains(r.stdout, "target invoices: arn:aws:states:us-east-1:123456789012:stateMachine:invoices with input template") {
		t.Fatalf("rules put: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "list", "--output", "json", "--server", url)
	var rules []map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rules) != nil || len(rules) != 1 || rules[0]["eventPattern"] != `{"source":["billing"]}` {
		t.Fatalf("rules list: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "disable", "on-invoice", "--server", url)
	if r.code != 0 || r.stdout != "rule on-invoice: DISABLED\n" {
		t.Fatalf("rules disable: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "enable", "on-invoice", "--server", url)
	if r.code != 0 || r.stdout != "rule on-invoice: ENABLED\n" {
		t.Fatalf("rules enable: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "describe", "on-invoice", "--output", "json", "--server", url)
	if r.code != 0 || !strings.Contains(r.stdout, `"inputPathsMap": {`) {
		t.Fatalf("rules describe: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "delete", "on-invoice", "--server", url)
	if r.code == 0 || !strings.Contains(r.stderr, "Rule can't be deleted since it has targets.") {
		t.Fatalf("rules delete with targets: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "put", "bad", "--pattern", `{"source":"billing"}`, "--target", "invoices", "--server", url)
	if r.code == 0 || !strings.Contains(r.stderr, "InvalidEventPatternException") {
		t.Fatalf("rules put with a bad pattern: %+v", r)
	}
	r = runBaton(t, dir, "", "rules", "delete", "on-invoice", "--force", "--server", url)
	if r.code != 0 {
		t.Fatalf("rules delete --force: %+v", r)
	}

	r = runBaton(t, dir, "", "events", "put", "--source", "billing", "--detail-type", "Invoice Batch Closed", "--detail", `{"batch":7}`, "--server", url)
	id := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(id) != 36 {
		t.Fatalf("events put: %+v", r)
	}
	found := false
	for p := range store.OutboxPartitions {
		evs, err := env.Store.ReadOutbox(context.Background(), p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			found = found || strings.Contains(string(e.Body), `"id":"`+id+`"`) && strings.Contains(string(e.Body), `"detail":{"batch":7}`)
		}
	}
	if !found {
		t.Fatalf("event %s is not on the outbox", id)
	}
	r = runBaton(t, dir, "", "events", "put", "--source", "billing", "--detail-type", "x", "--detail", `[1]`, "--server", url)
	if r.code == 0 || !strings.Contains(r.stderr, "MalformedDetail") {
		t.Fatalf("events put with an array: %+v", r)
	}
}
