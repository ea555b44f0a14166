package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditLog: with authentication on, changes and refused requests of
// both APIs are recorded, with who, from where, the namespace and the
// resource, and read back from /api/v1/audit by a namespace's admin; no
// token, no body, no Authorization header appears in the rows or in the
// --audit-log file.
func TestAuditLog(t *testing.T) {
	dir := t.TempDir()
	cfg := quietConfig(dir)
	cfg.Auth = AuthConfig{Mode: "on"}
	logFile := filepath.Join(dir, "audit.jsonl")
	cfg.AuditLog = logFile
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Shutdown(context.Background())
		}
	})
	b, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(b))
	addr := s.Addr()
	do := func(method, path, token, body string, hdr map[string]string, want int) map[string]any {
		t.Helper()
		h := map[string]string{"Content-Type": "application/json"}
		for k, v := range hdr {
			h[k] = v
		}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		status, m, _ := call(t, addr, method, path, "", h, body)
		if status != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, status, m, want)
		}
		return m
	}
	do("POST", "/api/v1/namespaces", admin, `{"name":"team-a"}`, nil, 201)
	tokens := map[string]string{}
	for _, role := range []string{"deployer", "viewer", "admin"} {
		m := do("POST", "/api/v1/tokens", admin, fmt.Sprintf(`{"name":"%s","roles":[{"namespace":"team-a","role":"%s"}]}`, role, role), nil, 201)
		tokens[role] = m["token"].(string)
	}
	idOf := func(tok string) string { return strings.Split(tok, "_")[1] }
	const secret = "s3cr3t-input-value"
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	m := do("POST", "/api/v1/workflows?namespace=team-a", tokens["deployer"], `{"name":"wf","definition":`+def+`}`, nil, 201)
	smArn := m["stateMachineArn"].(string)
	do("POST", "/api/v1/workflows/wf/executions?namespace=team-a", tokens["deployer"], `{"name":"run1","input":{"password":"`+secret+`"}}`, nil, 201)
	// Reads are not recorded.
	do("GET", "/api/v1/workflows?namespace=team-a", tokens["viewer"], "", nil, 200)
	aws := func(op string) map[string]string {
		return map[string]string{"X-Amz-Target": "AWSStepFunctions." + op, "Content-Type": "application/x-amz-json-1.0"}
	}
	do("POST", "/", tokens["viewer"], `{"stateMachineArn":"`+smArn+`"}`, aws("DescribeStateMachine"), 200)
	// Refused: a viewer starting a run (403), no token (401), a viewer
	// through the AWS API (AccessDeniedException, 400 as AWS answers).
	do("POST", "/api/v1/workflows/wf/executions?namespace=team-a", tokens["viewer"], `{"input":{"password":"`+secret+`"}}`, nil, 403)
	do("POST", "/api/v1/workflows/wf/executions?namespace=team-a", "", `{"input":{"password":"`+secret+`"}}`, nil, 401)
	do("POST", "/", tokens["viewer"], `{"stateMachineArn":"`+smArn+`","input":"{\"password\":\"`+secret+`\"}"}`, aws("StartExecution"), 400)
	do("POST", "/", tokens["deployer"], `{"stateMachineArn":"`+smArn+`","name":"run2","input":"{\"password\":\"`+secret+`\"}"}`, aws("StartExecution"), 200)

	type row struct {
		Principal, Kind, RemoteAddr, Method, Path, Operation, Namespace, Resource string
		Status                                                                    int
	}
	read := func(ns, token string, want int) ([]row, string) {
		t.Helper()
		res := send(t, addr, "GET", "/api/v1/audit?namespace="+ns, "", map[string]string{"Authorization": "Bearer " + token}, "")
		defer res.Body.Close()
		var buf strings.Builder
		var out struct{ Entries []row }
		if _, err := bufio.NewReader(res.Body).WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want {
			t.Fatalf("GET /api/v1/audit?namespace=%s: %d %s, want %d", ns, res.StatusCode, buf.String(), want)
		}
		json.Unmarshal([]byte(buf.String()), &out)
		return out.Entries, buf.String()
	}
	wantTeamA := []row{ // newest first
		{idOf(tokens["deployer"]), "token", "127.0.0.1", "POST", "/", "StartExecution", "team-a", smArn, 200},
		{idOf(tokens["viewer"]), "token", "127.0.0.1", "POST", "/", "StartExecution", "team-a", smArn, 400},
		// without a credential: no principal; the namespace it named
		{"", "", "127.0.0.1", "POST", "/api/v1/workflows/wf/executions", "", "team-a", "", 401},
		{idOf(tokens["viewer"]), "token", "127.0.0.1", "POST", "/api/v1/workflows/wf/executions", "", "team-a", "wf", 403},
		{idOf(tokens["deployer"]), "token", "127.0.0.1", "POST", "/api/v1/workflows/wf/executions", "", "team-a", "wf", 201},
		{idOf(tokens["deployer"]), "token", "127.0.0.1", "POST", "/api/v1/workflows", "", "team-a", "", 201},
	}
	var got []row
	var raw string
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, raw = read("team-a", tokens["admin"], 200)
		if len(got) >= len(wantTeamA) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the writer, not waiting for it
	}
	if fmt.Sprint(got) != fmt.Sprint(wantTeamA) {
		t.Errorf("team-a's audit log:\n got %v\nwant %v", got, wantTeamA)
	}
	all, rawAll := read("*", admin, 200)
	var unauth, tokensMade int
	for _, r := range all {
		if r.Status == 401 && r.Kind == "" && r.Principal == "" && r.Namespace == "team-a" {
			unauth++
		}
		if r.Path == "/api/v1/tokens" && r.Status == 201 {
			tokensMade++
		}
	}
	if unauth != 1 || tokensMade != 3 {
		t.Errorf("every namespace's log: %d refusals without a token (want 1), %d tokens made (want 3): %v", unauth, tokensMade, all)
	}
	// '*' is for admins of every namespace; another namespace's for its admins.
	read("*", tokens["admin"], 403)
	read("default", tokens["admin"], 403)
	read("team-a", tokens["deployer"], 403)

	stopped = true
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(logFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("--audit-log file has mode %v, want 0600", fi.Mode().Perm())
	}
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	if len(lines) < len(all) {
		t.Errorf("the file has %d lines, the log %d entries", len(lines), len(all))
	}
	for _, l := range lines {
		var r row
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Method == "" {
			t.Errorf("not an audit entry: %q (%v)", l, err)
		}
	}
	for where, text := range map[string]string{"the API's rows": raw + rawAll, "the file": string(file)} {
		for _, leak := range []string{admin, tokens["deployer"], tokens["viewer"], tokens["admin"], secret, "Bearer", "password"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s hold %q", where, leak)
			}
		}
	}
}

// TestAuditChanges: which requests are changes.
func TestAuditChanges(t *testing.T) {
	for _, tc := range []struct {
		method, path, target string
		want                 bool
	}{
		{"GET", "/api/v1/workflows", "", false},
		{"HEAD", "/api/v1/workflows", "", false},
		{"POST", "/api/v1/workflows", "", true},
		{"DELETE", "/api/v1/workflows/wf", "", true},
		{"PUT", "/api/v1/namespaces/team-a", "", true},
		{"POST", "/api/v1/activities/work/poll", "", false},
		{"POST", "/api/v1/tasks/success", "", true},
		{"POST", "/api/v1/tasks/heartbeat", "", false},
		{"POST", "/api/v1/tasks/logs", "", false},
		{"POST", "/", "AWSStepFunctions.SendTaskHeartbeat", false},
		{"POST", "/", "AWSStepFunctions.SendTaskSuccess", true},
		{"POST", "/", "AWSStepFunctions.StartExecution", true},
		{"POST", "/", "AWSStepFunctions.DescribeExecution", false},
		{"POST", "/", "AWSStepFunctions.ListStateMachines", false},
		{"POST", "/", "AWSStepFunctions.GetActivityTask", false},
		{"POST", "/", "AWSStepFunctions.ValidateStateMachineDefinition", false},
		{"POST", "/", "AWSStepFunctions.TestState", true},
		{"POST", "/", "AWSEvents.PutEvents", true},
		{"POST", "/", "AWSEvents.TestEventPattern", false},
		{"GET", "/ui/", "", false},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.target != "" {
			r.Header.Set("X-Amz-Target", tc.target)
		}
		if got := changes(r, awsOperation(r)); got != tc.want {
			t.Errorf("%s %s %s: changes %v, want %v", tc.method, tc.path, tc.target, got, tc.want)
		}
	}
}
