package server

// Security review (review4): requests by a caller holding roles only in
// team-b that reach team-a's resources. Each test fails while the hole is
// open; see the report of branch review4.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/server/eventsapi"
)

// TestReviewPathArnWithLeadingSpace: the authorizer looks for "arn:" at the
// start of the raw {arn} / {name} path value, but the routes trim spaces
// (pathName) before using it: " arn:...team-a..." is authorized in
// ?namespace=team-b and then acts on team-a's execution or workflow.
func TestReviewPathArnWithLeadingSpace(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/executions/" + url.PathEscape(" "+wd.exec) + "?namespace=team-b", ""},
		{"GET", "/api/v1/executions/" + url.PathEscape(" "+wd.exec) + "/history?namespace=team-b", ""},
		{"POST", "/api/v1/executions/" + url.PathEscape("\t"+wd.exec) + "/stop?namespace=team-b", "{}"},
		{"POST", "/api/v1/workflows/" + url.PathEscape(" "+wd.smArn) + "/executions?namespace=team-b", `{"name":"by-team-b"}`},
		{"GET", "/api/v1/workflows/" + url.PathEscape(" "+wd.smArn) + "/versions?namespace=team-b", ""},
	} {
		st, b, _ := call(t, wd.addr, c.method, c.path, "", bearer(wd.bAdmin), c.body)
		if st != http.StatusForbidden {
			t.Errorf("%s %s by team-b's admin: %d %v, want 403 (it acts on team-a's resource)", c.method, c.path, st, b)
		}
	}
}

// teamARule makes a rule "ra" on team-a's default bus, targeting team-a's
// workflow, and returns the bus' ARN.
func teamARule(t *testing.T, wd *authzWorld) string {
	t.Helper()
	st, b, _ := call(t, wd.addr, "POST", "/api/v1/rules?namespace=team-a", "", bearer(wd.a[auth.Deployer]),
		`{"name":"ra","eventPattern":{"source":["app"]},"targets":[{"id":"t","workflow":"wf"}]}`)
	if st != 200 {
		t.Fatalf("team-a's rule: %d %v", st, b)
	}
	return "arn:aws:events:us-east-1:" + wd.acctA + ":event-bus/default"
}

// TestReviewNativeRulesOfAnotherBus: the native rule routes take the bus
// from ?bus= (or the body's "bus"), which the authorizer never reads: an
// ARN of team-a's bus there reads, disables and deletes team-a's rules
// with a role in team-b only.
func TestReviewNativeRulesOfAnotherBus(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	bus := url.QueryEscape(teamARule(t, wd))
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/rules/ra?namespace=team-b&bus=" + bus},
		{"GET", "/api/v1/rules?namespace=team-b&bus=" + bus},
		{"POST", "/api/v1/rules/ra/disable?namespace=team-b&bus=" + bus},
		{"DELETE", "/api/v1/rules/ra?namespace=team-b&force=true&bus=" + bus},
	} {
		body := ""
		if c.method == "POST" {
			body = "{}"
		}
		st, b, _ := call(t, wd.addr, c.method, c.path, "", bearer(wd.bAdmin), body)
		if st != http.StatusForbidden {
			t.Errorf("%s %s by team-b's admin: %d %v, want 403", c.method, c.path, st, b)
		}
	}
}

// TestReviewNativePutEventsToAnotherBus: POST /api/v1/events puts events
// on the bus each entry names; an entry naming team-a's bus by ARN starts
// team-a's workflows for an operator of team-b.
func TestReviewNativePutEventsToAnotherBus(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	bus := teamARule(t, wd)
	st, b, _ := call(t, wd.addr, "POST", "/api/v1/events?namespace=team-b", "", bearer(wd.bAdmin),
		fmt.Sprintf(`{"entries":[{"source":"app","detailType":"x","detail":{},"bus":%q}]}`, bus))
	if st != http.StatusForbidden {
		t.Errorf("events on team-a's bus by team-b's admin: %d %v, want 403", st, b)
	}
}

// TestReviewNativeRuleTargetInAnotherNamespace: a rule of team-b may
// target team-a's workflow by ARN (the EventBridge API's PutTargets checks
// Targets[].Arn; the native POST /api/v1/rules does not), so events on
// team-b's own bus start team-a's workflow.
func TestReviewNativeRuleTargetInAnotherNamespace(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	st, b, _ := call(t, wd.addr, "POST", "/api/v1/rules?namespace=team-b", "", bearer(wd.bAdmin),
		fmt.Sprintf(`{"name":"rb","eventPattern":{"source":["app"]},"targets":[{"id":"t","workflow":%q}]}`, wd.smArn))
	if st == http.StatusForbidden {
		return
	}
	t.Errorf("team-b's rule targeting team-a's workflow: %d %v, want 403", st, b)
	// The impact: an event on team-b's own bus starts team-a's workflow.
	st, b, _ = call(t, wd.addr, "POST", "/api/v1/events?namespace=team-b", "", bearer(wd.bAdmin),
		`{"entries":[{"source":"app","detailType":"x","detail":{}}]}`)
	if st != 200 {
		t.Fatalf("event on team-b's bus: %d %v", st, b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b, _ = call(t, wd.addr, "GET", "/api/v1/executions?namespace=team-a&workflow=wf", "", bearer(wd.admin), "")
		if n := len(b["executions"].([]any)); n > 1 {
			t.Errorf("team-b's event started team-a's workflow (%d runs of wf)", n)
			return
		}
		if time.Now().After(deadline) {
			t.Logf("no run of team-a's wf started within 10 s")
			return
		}
		runtime.Gosched()
	}
}

// TestReviewAWSKeyCaseFolding: encoding/json matches members case-
// insensitively with Unicode folding ("ſ" is "s"), but Authorize collects
// only members spelled "EventBusName" (lowercased): "EventBuſName" holding
// team-a's bus ARN is authorized in the caller's home namespace and then
// used by the operation.
func TestReviewAWSKeyCaseFolding(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	bus := teamARule(t, wd)
	hdr := map[string]string{"Content-Type": "application/x-amz-json-1.1", "Authorization": "Bearer " + wd.bAdmin}
	for _, c := range []struct{ op, body string }{
		{"DescribeRule", fmt.Sprintf(`{"Name":"ra","EventBu\u017fName":%q}`, bus)},
		{"PutEvents", fmt.Sprintf(`{"Entries":[{"Source":"app","DetailType":"x","Detail":"{}","EventBu\u017fName":%q}]}`, bus)},
		{"DeleteRule", fmt.Sprintf(`{"Name":"ra","Force":true,"EventBu\u017fName":%q}`, bus)},
	} {
		op, body := c.op, c.body
		hdr["X-Amz-Target"] = eventsapi.TargetPrefix + op
		st, code := statusOf(t, wd.addr, "POST", "/", "", hdr, body)
		if code != auth.CodeAWSAccessDenied {
			t.Errorf("%s on team-a's bus (EventBu\u017fName) by team-b's admin: %d %s, want AccessDeniedException", op, st, code)
		}
	}
}

// TestReviewAWSDescribeEventBusByArn: DescribeEventBus takes Name as a
// name or an ARN (resolveBus), but Authorize collects ARNs only from
// members ending in "Arn" and EventBusName: a team-a bus' ARN in Name is
// described to team-b.
func TestReviewAWSDescribeEventBusByArn(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	hdr := map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": eventsapi.TargetPrefix + "CreateEventBus",
		"Authorization": "Bearer " + wd.a[auth.Deployer]}
	st, b, _ := call(t, wd.addr, "POST", "/", "", hdr, `{"Name":"orders","Description":"team-a private"}`)
	if st != 200 {
		t.Fatalf("team-a's bus: %d %v", st, b)
	}
	arn, _ := b["EventBusArn"].(string)
	if !strings.Contains(arn, wd.acctA) {
		t.Fatalf("team-a's bus ARN %q", arn)
	}
	hdr["X-Amz-Target"] = eventsapi.TargetPrefix + "DescribeEventBus"
	hdr["Authorization"] = "Bearer " + wd.bAdmin
	st, b, _ = call(t, wd.addr, "POST", "/", "", hdr, fmt.Sprintf(`{"Name":%q}`, arn))
	if st == 200 {
		t.Errorf("team-a's bus described to team-b's admin: %v", b)
	}
}

// TestReviewTestStateSkipsNamespacePolicy: TestState runs a Task on the
// server (engine.RunTestTask) with a tasks.Request that names no
// execution, so the resolver finds no namespace: the configuration's
// namespace policies (namespacePolicy.Run: ns == "" is baton run) and
// connections' namespaces (Connection.UsableIn("") is true) are skipped.
// A deployer of a namespace whose runs may not run shell steps runs one
// through TestState (and could use another team's connection).
func TestReviewTestStateSkipsNamespacePolicy(t *testing.T) {
	dir := t.TempDir()
	cfg := quietConfig(dir)
	cfg.Auth = AuthConfig{Mode: "on"}
	conns, err := config.Parse("baton.yaml", []byte("namespaces:\n  '*': {steps: [http]}\n"), config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Connections = conns
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	b, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.TestState",
		"Authorization": "Bearer " + strings.TrimSpace(string(b))}
	state := `{"Type":"Task","Resource":"baton:shell","Parameters":{"command":["echo","shell ran"]},"End":true}`
	st, out, _ := call(t, s.Addr(), "POST", "/", "", hdr, fmt.Sprintf(`{"definition":%q,"roleArn":"arn:aws:iam::123456789012:role/x","input":"{}"}`, state))
	if st == 200 && out["status"] == "SUCCEEDED" {
		t.Errorf("TestState ran a shell Task that the namespace policy ('*': http only) forbids: %v", out)
	} else {
		t.Logf("TestState: %d %v", st, out)
	}
}

// TestReviewTaskTokenTrailingBracket: the task routes are authorized in
// the namespace of the body's taskToken, read with json.Unmarshal; a body
// with a trailing "}" or "]" fails that parse (no token found: the role
// anywhere is enough), while the route's decodeBody (json.Decoder, then
// dec.More(), false before a closing bracket) accepts it: team-b's
// operator answers team-a's task with a leaked token.
func TestReviewTaskTokenTrailingBracket(t *testing.T) {
	wd := newAuthzWorld(t, 1)
	st, b, _ := call(t, wd.addr, "POST", "/api/v1/tasks/success?namespace=team-b", "", bearer(wd.bAdmin),
		`{"taskToken":"`+wd.tasks[0]+`","output":{"by":"team-b"}}}`)
	if st != http.StatusForbidden {
		t.Errorf("team-a's task answered by team-b's admin: %d %v, want 403", st, b)
	}
}

// TestReviewListAcrossNamespaces: docs/security.md says listings with
// ?namespace=* show only the namespaces the caller may see; team-b's admin
// must not see team-a's workflow or runs.
func TestReviewListAcrossNamespaces(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	for _, p := range []string{"/api/v1/workflows?namespace=*", "/api/v1/executions?namespace=*", "/api/v1/activities?namespace=*", "/api/v1/rules?namespace=*"} {
		res := send(t, wd.addr, "GET", p, "", bearer(wd.bAdmin), "")
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(b), wd.acctA) {
			t.Errorf("GET %s by team-b's admin shows team-a's resources: %d %s", p, res.StatusCode, b)
		} else {
			t.Logf("GET %s: %d %.200s", p, res.StatusCode, b)
		}
	}
}

// TestReviewAWSTaskTokenCase: sfnapi.Authorize reads the task token as
// m["taskToken"] (exact key), the operation's decoder matches members
// case-insensitively: "TaskToken" carrying team-a's token is authorized in
// the caller's home namespace (team-b) and answers team-a's task.
func TestReviewAWSTaskTokenCase(t *testing.T) {
	wd := newAuthzWorld(t, 1)
	hdr := map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.SendTaskSuccess",
		"Authorization": "Bearer " + wd.bAdmin}
	st, code := statusOf(t, wd.addr, "POST", "/", "", hdr, `{"TaskToken":"`+wd.tasks[0]+`","output":"{\"by\":\"team-b\"}"}`)
	if code != auth.CodeAWSAccessDenied {
		t.Errorf("SendTaskSuccess of team-a's task (member TaskToken) by team-b's admin: %d %s, want AccessDeniedException", st, code)
	}
}
