package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// batonEnv runs the baton command line against srv with extra environment
// variables and returns its stdout; a failure fails the test.
func batonEnv(t *testing.T, srv *server, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, append(args, "--server", srv.url)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("baton %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// sfnWithKeys is a Step Functions client signing with the given keys,
// without retries (a refusal is the answer under test).
func sfnWithKeys(url, id, secret, region string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		APIOptions:   []func(*middleware.Stack) error{disableHostPrefix},
		Retryer:      aws.NopRetryer{},
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestAuthOn runs a server with --auth on: the native API needs a token
// (401 saying what to do without one, or with a revoked one); the Step
// Functions API verifies SigV4 signatures of access keys made with baton
// access-keys create, through the AWS SDK for Go v2, boto3 and the AWS
// CLI, with AWS's errors for a wrong secret, an unknown key, another
// region and a clock 20 minutes off.
func TestAuthOn(t *testing.T) {
	cliCmd := awsCLICommand(t)
	python := boto3Python(t)
	srv := newServer(t, "--auth", "on")
	b, err := os.ReadFile(filepath.Join(srv.dataDir, "admin.token"))
	if err != nil {
		t.Fatalf("admin.token: %v", err)
	}
	if strings.Contains(srv.logs.String(), strings.TrimSpace(string(b))) {
		t.Fatal("the admin token is in the server's log")
	}
	adminEnv := []string{"BATON_TOKEN=" + strings.TrimSpace(string(b))}
	ctx := context.Background()

	// The native API.
	res, err := http.Get(srv.url + "/api/v1/workflows")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Code, Message string }
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 401 || body.Code != "Unauthorized" || !strings.Contains(body.Message, "BATON_TOKEN") {
		t.Errorf("no token: %d %+v", res.StatusCode, body)
	}
	tok := strings.TrimSpace(batonEnv(t, srv, adminEnv, "tokens", "create", "--namespace", "default", "--role", "operator", "--name", "e2e", "--expires", "1d"))
	if !strings.HasPrefix(tok, "baton_") {
		t.Fatalf("tokens create printed %q", tok)
	}
	batonEnv(t, srv, []string{"BATON_TOKEN=" + tok}, "workflows", "list")
	batonEnv(t, srv, adminEnv, "tokens", "revoke", tok)
	cmd := exec.Command(binPath, "workflows", "list", "--server", srv.url)
	cmd.Env = append(os.Environ(), "BATON_TOKEN="+tok)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "revoked") {
		t.Errorf("a revoked token: %v\n%s", err, out)
	}

	// An access key.
	keys := batonEnv(t, srv, adminEnv, "access-keys", "create", "--namespace", "default", "--role", "deployer")
	var id, secret string
	for _, line := range strings.Split(keys, "\n") {
		if v, ok := strings.CutPrefix(line, "AWS_ACCESS_KEY_ID="); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(line, "AWS_SECRET_ACCESS_KEY="); ok {
			secret = v
		}
	}
	if id == "" || secret == "" {
		t.Fatalf("access-keys create printed %q", keys)
	}

	// The AWS SDK for Go v2.
	good := sfnWithKeys(srv.url, id, secret, "us-east-1")
	sm, err := good.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("signed"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatalf("CreateStateMachine with a valid key: %v", err)
	}
	if _, err := good.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"a":1}`)}); err != nil {
		t.Fatalf("StartExecution with a valid key: %v", err)
	}
	for name, tc := range map[string]struct {
		c    *sfn.Client
		want string
	}{
		"wrong secret": {sfnWithKeys(srv.url, id, secret+"x", "us-east-1"), "InvalidSignatureException"},
		"unknown key":  {sfnWithKeys(srv.url, "BATNUNKNOWN000000000", secret, "us-east-1"), "UnrecognizedClientException"},
		"wrong region": {sfnWithKeys(srv.url, id, secret, "eu-west-1"), "InvalidSignatureException"},
	} {
		if _, err := tc.c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); apiCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}

	// EventBridge signs with the service name "events".
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), Retryer: aws.NopRetryer{}})
	if _, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{}); err != nil {
		t.Errorf("EventBridge ListRules with a valid key: %v", err)
	}
	ebBad := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.url),
		Credentials: credentials.NewStaticCredentialsProvider(id, "wrong", ""), Retryer: aws.NopRetryer{}})
	if _, err := ebBad.ListRules(ctx, &eventbridge.ListRulesInput{}); apiCode(err) != "InvalidSignatureException" {
		t.Errorf("EventBridge with a wrong secret: %v", err)
	}

	// A clock 20 minutes behind, signed by the SDK's own signer.
	req, _ := http.NewRequest("POST", srv.url+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	sum := sha256.Sum256([]byte("{}"))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]),
		"states", "us-east-1", time.Now().Add(-20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var awsErr struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.NewDecoder(res.Body).Decode(&awsErr)
	res.Body.Close()
	if res.StatusCode < 400 || awsErr.Type != "InvalidSignatureException" || !strings.Contains(awsErr.Message, "Signature expired") {
		t.Errorf("a request signed 20 minutes ago: %d %+v", res.StatusCode, awsErr)
	}

	// boto3 and the AWS CLI.
	env := append(awsClientEnv(t), "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret)
	script := `
import sys, boto3, botocore
def client(secret):
    return boto3.client("stepfunctions", endpoint_url=sys.argv[1], region_name="us-east-1",
        aws_access_key_id=sys.argv[2], aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}))
names = [m["name"] for m in client(sys.argv[3]).list_state_machines()["stateMachines"]]
assert names == ["signed"], names
try:
    client(sys.argv[3] + "x").list_state_machines()
    raise SystemExit("a wrong secret passed")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidSignatureException", e.response
print("PASS")
`
	py := exec.Command(python, "-c", script, srv.url, id, secret)
	py.Env = append(awsClientEnv(t), "PYTHONDONTWRITEBYTECODE=1")
	if out, err := py.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Errorf("boto3: %v\n%s", err, out)
	}
	cli := &awsCLI{cmd: cliCmd, endpoint: srv.url, env: env, dir: t.TempDir()}
	var list struct {
		StateMachines []struct{ Name string } `json:"stateMachines"`
	}
	cli.ok(t, &list, "list-state-machines")
	if len(list.StateMachines) != 1 {
		t.Errorf("aws stepfunctions list-state-machines: %+v", list)
	}
	bad := &awsCLI{cmd: cliCmd, endpoint: srv.url, env: append(awsClientEnv(t), "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY=wrong", "AWS_MAX_ATTEMPTS=1"), dir: t.TempDir()}
	bad.apiError(t, "InvalidSignatureException", "list-state-machines")
	if strings.Contains(srv.logs.String(), secret) {
		t.Error("the access key's secret is in the server's log")
	}
}

// batonFails runs the CLI expecting a refusal, and returns its output.
func batonFails(t *testing.T, srv *server, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, append(args, "--server", srv.url)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("baton %s succeeded, want a refusal:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

// TestAuthGrants: with authentication on, a pipeline of team search that
// triggers on core's listings is refused at deploy until an admin of core
// grants it (search's own admin cannot); then listings' success starts it;
// once the grant is revoked, listings' next success does not.
func TestAuthGrants(t *testing.T) {
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
	writeFiles(t, down, map[string]string{"pipeline.yaml": `name: pipeline-x
trigger:
  executions:
    allOf:
      - {name: listings, namespace: core, status: [SUCCEEDED]}
steps:
  - {name: join, command: ["true"]}
`})
	if out := batonFails(t, srv, searchAdmin, "deploy", down, "--namespace", "search"); !strings.Contains(out, "baton grants create --namespace core --to search --workflow listings") {
		t.Fatalf("deploy without a grant: %s", out)
	}
	if out := batonFails(t, srv, searchAdmin, "grants", "create", "--from", "core", "--to", "search", "--workflow", "listings"); !strings.Contains(out, "admin") {
		t.Fatalf("a grant by the downstream's admin: %s", out)
	}
	batonEnv(t, srv, coreAdmin, "grants", "create", "--from", "core", "--to", "search", "--workflow", "listings")
	if out := batonEnv(t, srv, searchAdmin, "grants", "list", "--namespace", "search"); !strings.Contains(out, "listings") {
		t.Fatalf("grants list: %s", out)
	}
	batonEnv(t, srv, searchAdmin, "deploy", down, "--namespace", "search")

	runs := func() string {
		return batonEnv(t, srv, searchAdmin, "executions", "list", "--workflow", "pipeline-x", "--namespace", "search")
	}
	batonEnv(t, srv, coreAdmin, "start", "listings", "-n", "core", "--wait", "-q")
	waitFor(t, execTimeout, "pipeline-x started by core's listings", func() (bool, string) {
		out := runs()
		return strings.Count(out, "SUCCEEDED") == 1, out
	})

	batonEnv(t, srv, coreAdmin, "grants", "revoke", "--from", "core", "--to", "search", "--workflow", "listings")
	batonEnv(t, srv, coreAdmin, "start", "listings", "-n", "core", "--wait", "-q")
	// The triggers have read every event when their backlog is empty.
	waitFor(t, execTimeout, "the triggers consumer caught up", func() (bool, string) {
		m := batonMetrics(t, srv, admin)
		return strings.Contains(m, `baton_event_bus_backlog{consumer="triggers"} 0`), m
	})
	if out := runs(); strings.Count(out, "SUCCEEDED")+strings.Count(out, "RUNNING") != 1 {
		t.Fatalf("pipeline-x ran after the grant was revoked:\n%s", out)
	}
}

// batonMetrics reads GET /metrics with the token of env.
func batonMetrics(t *testing.T, srv *server, env []string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(env[0], "BATON_TOKEN="))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestAuthRecoverAdmin: with every admin token lost, the operator stops
// the server, makes a new admin token in its data directory, and it works
// once the server is back; while the server runs, the command is refused.
func TestAuthRecoverAdmin(t *testing.T) {
	srv := newServer(t, "--auth", "on")
	out, err := exec.Command(binPath, "tokens", "recover-admin", "--data-dir", srv.dataDir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by process") {
		t.Fatalf("recover-admin while the server runs: %v\n%s", err, out)
	}
	srv.stop()
	cmd := exec.Command(binPath, "tokens", "recover-admin", "--data-dir", srv.dataDir)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("recover-admin: %v", err)
	}
	srv.start()
	tok := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(tok, "baton_") {
		t.Fatalf("recover-admin printed %q", tok)
	}
	if out := batonEnv(t, srv, []string{"BATON_TOKEN=" + tok}, "tokens", "list"); !strings.Contains(out, "recovered admin") {
		t.Fatalf("tokens list with the recovered token:\n%s", out)
	}
	if strings.Contains(srv.logs.String(), tok) {
		t.Fatal("the recovered token is in the server's log")
	}
}

// TestAuthNestedRunNeedsGrant: with authentication on, a state machine of
// namespace search cannot start core's workflow as a nested run until an
// admin of core grants it; then it can.
func TestAuthNestedRunNeedsGrant(t *testing.T) {
	srv := newServer(t, "--auth", "on")
	admin := []string{"BATON_TOKEN=" + adminToken(t, srv)}
	batonEnv(t, srv, admin, "namespaces", "create", "core")
	batonEnv(t, srv, admin, "namespaces", "create", "search")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"listings.asl.json": `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"rows":42},"End":true}}}`})
	out := batonEnv(t, srv, admin, "deploy", filepath.Join(dir, "listings.asl.json"), "--namespace", "core")
	coreArn := ""
	for _, f := range strings.Fields(out) {
		if strings.Contains(f, ":stateMachine:listings") {
			coreArn = f
		}
	}
	if coreArn == "" {
		t.Fatalf("deploy of listings: %s", out)
	}
	writeFiles(t, dir, map[string]string{"caller.asl.json": `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
  "Parameters":{"StateMachineArn":"` + coreArn + `"},"End":true}}}`})
	batonEnv(t, srv, admin, "deploy", filepath.Join(dir, "caller.asl.json"), "--namespace", "search")
	if out := batonFails(t, srv, admin, "start", "caller", "-n", "search", "--wait"); !strings.Contains(out, "baton grants create --from core --to search --workflow listings") {
		t.Fatalf("a nested run of core's workflow without a grant: %s", out)
	}
	batonEnv(t, srv, admin, "grants", "create", "--from", "core", "--to", "search", "--workflow", "listings")
	if out := batonEnv(t, srv, admin, "start", "caller", "-n", "search", "--wait"); !strings.Contains(out, "42") {
		t.Fatalf("the nested run with the grant: %s", out)
	}
}

// adminToken is the admin token a server with authentication on wrote at
// its first start.
func adminToken(t *testing.T, srv *server) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(srv.dataDir, "admin.token"))
	if err != nil {
		t.Fatalf("admin.token: %v", err)
	}
	return strings.TrimSpace(string(b))
}
