package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/eventsapi"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/sfnapi"
)

// authzWorld is a server with authentication on, namespaces team-a and
// team-b, a token per role in team-a, an admin of team-b, and in team-a an
// activity, a workflow using it and open tasks of its runs.
type authzWorld struct {
	addr   string
	admin  string               // the bootstrap admin ('*')
	a      map[auth.Role]string // tokens of team-a by role
	bAdmin string               // admin of team-b only
	smArn  string               // team-a's workflow
	exec   string               // one of its runs
	act    string               // team-a's activity
	tasks  []string             // task tokens of team-a's runs
	acctA  string
}

func newAuthzWorld(t *testing.T, openTasks int) *authzWorld {
	t.Helper()
	s, admin, _ := startAuthServer(t, AuthConfig{})
	wd := &authzWorld{addr: s.Addr(), admin: admin, a: map[auth.Role]string{}}
	must := func(status int, body map[string]any, want int) map[string]any {
		t.Helper()
		if status != want && !(want == 201 && status == 200) {
			t.Fatalf("set-up: %d %v (want %d)", status, body, want)
		}
		return body
	}
	for _, ns := range []string{"team-a", "team-b"} {
		st, b, _ := call(t, wd.addr, "POST", "/api/v1/namespaces", "", bearer(admin), `{"name":"`+ns+`"}`)
		b = must(st, b, 201)
		if ns == "team-a" {
			wd.acctA = b["accountId"].(string)
		}
	}
	token := func(ns string, role auth.Role) string {
		st, b, _ := call(t, wd.addr, "POST", "/api/v1/tokens", "", bearer(admin),
			fmt.Sprintf(`{"name":"%s %s","roles":[{"namespace":"%s","role":"%s"}]}`, ns, role, ns, role))
		return must(st, b, 201)["token"].(string)
	}
	for _, r := range auth.Roles {
		wd.a[r] = token("team-a", r)
	}
	wd.bAdmin = token("team-b", auth.Admin)

	dep := wd.a[auth.Deployer]
	st, b, _ := call(t, wd.addr, "POST", "/api/v1/activities?namespace=team-a", "", bearer(dep), `{"name":"work"}`)
	wd.act = must(st, b, 200)["activityArn"].(string)
	def := fmt.Sprintf(`{"StartAt":"W","States":{"W":{"Type":"Task","Resource":%q,"End":true}}}`, wd.act)
	st, b, _ = call(t, wd.addr, "POST", "/api/v1/workflows?namespace=team-a", "", bearer(dep), `{"name":"wf","definition":`+def+`}`)
	wd.smArn = must(st, b, 201)["stateMachineArn"].(string)
	op := wd.a[auth.Operator]
	for i := range openTasks {
		st, b, _ = call(t, wd.addr, "POST", "/api/v1/workflows/wf/executions?namespace=team-a", "", bearer(op), fmt.Sprintf(`{"name":"r%d"}`, i))
		must(st, b, 201)
		st, b, _ = call(t, wd.addr, "POST", "/api/v1/activities/work/poll?namespace=team-a", "", bearer(op), `{"workerName":"w"}`)
		wd.tasks = append(wd.tasks, must(st, b, 200)["taskToken"].(string))
	}
	// The run the execution routes act on (stop, redrive...), apart from
	// the runs whose tasks are open.
	st, b, _ = call(t, wd.addr, "POST", "/api/v1/workflows/wf/executions?namespace=team-a", "", bearer(op), `{"name":"acted-on"}`)
	wd.exec = must(st, b, 201)["executionArn"].(string)
	return wd
}

// statusOf sends a request and returns its status and error code without
// reading a stream to its end.
func statusOf(t *testing.T, addr, method, path, token string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	h := map[string]string{}
	for k, v := range hdr {
		h[k] = v
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	res := send(t, addr, method, path, "", h, body)
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return res.StatusCode, ""
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	code, _ := m["code"].(string)
	if typ, ok := m["__type"].(string); ok {
		code = typ
	}
	return res.StatusCode, code
}

// weaker is the role just below r ("" for viewer).
func weaker(r auth.Role) auth.Role {
	i := slices.Index(auth.Roles, r)
	if i <= 0 {
		return ""
	}
	return auth.Roles[i-1]
}

// TestAuthzNativeRoutes walks every route of the native API: without a
// token it is refused (401); with a token of another namespace (403),
// with too weak a role (403); with the role it needs, it is not refused.
// A route added to the API without a rule stops the server from
// starting, so none can be missed here.
func TestAuthzNativeRoutes(t *testing.T) {
	routes := native.Routes()
	tasks := 0
	for _, r := range routes {
		if r.Scope == "task" {
			tasks++
		}
	}
	wd := newAuthzWorld(t, tasks)
	json := map[string]string{"Content-Type": "application/json"}
	for _, r := range routes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		path = strings.NewReplacer("{name}", "wf", "{arn}", url.PathEscape(wd.exec), "{digest}", strings.Repeat("0", 64)).Replace(path)
		path += "?namespace=team-a"
		body := "{}"
		if r.Scope == "task" {
			body = `{"taskToken":"` + wd.tasks[0] + `"}`
			wd.tasks = wd.tasks[1:]
		}
		if method == "GET" || method == "DELETE" {
			body = ""
		}
		try := func(who, token string) (int, string) {
			t.Helper()
			st, code := statusOf(t, wd.addr, method, path, token, json, body)
			t.Logf("%s as %s: %d %s", r.Pattern, who, st, code)
			return st, code
		}
		if st, _ := try("nobody", ""); st != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", r.Pattern, st)
		}
		switch r.Scope {
		case "namespace", "task":
			if st, code := try("team-b admin", wd.bAdmin); st != http.StatusForbidden || code != auth.CodeAccessDenied {
				t.Errorf("%s by team-b's admin on team-a: %d %s, want 403 AccessDenied", r.Pattern, st, code)
			}
		case "every":
			if st, _ := try("team-a admin", wd.a[auth.Admin]); st != http.StatusForbidden {
				t.Errorf("%s by a namespace's admin: %d, want 403", r.Pattern, st)
			}
		}
		if w := weaker(r.Role); w != "" {
			if st, _ := try("team-a "+string(w), wd.a[w]); st != http.StatusForbidden {
				t.Errorf("%s by a %s of team-a (needs %s): %d, want 403", r.Pattern, w, r.Role, st)
			}
		}
		right := wd.a[r.Role]
		if r.Scope == "every" {
			right = wd.admin
		}
		if st, _ := try("team-a "+string(r.Role), right); st == http.StatusUnauthorized || st == http.StatusForbidden {
			t.Errorf("%s by a %s of team-a: %d, want it allowed", r.Pattern, r.Role, st)
		}
	}
}

// TestAuthzAWSOperations: every Step Functions and EventBridge operation
// naming team-a's resources is refused to team-b's admin and to too weak a
// role of team-a, as AWS refuses (AccessDeniedException), and allowed with
// the role it needs.
func TestAuthzAWSOperations(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	bus := "arn:aws:events:us-east-1:" + wd.acctA + ":event-bus/default"
	type api struct {
		prefix, contentType string
		ops                 []string
		roles               func(string) auth.Role
		body                string
	}
	apis := []api{
		{sfnapi.TargetPrefix, "application/x-amz-json-1.0", sfnapi.Operations(), sfnapi.RoleOf,
			fmt.Sprintf(`{"stateMachineArn":%q,"executionArn":%q,"activityArn":%q,"resourceArn":%q}`,
				wd.smArn, strings.Replace(wd.smArn, ":stateMachine:", ":execution:", 1)+":x", wd.act, wd.smArn)},
		{eventsapi.TargetPrefix, "application/x-amz-json-1.1", eventsapi.Operations(), eventsapi.RoleOf,
			fmt.Sprintf(`{"EventBusName":%q,"Name":"r","Rule":"r","Entries":[{"EventBusName":%q,"Source":"app","DetailType":"x","Detail":"{}"}]}`, bus, bus)},
	}
	for _, a := range apis {
		for _, op := range a.ops {
			role := a.roles(op)
			hdr := map[string]string{"Content-Type": a.contentType, "X-Amz-Target": a.prefix + op}
			try := func(who, token string) (int, string) {
				t.Helper()
				st, code := statusOf(t, wd.addr, "POST", "/", token, hdr, a.body)
				t.Logf("%s as %s: %d %s", op, who, st, code)
				return st, code
			}
			if _, code := try("team-b admin", wd.bAdmin); code != auth.CodeAWSAccessDenied {
				t.Errorf("%s by team-b's admin on team-a: %s, want AccessDeniedException", op, code)
			}
			if w := weaker(role); w != "" {
				if _, code := try("team-a "+string(w), wd.a[w]); code != auth.CodeAWSAccessDenied {
					t.Errorf("%s by a %s of team-a (needs %s): %s, want AccessDeniedException", op, w, role, code)
				}
			}
			if st, code := try("team-a "+string(role), wd.a[role]); code == auth.CodeAWSAccessDenied || st == http.StatusUnauthorized {
				t.Errorf("%s by a %s of team-a: %d %s, want it allowed", op, role, st, code)
			}
		}
	}
}

// TestAuthzHomeNamespace: a credential of one namespace creates and lists
// through the AWS API in that namespace, as an AWS key acts in its
// account.
func TestAuthzHomeNamespace(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	hdr := map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": sfnapi.TargetPrefix + "CreateStateMachine",
		"Authorization": "Bearer " + wd.a[auth.Deployer]}
	st, b, _ := call(t, wd.addr, "POST", "/", "", hdr, `{"name":"made-by-sdk","definition":`+strconvQuote(passDef)+`,"roleArn":"arn:aws:iam::123456789012:role/x"}`)
	if st != 200 || !strings.Contains(b["stateMachineArn"].(string), ":"+wd.acctA+":stateMachine:made-by-sdk") {
		t.Fatalf("CreateStateMachine by team-a's deployer: %d %v (want team-a's account %s)", st, b, wd.acctA)
	}
	st, b, _ = call(t, wd.addr, "GET", "/api/v1/workflows/made-by-sdk?namespace=team-a", "", bearer(wd.a[auth.Viewer]), "")
	if st != 200 {
		t.Errorf("the workflow in team-a: %d %v", st, b)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestAuthzServerRoutes: the routes outside the APIs.
func TestAuthzServerRoutes(t *testing.T) {
	wd := newAuthzWorld(t, 0)
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/healthz", "", 200},
		{"GET", "/readyz", "", 200},
		{"GET", "/ui/", "", 200},
		{"GET", "/metrics", "", 401},
		{"GET", "/metrics", wd.a[auth.Admin], 403}, // names every namespace's workflows
		{"GET", "/metrics", wd.admin, 200},
		{"POST", "/api/v1/events/s3", "", 401},
		{"POST", "/api/v1/events/s3", wd.a[auth.Viewer], 403},
		{"GET", "/api/v1/tokens", wd.a[auth.Deployer], 403},
		{"GET", "/api/v1/tokens", wd.a[auth.Admin], 200},
		{"GET", "/api/v1/access-keys", wd.a[auth.Operator], 403},
		{"POST", "/api/v1/namespaces", wd.a[auth.Admin], 403},
		{"GET", "/api/v1/cluster", "", 401},
		{"GET", "/api/v1/cluster", wd.a[auth.Admin], 403}, // names the servers: every namespace's viewer
		{"GET", "/api/v1/cluster", wd.admin, 200},
	} {
		st, code := statusOf(t, wd.addr, c.method, c.path, c.token, map[string]string{"Content-Type": "application/json"}, "{}")
		if c.path == "/api/v1/events/s3" && st == 404 {
			continue // no data arrival on this server
		}
		if st != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, st, code, c.want)
		}
	}
	// A listing of namespaces shows the visible ones only.
	st, b, _ := call(t, wd.addr, "GET", "/api/v1/namespaces", "", bearer(wd.bAdmin), "")
	var names []string
	for _, n := range b["namespaces"].([]any) {
		names = append(names, n.(map[string]any)["name"].(string))
	}
	if st != 200 || !slices.Equal(names, []string{"team-b"}) {
		t.Errorf("team-b's namespaces: %d %v", st, names)
	}
}
