package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestUpstreamTrigger: scenario 2 on the real server. pipeline-x runs by
// itself once listings (team A) and searches (team B) have both succeeded;
// its $run.trigger names both runs and their outputs; a failed listings
// does not start it, and the same listings fixed and re-run does, also
// across a kill -9 of the server.
func TestUpstreamTrigger(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	baton(t, srv, "namespaces", "create", "core-data-availability")
	baton(t, srv, "namespaces", "create", "search")
	upstream := func(name, ns string) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"pipeline.yaml": "name: " + name + `
params: {fail: {type: boolean, default: false}}
steps:
  - name: work
    script: |
      [ "$FAIL" = "true" ] && exit 3
      echo '{"rows": 42}' > "$BATON_OUTPUT"
    env: {FAIL: "{% $string($input.fail) %}"}
`})
		baton(t, srv, "deploy", dir, "--namespace", ns)
	}
	upstream("listings", "core-data-availability")
	upstream("searches", "search")
	x := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: pipeline-x
trigger:
  executions:
    allOf:
      - {name: listings, namespace: core-data-availability, status: [SUCCESS]}
      - {name: searches, account: search}
steps:
  - {name: join, command: ["true"]}
output: "{% {'upstream': $run.trigger.upstream.workflow, 'rows': $run.trigger.upstream.output.work.rows} %}"
`})
	runs := func() []types.ExecutionListItem {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(x)})
		must(t, err, "ListExecutions of pipeline-x")
		return l.Executions
	}
	baton(t, srv, "start", "listings", "-n", "core-data-availability", "--wait", "-q")
	if n := len(runs()); n != 0 {
		t.Fatalf("pipeline-x ran on listings alone: %d runs", n)
	}
	baton(t, srv, "start", "searches", "-n", "search", "--wait", "-q")
	waitFor(t, execTimeout, "pipeline-x started by its trigger", func() (bool, string) {
		r := runs()
		return len(r) == 1 && r[0].Status == types.ExecutionStatusSucceeded, strings.Repeat("run ", len(r))
	})
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: runs()[0].ExecutionArn})
	must(t, err, "DescribeExecution")
	if out := aws.ToString(d.Output); !strings.Contains(out, `"listings"`) || !strings.Contains(out, `"searches"`) || !strings.Contains(out, `42`) {
		t.Fatalf("pipeline-x's $run.trigger: %s", out)
	}

	// listings fails: nothing; searches again: nothing (listings' success
	// was consumed); then listings succeeds after a kill -9.
	failed := exec.Command(binPath, "start", "listings", "-n", "core-data-availability", "--input", `{"fail": true}`, "--wait", "-q", "--server", srv.url)
	if out, _ := failed.CombinedOutput(); !strings.Contains(string(out), `"status": "FAILED"`) {
		t.Fatalf("a failing listings: %s", out)
	}
	baton(t, srv, "start", "searches", "-n", "search", "--wait", "-q")
	srv.kill()
	srv.start()
	if n := len(runs()); n != 1 {
		t.Fatalf("pipeline-x ran without a new listings success: %d runs", n)
	}
	baton(t, srv, "start", "listings", "-n", "core-data-availability", "--wait", "-q")
	waitFor(t, execTimeout, "pipeline-x started again", func() (bool, string) {
		r := runs()
		return len(r) == 2 && r[0].Status == types.ExecutionStatusSucceeded, strings.Repeat("run ", len(r))
	})
}

// TestScheduleAt: a pipeline scheduled at(...) a moment from now runs once,
// by itself, named from its slot, with $run.scheduled_time; a redeploy of
// the same schedule does not run the slot again.
func TestScheduleAt(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	slot := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	files := map[string]string{"pipeline.yaml": `name: nightly
trigger:
  schedule: {cron: "at(` + slot.Format("2006-01-02T15:04:05") + `)"}
steps:
  - {name: a, command: ["true"]}
output: "{% {'slot': $run.scheduled_time, 'logical': $run.logical_date} %}"
`}
	sm := deployProjectFiles(t, srv, files)
	var runs []types.ExecutionListItem
	waitFor(t, execTimeout, "the scheduled run", func() (bool, string) {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		must(t, err, "ListExecutions")
		runs = l.Executions
		return len(runs) == 1 && runs[0].Status == types.ExecutionStatusSucceeded, fmt.Sprint(len(runs))
	})
	if name := aws.ToString(runs[0].Name); !strings.HasSuffix(name, slot.Format("-20060102T150405Z")) {
		t.Fatalf("the run's name %q does not name its slot", name)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: runs[0].ExecutionArn})
	must(t, err, "DescribeExecution")
	if out := aws.ToString(d.Output); !strings.Contains(out, slot.Format("2006-01-02T15:04:05")) {
		t.Fatalf("$run.scheduled_time: %s", out)
	}
	srv.kill()
	srv.start()
	files["pipeline.yaml"] += "description: changed\n"
	deployProjectFiles(t, srv, files)
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	must(t, err, "ListExecutions")
	if len(l.Executions) != 1 {
		t.Fatalf("the slot ran again after a restart and a redeploy: %d runs", len(l.Executions))
	}
}
