package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// baton runs the baton command line against srv and returns its stdout
// and stderr; a failure fails the test.
func baton(t *testing.T, srv *server, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(binPath, append(args, "--server", srv.url)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("baton %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestDeployProject: baton deploy DIR sends a pipeline project with its
// files; the server runs it through the Step Functions API, each run in a
// working directory of its own holding the files of the version it started
// with, so that a deploy while a run is going does not change that run's
// files; task logs are kept; a run's directory is removed when it ends.
func TestDeployProject(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	gate := filepath.Join(t.TempDir(), "go")
	proj := t.TempDir()
	write := func(name, text string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(proj, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755), "mkdir")
		must(t, os.WriteFile(p, []byte(text), mode), "write "+name)
	}
	write("pipeline.yaml", `name: versioned
steps:
  - name: first
    script: |
      ./bin/say.sh
      cp data/version.txt seen.txt
  - name: gate
    depends_on: [first]
    type: wait_for
    path: "file://`+gate+`"
    since: "2000-01-01T00:00:00Z"
    poll_interval: 1s
  - name: last
    depends_on: [gate]
    script: |
      echo "{\"version\": \"$(cat seen.txt)\", \"now\": \"$(cat data/version.txt)\"}" > $BATON_OUTPUT
output: "{% $steps.last.output %}"
`, 0o644)
	write("bin/say.sh", "#!/bin/sh\necho \"hello from $(pwd -P | xargs basename)\"\n", 0o755)
	write("data/version.txt", "v1", 0o644)
	write(".batonignore", "scratch/\n", 0o644)
	write("scratch/big.bin", strings.Repeat("x", 1<<20), 0o644)

	out, errOut := baton(t, srv, "deploy", proj)
	if !strings.Contains(out, "versioned: created ") || !strings.Contains(out, "versioned: version ") || !strings.Contains(errOut, "4 files") {
		t.Fatalf("first deploy: stdout %q stderr %q", out, errOut)
	}
	smArn := strings.Fields(strings.SplitN(out, "\n", 2)[0])[2]
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn)})
	must(t, err, "DescribeStateMachine")
	if !strings.HasPrefix(aws.ToString(d.Definition), "name: versioned") || d.Type != types.StateMachineTypeStandard {
		t.Fatalf("DescribeStateMachine of a pipeline: type %s, definition %q", d.Type, aws.ToString(d.Definition))
	}
	v1 := start(t, c, smArn, "run-v1", `{}`)
	waitFor(t, execTimeout, "run-v1 waiting at its gate", func() (bool, string) {
		evs, err := history(ctx, c, v1)
		if err != nil {
			return false, err.Error()
		}
		f := formatHistory(evs)
		return strings.Count(f, "TaskSucceeded") >= 1 && strings.Contains(f, "gate"), f
	})

	write("data/version.txt", "v2", 0o644)
	out, _ = baton(t, srv, "deploy", filepath.Join(proj, "pipeline.yaml"), "--description", "second")
	if !strings.Contains(out, "versioned: updated ") || !strings.Contains(out, ":versioned:2") {
		t.Fatalf("second deploy: %q", out)
	}
	out, errOut = baton(t, srv, "deploy", proj)
	if !strings.Contains(out, "versioned: unchanged ") || !strings.Contains(errOut, "already") {
		t.Fatalf("deploy of the same files: stdout %q stderr %q", out, errOut)
	}
	v2 := start(t, c, smArn, "run-v2", `{}`)
	must(t, os.WriteFile(gate, nil, 0o644), "open the gate")
	succeeded(t, c, v1, `{"version": "v1", "now": "v1"}`)
	succeeded(t, c, v2, `{"version": "v2", "now": "v2"}`)

	logs, _ := baton(t, srv, "logs", v1, "--step", "first")
	if !strings.Contains(logs, "hello from ") || strings.Contains(logs, "hello from "+filepath.Base(proj)) {
		t.Fatalf("the first step's log should show it ran in a directory of the server's, not the project's: %q", logs)
	}
	runs := filepath.Join(srv.dataDir, "runs")
	waitFor(t, 10*time.Second, "the runs' working directories removed", func() (bool, string) {
		ents, err := os.ReadDir(runs)
		if err != nil {
			return false, err.Error()
		}
		names := make([]string, len(ents))
		for i, e := range ents {
			names[i] = e.Name()
		}
		return len(ents) == 0, strings.Join(names, " ")
	})

	// Step Functions' own calls cannot change a project's definition.
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err == nil || !strings.Contains(err.Error(), "baton deploy") {
		t.Fatalf("UpdateStateMachine of a project: %v, want an error that says to use baton deploy", err)
	}
}

// TestDeployInvalidProject: a project that does not validate is refused
// by baton deploy before anything is sent, with file:line:col positions;
// a bundle sent without its pipeline.yaml is refused by the server.
func TestDeployInvalidProject(t *testing.T) {
	srv := newServer(t)
	proj := t.TempDir()
	must(t, os.WriteFile(filepath.Join(proj, "pipeline.yaml"), []byte("name: bad\nsteps:\n  - name: a\n    depends_on: [nope]\n    command: [true]\n"), 0o644), "write")
	cmd := exec.Command(binPath, "deploy", proj, "--server", srv.url)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pipeline.yaml:4:") || !strings.Contains(string(out), "nope") {
		t.Fatalf("deploy of an invalid project: %v\n%s", err, out)
	}
}

// deployProjectFiles writes a project (file name -> text) to a directory,
// deploys it with baton deploy DIR and returns its workflow's ARN.
func deployProjectFiles(t *testing.T, srv *server, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	out, _ := baton(t, srv, "deploy", dir)
	fields := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if len(fields) != 3 || !strings.HasPrefix(fields[2], "arn:") {
		t.Fatalf("baton deploy %s: %q", dir, out)
	}
	return fields[2]
}

// TestRetryFromStep: baton executions retry ARN --from STEP runs that step
// and its downstream again in the same execution, the other steps' outputs
// kept; an unknown step and a state machine's execution are refused.
func TestRetryFromStep(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ran := filepath.Join(t.TempDir(), "ran")
	smArn := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: retried
steps:
  - name: extract
    script: |
      echo extract >> ` + ran + `
      echo '{"rows": 3}' > "$BATON_OUTPUT"
  - name: transform
    depends_on: [extract]
    script: |
      echo transform >> ` + ran + `
      echo "{\"n\": $(grep -c transform ` + ran + `)}" > "$BATON_OUTPUT"
  - name: load
    depends_on: [transform]
    script: |
      echo load >> ` + ran + `
`})
	arn := start(t, c, smArn, "first", `{}`)
	succeeded(t, c, arn, `{"extract": {"rows": 3}, "transform": {"n": 1}, "load": null}`)

	out, _ := baton(t, srv, "executions", "retry", arn, "--from", "transform", "--wait")
	if !strings.Contains(out, "SUCCEEDED") {
		t.Fatalf("retry --wait printed %q", out)
	}
	d := succeeded(t, c, arn, `{"extract": {"rows": 3}, "transform": {"n": 2}, "load": null}`)
	if aws.ToInt32(d.RedriveCount) != 1 {
		t.Errorf("redrive count %d, want 1", aws.ToInt32(d.RedriveCount))
	}
	got, err := os.ReadFile(ran)
	must(t, err, "read")
	if string(got) != "extract\ntransform\nload\ntransform\nload\n" {
		t.Fatalf("steps ran:\n%s\nwant extract once, then transform and load twice", got)
	}

	cmd := exec.Command(binPath, "executions", "retry", arn, "--from", "nope", "--server", srv.url)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), `no step "nope"`) {
		t.Fatalf("retry from an unknown step: %v %s", err, b)
	}
	asl := createSM(t, c, "plain", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, smStandard)
	aslRun := start(t, c, asl, "plain-run", `{}`)
	succeeded(t, c, aslRun, `{}`)
	cmd = exec.Command(binPath, "executions", "retry", aslRun, "--from", "P", "--server", srv.url)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "redrive it instead") {
		t.Fatalf("retry of a state machine's execution: %v %s", err, b)
	}
}

// TestPipelineActivityAndWorkflowSteps: an activity step is handed to the
// workers of its activity (baton worker), the step's input as the task's,
// the worker's result as the step's output; a workflow step runs another
// workflow (a state machine, a pipeline) and waits for it, its output the
// step's; a nested run that fails fails the step with its error and cause.
func TestPipelineActivityAndWorkflowSteps(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	worker := exec.Command(binPath, "worker", "--activity", "resizer", "--server", srv.url, "--",
		"sh", "-c", `sed 's/}$/, "resized": true}/'`)
	var wlog strings.Builder
	worker.Stdout, worker.Stderr = &wlog, &wlog
	must(t, worker.Start(), "start the worker")
	t.Cleanup(func() {
		worker.Process.Kill()
		worker.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", wlog.String())
		}
	})
	createSM(t, c, "child-asl", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"got.$":"$.from"},"End":true}}}`, smStandard)
	createSM(t, c, "failer", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Child.Broken","Cause":"the child says no"}}}`, smStandard)
	deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: child-pipeline
steps:
  - name: only
    script: |
      echo '{"pipeline": "child"}' > "$BATON_OUTPUT"
`})
	parent := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: parent
steps:
  - name: resize
    type: activity
    activity: resizer
    input: {day: "{% $input.day %}"}
    timeout: 60s
  - name: nested
    depends_on: [resize]
    type: workflow
    workflow: child-asl
    input: {from: "{% $steps.resize.output %}"}
  - name: nested-pipeline
    depends_on: [resize]
    type: workflow
    workflow: child-pipeline
  - name: big-number
    type: workflow
    workflow: child-asl
    input: {from: 9007199254740993}
`})
	run := start(t, c, parent, "p1", `{"day": "2026-12-04"}`)
	succeeded(t, c, run, `{"resize": {"day": "2026-12-04", "resized": true},
		"nested": {"got": {"day": "2026-12-04", "resized": true}},
		"nested-pipeline": {"only": {"pipeline": "child"}},
		"big-number": {"got": 9007199254740993}}`)
	if d := succeeded(t, c, run, ""); !strings.Contains(aws.ToString(d.Output), "9007199254740993") {
		t.Fatalf("an integer above 2^53 lost its digits on its way to a nested run: %s", aws.ToString(d.Output))
	}

	failing := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: failing-parent
steps:
  - name: nested
    type: workflow
    workflow: failer
    retry: {retries: 0}
`})
	run = start(t, c, failing, "f1", `{}`)
	d := waitStatus(t, c, run, execTimeout)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Child.Broken" || !strings.HasSuffix(aws.ToString(d.Cause), "the child says no") {
		t.Fatalf("a run whose nested run failed: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// TestPipelineRunDates: baton start --logical-date sets a run's
// $run.logical_date (a backfill), whose data interval is its date; another
// run's data interval begins at the start of the pipeline's previous run.
func TestPipelineRunDates(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: dates
steps:
  - name: show
    command: ["true"]
output: "{% {'logical': $run.logical_date, 'since': $run.data_interval_start} %}"
`})
	out, _ := baton(t, srv, "start", "dates", "--logical-date", "2026-11-20", "--wait", "-q")
	var first struct {
		ExecutionArn string
		Output       struct{ Logical, Since string }
	}
	must(t, json.Unmarshal([]byte(out), &first), "the first run's description: "+out)
	if first.Output.Logical != "2026-11-20T00:00:00Z" || first.Output.Since != first.Output.Logical {
		t.Fatalf("a backfill's logical date %q and interval start %q, want 2026-11-20T00:00:00Z for both", first.Output.Logical, first.Output.Since)
	}
	d1 := succeeded(t, c, first.ExecutionArn, "")
	second := start(t, c, sm, "second", `{}`)
	d2 := succeeded(t, c, second, "")
	var got struct{ Logical, Since string }
	must(t, json.Unmarshal([]byte(aws.ToString(d2.Output)), &got), "output")
	since, err := time.Parse(time.RFC3339Nano, got.Since)
	must(t, err, "data_interval_start "+got.Since)
	if diff := since.Sub(aws.ToTime(d1.StartDate)).Abs(); diff > time.Millisecond {
		t.Fatalf("the second run's data interval starts at %s, want the first run's start %s", since, aws.ToTime(d1.StartDate))
	}
}

// writeFiles writes files (name -> text) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755), "mkdir")
		must(t, os.WriteFile(p, []byte(text), 0o644), "write "+name)
	}
}
