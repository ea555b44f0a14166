package e2e

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// awsCLI runs `aws --endpoint-url URL --output json stepfunctions ...`
// against a test server.
type awsCLI struct {
	cmd      []string // aws, or python -m awscli
	endpoint string
	env      []string
	dir      string // for definition files
	service  string // the CLI's service command; "" is stepfunctions
}

// cliResult is one finished CLI run.
type cliResult struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return strings.Join(r.args, " ") + ": exit " + strconv.Itoa(r.code) + "\nstdout: " + tail(r.stdout, 40) + "\nstderr: " + tail(r.stderr, 40)
}

// run runs a stepfunctions subcommand with extra environment variables.
func (c *awsCLI) run(t testing.TB, extraEnv []string, args ...string) cliResult {
	t.Helper()
	return c.runAt(t, c.endpoint, extraEnv, args...)
}

// runAt is run with another endpoint URL.
func (c *awsCLI) runAt(t testing.TB, endpoint string, extraEnv []string, args ...string) cliResult {
	t.Helper()
	full := append([]string{"--endpoint-url", endpoint, "--output", "json", cmp.Or(c.service, "stepfunctions")}, args...)
	// GetActivityTask long-polls up to 60 s; nothing here should get near.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	full = append(append([]string(nil), c.cmd...), full...)
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Env = append(append([]string(nil), c.env...), extraEnv...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{args: full, stdout: stdout.String(), stderr: stderr.String(), code: exitCode(err)}
	if ctx.Err() != nil {
		t.Fatalf("timed out: %s", r)
	}
	if r.code < 0 {
		t.Fatalf("running %s: %v", full[0], err)
	}
	return r
}

// ok runs a subcommand that must succeed and decodes its JSON output into
// out (when out is not nil).
func (c *awsCLI) ok(t testing.TB, out any, args ...string) {
	t.Helper()
	c.okEnv(t, nil, out, args...)
}

func (c *awsCLI) okEnv(t testing.TB, extraEnv []string, out any, args ...string) {
	t.Helper()
	r := c.run(t, extraEnv, args...)
	if r.code != 0 {
		t.Fatalf("failed: %s", r)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
		t.Fatalf("output is not the JSON expected (%v): %s", err, r)
	}
}

// apiError runs a subcommand that must fail with the service error code:
// the CLI exits 255 (v1) or 254 (v2) and names the code in stderr as
// "An error occurred (CODE) when calling the OP operation: ...".
func (c *awsCLI) apiError(t testing.TB, code string, args ...string) cliResult {
	t.Helper()
	r := c.run(t, nil, args...)
	if r.code != 254 && r.code != 255 {
		t.Fatalf("want exit 254 or 255 with %s: %s", code, r)
	}
	if !strings.Contains(r.stderr, "An error occurred ("+code+")") {
		t.Fatalf("want error %s in stderr: %s", code, r)
	}
	return r
}

// file writes content to a file in the CLI's directory and returns its
// file:// URL for --definition.
func (c *awsCLI) file(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

// Shapes of the CLI's JSON output (timestamps are epoch seconds).
type (
	cliHistory struct {
		Events []struct {
			ID                             int64   `json:"id"`
			PreviousEventID                int64   `json:"previousEventId"`
			Type                           string  `json:"type"`
			Timestamp                      float64 `json:"timestamp"`
			ExecutionSucceededEventDetails *struct {
				Output string `json:"output"`
			} `json:"executionSucceededEventDetails"`
		} `json:"events"`
		NextToken string `json:"NextToken"` // the CLI's own token (with --max-items)
	}
	cliExecution struct {
		ExecutionArn    string  `json:"executionArn"`
		StateMachineArn string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		Status          string  `json:"status"`
		StartDate       float64 `json:"startDate"`
		StopDate        float64 `json:"stopDate"`
		Input           string  `json:"input"`
		Output          string  `json:"output"`
		Error           string  `json:"error"`
		Cause           string  `json:"cause"`
	}
)

func (h cliHistory) ids() []int64 {
	ids := make([]int64, len(h.Events))
	for i, e := range h.Events {
		ids[i] = e.ID
	}
	return ids
}

func (h cliHistory) types() []string {
	ts := make([]string, len(h.Events))
	for i, e := range h.Events {
		ts[i] = e.Type
	}
	return ts
}

// waitCLIExecution runs describe-execution until the execution leaves
// RUNNING (each run takes most of a second: no pause between them).
func (c *awsCLI) waitExecution(t testing.TB, arn string) cliExecution {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var d cliExecution
		c.ok(t, &d, "describe-execution", "--execution-arn", arn)
		if d.Status != "RUNNING" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING after 30s", arn)
		}
	}
}

// cliMainDefinition: Pass (greeting from $.who) -> Wait $.secs -> Succeed.
const cliMainDefinition = `{
  "Comment": "aws cli: Pass, Wait, Succeed",
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"secs.$": "$.secs", "greeting.$": "States.Format('hello {}', $.who)"}, "Next": "Pause"},
    "Pause": {"Type": "Wait", "SecondsPath": "$.secs", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

var cliMainHistory = []string{
	"ExecutionStarted",
	"PassStateEntered", "PassStateExited",
	"WaitStateEntered", "WaitStateExited",
	"SucceedStateEntered", "SucceedStateExited",
	"ExecutionSucceeded",
}

// TestAWSCLI drives the server with the real AWS CLI (v1), as users' CI
// scripts do. The groups run in parallel: every CLI run costs most of a
// second of Python start-up.
func TestAWSCLI(t *testing.T) {
	cmd := awsCLICommand(t) // before the server: it may have to install the CLI
	srv := newServer(t)
	cli := &awsCLI{cmd: cmd, endpoint: srv.url, env: awsClientEnv(t), dir: t.TempDir()}
	// The CLI sends StartSyncExecution and TestState to sync-<host>; these
	// turn that off (AWS CLI v1.38+/v2.24+, botocore's
	// disable_host_prefix_injection setting).
	noPrefixEnv := []string{"AWS_DISABLE_HOST_PREFIX_INJECTION=true"}

	t.Run("group", func(t *testing.T) {
		t.Run("StateMachines", func(t *testing.T) {
			t.Parallel()
			def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":1},"End":true}}}`
			var created struct {
				StateMachineArn string  `json:"stateMachineArn"`
				CreationDate    float64 `json:"creationDate"`
			}
			cli.ok(t, &created, "create-state-machine", "--name", "cli-machine", "--definition", cli.file(t, "machine.json", def),
				"--role-arn", roleArn, "--tags", "key=team,value=ci")
			sm := arnPrefix + "stateMachine:cli-machine"
			if created.StateMachineArn != sm || created.CreationDate < 1e9 {
				t.Fatalf("create-state-machine = %+v, want %s and a creationDate", created, sm)
			}

			var list struct {
				StateMachines []struct {
					StateMachineArn, Name, Type string
				} `json:"stateMachines"`
			}
			cli.ok(t, &list, "list-state-machines")
			found := false
			for _, m := range list.StateMachines {
				found = found || (m.StateMachineArn == sm && m.Name == "cli-machine" && m.Type == "STANDARD")
			}
			if !found {
				t.Fatalf("list-state-machines does not list %s: %+v", sm, list.StateMachines)
			}

			var d struct {
				StateMachineArn, Name, Status, Definition, RoleArn, Type, RevisionID string
			}
			cli.ok(t, &d, "describe-state-machine", "--state-machine-arn", sm)
			if d.Name != "cli-machine" || d.Status != "ACTIVE" || d.Type != "STANDARD" || d.RoleArn != roleArn {
				t.Fatalf("describe-state-machine = %+v", d)
			}
			jsonEqual(t, "described definition", d.Definition, def)

			var u struct {
				UpdateDate             float64 `json:"updateDate"`
				RevisionID             string  `json:"revisionId"`
				StateMachineVersionArn string  `json:"stateMachineVersionArn"`
			}
			def2 := strings.Replace(def, `"v":1`, `"v":2`, 1)
			cli.ok(t, &u, "update-state-machine", "--state-machine-arn", sm, "--definition", cli.file(t, "machine2.json", def2),
				"--publish", "--version-description", "published by the CLI")
			if u.StateMachineVersionArn != sm+":1" || u.RevisionID == "" || u.UpdateDate < 1e9 {
				t.Fatalf("update-state-machine --publish = %+v, want version %s:1", u, sm)
			}

			var vs struct {
				StateMachineVersions []struct {
					StateMachineVersionArn string  `json:"stateMachineVersionArn"`
					CreationDate           float64 `json:"creationDate"`
				} `json:"stateMachineVersions"`
			}
			cli.ok(t, &vs, "list-state-machine-versions", "--state-machine-arn", sm)
			if len(vs.StateMachineVersions) != 1 || vs.StateMachineVersions[0].StateMachineVersionArn != sm+":1" {
				t.Fatalf("list-state-machine-versions = %+v, want just %s:1", vs, sm)
			}

			cli.ok(t, nil, "tag-resource", "--resource-arn", sm, "--tags", "key=env,value=test", "key=owner,value=platform")
			var tags struct {
				Tags []struct{ Key, Value string } `json:"tags"`
			}
			cli.ok(t, &tags, "list-tags-for-resource", "--resource-arn", sm)
			got := map[string]string{}
			for _, tg := range tags.Tags {
				got[tg.Key] = tg.Value
			}
			if want := map[string]string{"team": "ci", "env": "test", "owner": "platform"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("list-tags-for-resource = %v, want %v", got, want)
			}

			r := cli.apiError(t, "StateMachineDoesNotExist", "describe-state-machine", "--state-machine-arn", arnPrefix+"stateMachine:no-such-machine")
			if !strings.Contains(r.stderr, "DescribeStateMachine operation") {
				t.Fatalf("stderr does not name the operation: %s", r)
			}
		})

		t.Run("Executions", func(t *testing.T) {
			t.Parallel()
			sm := arnPrefix + "stateMachine:cli-main"
			cli.ok(t, nil, "create-state-machine", "--name", "cli-main", "--definition", cli.file(t, "main.json", cliMainDefinition), "--role-arn", roleArn)

			var s1, s2 struct {
				ExecutionArn string  `json:"executionArn"`
				StartDate    float64 `json:"startDate"`
			}
			cli.ok(t, &s1, "start-execution", "--state-machine-arn", sm, "--name", "quick", "--input", `{"who":"cli","secs":1}`)
			if want := arnPrefix + "execution:cli-main:quick"; s1.ExecutionArn != want || s1.StartDate < 1e9 {
				t.Fatalf("start-execution = %+v, want %s and a startDate", s1, want)
			}
			cli.ok(t, &s2, "start-execution", "--state-machine-arn", sm, "--name", "slow", "--input", `{"who":"cli","secs":300}`)

			var stopped struct {
				StopDate float64 `json:"stopDate"`
			}
			cli.ok(t, &stopped, "stop-execution", "--execution-arn", s2.ExecutionArn, "--error", "Cli.Stop", "--cause", "stopped by the AWS CLI")
			if stopped.StopDate < s2.StartDate {
				t.Fatalf("stop-execution stopDate %v before the start %v", stopped.StopDate, s2.StartDate)
			}
			var d2 cliExecution
			cli.ok(t, &d2, "describe-execution", "--execution-arn", s2.ExecutionArn)
			if d2.Status != "ABORTED" || d2.Error != "Cli.Stop" || d2.Cause != "stopped by the AWS CLI" {
				t.Fatalf("describe-execution of the stopped execution = %+v", d2)
			}

			d1 := cli.waitExecution(t, s1.ExecutionArn)
			if d1.Status != "SUCCEEDED" || d1.Name != "quick" || d1.StateMachineArn != sm || d1.StopDate < d1.StartDate+0.9 {
				t.Fatalf("describe-execution = %+v, want SUCCEEDED after the 1 s Wait", d1)
			}
			jsonEqual(t, "execution output", d1.Output, `{"secs":1,"greeting":"hello cli"}`)
			jsonEqual(t, "execution input", d1.Input, `{"who":"cli","secs":1}`)

			// --page-size 2 makes the CLI ask for 2 events a request and
			// follow nextToken itself; --max-items 3 stops after 3 events
			// and hands out its own NextToken for --starting-token.
			var h1, h2 cliHistory
			cli.ok(t, &h1, "get-execution-history", "--execution-arn", s1.ExecutionArn, "--page-size", "2", "--max-items", "3")
			if !reflect.DeepEqual(h1.ids(), []int64{1, 2, 3}) || h1.NextToken == "" {
				t.Fatalf("get-execution-history --max-items 3: ids %v NextToken %q, want 1-3 and a token", h1.ids(), h1.NextToken)
			}
			cli.ok(t, &h2, "get-execution-history", "--execution-arn", s1.ExecutionArn, "--page-size", "2", "--starting-token", h1.NextToken)
			if !reflect.DeepEqual(h2.ids(), []int64{4, 5, 6, 7, 8}) || h2.NextToken != "" {
				t.Fatalf("get-execution-history --starting-token: ids %v NextToken %q, want 4-8 and no token", h2.ids(), h2.NextToken)
			}
			all := cliHistory{Events: append(h1.Events, h2.Events...)}
			if !reflect.DeepEqual(all.types(), cliMainHistory) {
				t.Fatalf("history types %v, want %v", all.types(), cliMainHistory)
			}
			for i, e := range all.Events {
				if e.Timestamp < d1.StartDate || e.Timestamp > d1.StopDate || (i > 0 && e.Timestamp < all.Events[i-1].Timestamp) {
					t.Fatalf("event %d timestamp %v outside [%v, %v] or before the previous event's", e.ID, e.Timestamp, d1.StartDate, d1.StopDate)
				}
			}
			if last := all.Events[len(all.Events)-1].ExecutionSucceededEventDetails; last == nil {
				t.Fatalf("ExecutionSucceeded has no executionSucceededEventDetails")
			} else {
				jsonEqual(t, "ExecutionSucceeded output", last.Output, d1.Output)
			}

			var rev cliHistory
			cli.ok(t, &rev, "get-execution-history", "--execution-arn", s1.ExecutionArn, "--reverse-order", "--page-size", "3")
			if !reflect.DeepEqual(rev.ids(), []int64{8, 7, 6, 5, 4, 3, 2, 1}) {
				t.Fatalf("get-execution-history --reverse-order: ids %v, want 8..1", rev.ids())
			}

			var l struct {
				Executions []cliExecution `json:"executions"`
			}
			cli.ok(t, &l, "list-executions", "--state-machine-arn", sm, "--status-filter", "SUCCEEDED")
			if len(l.Executions) != 1 || l.Executions[0].ExecutionArn != s1.ExecutionArn || l.Executions[0].Status != "SUCCEEDED" {
				t.Fatalf("list-executions --status-filter SUCCEEDED = %+v, want just %s", l.Executions, s1.ExecutionArn)
			}
		})

		t.Run("ActivityWorker", func(t *testing.T) {
			t.Parallel()
			var a struct {
				ActivityArn  string  `json:"activityArn"`
				CreationDate float64 `json:"creationDate"`
			}
			cli.ok(t, &a, "create-activity", "--name", "cli-worker")
			if want := arnPrefix + "activity:cli-worker"; a.ActivityArn != want || a.CreationDate < 1e9 {
				t.Fatalf("create-activity = %+v, want %s", a, want)
			}
			def := `{"StartAt":"First","States":{
				"First":{"Type":"Task","Resource":"` + a.ActivityArn + `","Next":"Second"},
				"Second":{"Type":"Task","Resource":"` + a.ActivityArn + `","End":true}}}`
			sm := arnPrefix + "stateMachine:cli-activity"
			cli.ok(t, nil, "create-state-machine", "--name", "cli-activity", "--definition", cli.file(t, "activity.json", def), "--role-arn", roleArn)
			var s struct {
				ExecutionArn string `json:"executionArn"`
			}
			cli.ok(t, &s, "start-execution", "--state-machine-arn", sm, "--input", `{"n":1}`)

			// The worker loop a shell script would run: take a task, answer it.
			for i := 0; i < 2; i++ {
				var task struct {
					TaskToken string `json:"taskToken"`
					Input     string `json:"input"`
				}
				cli.ok(t, &task, "get-activity-task", "--activity-arn", a.ActivityArn, "--worker-name", "cli-worker-1")
				if task.TaskToken == "" {
					t.Fatalf("get-activity-task #%d returned no task", i+1)
				}
				var in struct{ N int }
				if err := json.Unmarshal([]byte(task.Input), &in); err != nil || in.N != i+1 {
					t.Fatalf("task #%d input %q, want n=%d", i+1, task.Input, i+1)
				}
				cli.ok(t, nil, "send-task-success", "--task-token", task.TaskToken, "--task-output", `{"n":`+strconv.Itoa(in.N+1)+`}`)
			}
			d := cli.waitExecution(t, s.ExecutionArn)
			if d.Status != "SUCCEEDED" {
				t.Fatalf("activity execution = %+v, want SUCCEEDED", d)
			}
			jsonEqual(t, "activity execution output", d.Output, `{"n":3}`)
		})

		t.Run("StartSyncExecution", func(t *testing.T) {
			t.Parallel()
			def := `{"StartAt":"Add","States":{"Add":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`
			sm := arnPrefix + "stateMachine:cli-express"
			cli.ok(t, nil, "create-state-machine", "--name", "cli-express", "--type", "EXPRESS", "--definition", cli.file(t, "express.json", def), "--role-arn", roleArn)
			args := []string{"start-sync-execution", "--state-machine-arn", sm, "--input", `{"a":2,"b":3}`}

			// As it comes, the CLI sends the request to sync-127.0.0.1,
			// which does not resolve. One attempt, so it fails fast.
			r := cli.run(t, []string{"AWS_MAX_ATTEMPTS=1"}, args...)
			host := strings.TrimPrefix(srv.url, "http://")
			if r.code == 0 {
				t.Logf("note: start-sync-execution with the sync- host prefix worked (sync-%s resolves here)", host)
			} else if !strings.Contains(r.stderr, "sync-"+host) {
				t.Fatalf("start-sync-execution with the host prefix failed, but not on sync-%s: %s", host, r)
			}

			check := func(how string, r cliResult) {
				t.Helper()
				if r.code != 0 {
					t.Fatalf("start-sync-execution with %s: %s", how, r)
				}
				var out struct {
					cliExecution
					BillingDetails *struct {
						BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
					} `json:"billingDetails"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatalf("start-sync-execution with %s: output not JSON: %s", how, r)
				}
				if out.Status != "SUCCEEDED" || !strings.HasPrefix(out.ExecutionArn, arnPrefix+"express:cli-express:") ||
					out.StateMachineArn != sm || out.StopDate < out.StartDate || out.BillingDetails == nil {
					t.Fatalf("start-sync-execution with %s = %s", how, r.stdout)
				}
				jsonEqual(t, "start-sync-execution output", out.Output, `{"sum":5}`)
			}
			check("AWS_DISABLE_HOST_PREFIX_INJECTION=true", cli.run(t, noPrefixEnv, args...))

			// The same setting in the config file (a profile of its own).
			cfg := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(cfg, []byte("[default]\ndisable_host_prefix_injection = true\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			check("disable_host_prefix_injection in the config file", cli.run(t, []string{"AWS_CONFIG_FILE=" + cfg}, args...))

			// localhost instead of 127.0.0.1 makes it sync-localhost, which
			// resolves only where the resolver maps *.localhost to loopback
			// (systemd-resolved, nss-myhostname): informational.
			lr := cli.runAt(t, "http://localhost:"+srv.url[strings.LastIndex(srv.url, ":")+1:], []string{"AWS_MAX_ATTEMPTS=1"}, args...)
			if lr.code == 0 {
				t.Logf("note: with --endpoint-url http://localhost:PORT, start-sync-execution works here (sync-localhost resolves)")
			} else {
				t.Logf("note: with --endpoint-url http://localhost:PORT, start-sync-execution fails here: %s", strings.TrimSpace(lr.stderr))
			}
		})

		t.Run("ValidateTestStateErrors", func(t *testing.T) {
			t.Parallel()
			ver := exec.Command(cli.cmd[0], append(cli.cmd[1:], "--version")...)
			ver.Env = cli.env
			out, err := ver.CombinedOutput()
			t.Logf("%s --version: %s (%v)", strings.Join(cli.cmd, " "), strings.TrimSpace(string(out)), err)
			type validation struct {
				Result      string `json:"result"`
				Diagnostics []struct {
					Severity, Code, Message, Location string
				} `json:"diagnostics"`
				Truncated bool `json:"truncated"`
			}
			var v validation
			cli.ok(t, &v, "validate-state-machine-definition", "--definition", cli.file(t, "valid.json", cliMainDefinition))
			if v.Result != "OK" || len(v.Diagnostics) != 0 {
				t.Fatalf("validate-state-machine-definition of a valid definition = %+v", v)
			}
			bad := `{"StartAt":"Nowhere","States":{"P":{"Type":"Pass","End":true}}}`
			cli.ok(t, &v, "validate-state-machine-definition", "--definition", bad)
			if v.Result != "FAIL" || len(v.Diagnostics) == 0 || v.Diagnostics[0].Severity != "ERROR" || v.Diagnostics[0].Code == "" {
				t.Fatalf("validate-state-machine-definition of %s = %+v, want FAIL with an ERROR", bad, v)
			}

			var ts struct {
				Output         string `json:"output"`
				Status         string `json:"status"`
				InspectionData *struct {
					AfterParameters string `json:"afterParameters"`
				} `json:"inspectionData"`
			}
			cli.okEnv(t, noPrefixEnv, &ts, "test-state", "--definition", `{"Type":"Pass","Parameters":{"y.$":"$.x"},"End":true}`,
				"--input", `{"x":5}`, "--role-arn", roleArn, "--inspection-level", "DEBUG")
			if ts.Status != "SUCCEEDED" || ts.InspectionData == nil {
				t.Fatalf("test-state = %+v", ts)
			}
			jsonEqual(t, "test-state output", ts.Output, `{"y":5}`)
			jsonEqual(t, "test-state afterParameters", ts.InspectionData.AfterParameters, `{"y":5}`)

			r := cli.apiError(t, "InvalidDefinition", "create-state-machine", "--name", "cli-invalid",
				"--definition", cli.file(t, "invalid.json", bad), "--role-arn", roleArn)
			if !strings.Contains(r.stderr, "Nowhere") {
				t.Fatalf("the InvalidDefinition message does not name the missing state: %s", r)
			}
		})
	})
}
