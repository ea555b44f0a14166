package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/batonhq/baton/internal/notify/notifytest"
)

// TestSecretsNeverLeak plants known secrets — a connection's credential
// (in the server's environment), a Slack token and a webhook secret (in
// files), an unrelated secret of the server's environment, the admin
// token, a created token and an access key's secret — runs a scenario that
// touches each (an http step through the connection against a service
// that echoes and quotes the credential, a shell step that tries to print
// the environment, Slack and webhook notifications, SigV4 calls with the
// key, a denied request), then reads everything the server emits: its
// log, and every API answer a user or the UI reads (workflows,
// definitions, runs, full histories, task logs, bus events, rules, failed
// notifications, tokens, access keys, metrics, readiness). No secret may
// appear in any of it.
func TestSecretsNeverLeak(t *testing.T) {
	const (
		connSecret  = "plant-conn-Q7v2Rk9xT"
		envSecret   = "plant-env-Zp4Wm8Ld"
		slackSecret = "xoxb-plant-slack-N3c6Hb"
	)
	t.Setenv("BATON_TEST_API_TOKEN", connSecret)
	t.Setenv("AWS_SECRET_ACCESS_KEY", envSecret) // the server's own, never a step's
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/quote" {
			http.Error(w, "refused token "+r.Header.Get("Authorization"), http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"headers": r.Header, "path": r.URL.Path})
	}))
	t.Cleanup(echo.Close)
	slack := notifytest.NewSlack(t, slackSecret)
	hook := notifytest.NewWebhook(t, hookSecret)
	srv := notifyServerWith(t, slack, `  api:
    type: http
    base_url: `+echo.URL+`/
    headers: {Authorization: env:BATON_TEST_API_TOKEN}
`, "--auth", "on")
	admin := adminToken(t, srv)
	adminEnv := []string{"BATON_TOKEN=" + admin}
	deployer := strings.TrimSpace(batonEnv(t, srv, adminEnv, "tokens", "create", "--namespace", "default", "--role", "deployer", "--name", "ci"))
	keys := batonEnv(t, srv, adminEnv, "access-keys", "create", "--namespace", "default", "--role", "deployer")
	var keyID, keySecret string
	for _, line := range strings.Split(keys, "\n") {
		if v, ok := strings.CutPrefix(line, "AWS_ACCESS_KEY_ID="); ok {
			keyID = v
		}
		if v, ok := strings.CutPrefix(line, "AWS_SECRET_ACCESS_KEY="); ok {
			keySecret = v
		}
	}
	secrets := map[string]string{"connection credential": connSecret, "server environment": envSecret, "slack token": slackSecret,
		"webhook secret": hookSecret, "admin token": admin, "created token": deployer, "access key secret": keySecret}
	for name, s := range secrets {
		if len(s) < 12 {
			t.Fatalf("%s %q: too short to scan for", name, s)
		}
	}

	// The scenario.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pipeline.yaml": `name: leaky
steps:
  - {name: call, type: http, connection: api, url: echo}
  - name: env
    depends_on: [call]
    script: echo "aws=${AWS_SECRET_ACCESS_KEY:-} api=${BATON_TEST_API_TOKEN:-}"
  - {name: quote, type: http, connection: api, url: quote, depends_on: [env]}
notifications:
  type: FULL_EXECUTION
  targets:
    - {channel: SLACK, addresses: ["#ops"], connection: team-slack}
    - {channel: WEBHOOK, addresses: ["` + hook.URL + `"]}
`})
	deployEnv := []string{"BATON_TOKEN=" + deployer}
	batonEnv(t, srv, deployEnv, "deploy", dir)
	out := batonFails(t, srv, deployEnv, "start", "leaky", "--wait")
	if !strings.Contains(out, "FAILED") {
		t.Fatalf("the run: %s", out)
	}
	sdk := sfnWithKeys(srv.url, keyID, keySecret, "us-east-1")
	ctx := context.Background()
	sm, err := sdk.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("signed"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	if _, err := sdk.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)}); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	batonFails(t, srv, []string{"BATON_TOKEN=" + deployer + "x"}, "workflows", "list") // a wrong token, in the log
	slack.Wait(t, execTimeout, "the run's outcome on Slack", func(s *notifytest.Slack) bool {
		th := s.Threads("ops")
		return len(th) > 0 && strings.Contains(th[0].Root.Current(), "FAILED")
	})
	hook.WaitDeliveries(t, 1, execTimeout)

	// What the server emits.
	var emitted strings.Builder
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Fprintf(&emitted, "\n== GET %s %d\n%s", path, res.StatusCode, body)
		return string(body)
	}
	var list struct {
		StateMachines []struct{ StateMachineArn, Name string }
	}
	json.Unmarshal([]byte(get("/api/v1/workflows")), &list)
	for _, w := range list.StateMachines {
		get("/api/v1/workflows/" + w.Name)
		get("/api/v1/workflows/" + w.Name + "/versions")
		var runs struct {
			Executions []struct{ ExecutionArn string }
		}
		json.Unmarshal([]byte(get("/api/v1/executions?workflow="+w.Name)), &runs)
		for _, r := range runs.Executions {
			p := "/api/v1/executions/" + url.PathEscape(r.ExecutionArn)
			get(p)
			get(p + "/history?limit=1000")
			get(p + "/logs")
		}
	}
	if len(list.StateMachines) < 2 {
		t.Fatalf("workflows: %s", emitted.String())
	}
	for _, p := range []string{"/api/v1/bus/events?limit=1000", "/api/v1/rules", "/api/v1/notifications/failed", "/api/v1/notifications/status",
		"/api/v1/tokens", "/api/v1/access-keys", "/api/v1/namespaces", "/api/v1/audit?namespace=*&limit=1000", "/metrics", "/readyz"} {
		get(p)
	}
	if !strings.Contains(emitted.String(), "aws= api=") {
		t.Errorf("the shell step did not print an empty environment (or its output was not read)")
	}
	if !strings.Contains(emitted.String(), `"call"`) || !strings.Contains(emitted.String(), "refused token") {
		t.Fatalf("the scenario's traces are missing from what was read:\n%s", emitted.String())
	}
	for _, m := range slack.Threads("ops") {
		fmt.Fprintf(&emitted, "\n== slack\n%s", m.Root.Current())
	}
	for _, d := range hook.Deliveries() {
		fmt.Fprintf(&emitted, "\n== webhook\n%s", d.Body)
	}
	for where, text := range map[string]string{"the server's log": srv.logs.String(), "its answers and messages": emitted.String()} {
		for name, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("the %s appears in %s: ...%s...", name, where, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
	}
}
