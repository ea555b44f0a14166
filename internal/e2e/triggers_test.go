package e2e

import (
	"context"
	"encoding/json"
	"fmt"
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
	// Why didn't it run? listings is met, searches is awaited.
	explain := func() string {
		var out string
		waitFor(t, execTimeout, "listings' outcome in the run log", func() (bool, string) {
			out, _ = baton(t, srv, "triggers", "explain", "pipeline-x")
			return strings.Contains(out, "[met] allOf core-data-availability/listings"), out
		})
		return out
	}
	if out := explain(); !strings.Contains(out, "[waiting] allOf search/searches [SUCCEEDED]") || !strings.Contains(out, "counts until") {
		t.Fatalf("baton triggers explain:\n%s", out)
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
	if out, _ := baton(t, srv, "workflows", "describe", "nightly", "--no-definition"); !strings.Contains(out, "Next runs:\n  "+slot.Format(time.RFC3339)) {
		t.Fatalf("workflows describe shows no next run at %s:\n%s", slot.Format(time.RFC3339), out)
	}
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

// TestCrossTeamExample runs examples/cross-team on the real server, with
// its schedules moved to a moment from now: listings and searches run by
// their schedules in their namespaces, and pipeline-x by their outcomes.
func TestCrossTeamExample(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	for _, ns := range []string{"core-data-availability", "search", "analytics"} {
		baton(t, srv, "namespaces", "create", ns)
	}
	root, err := moduleRoot()
	must(t, err, "module root")
	slot := time.Now().UTC().Add(3 * time.Second).Truncate(time.Second)
	at := `cron: "at(` + slot.Format("2006-01-02T15:04:05") + `)"`
	for _, name := range []string{"pipeline-x", "listings", "searches"} {
		src, err := os.ReadFile(filepath.Join(root, "examples", "cross-team", name, "pipeline.yaml"))
		must(t, err, "read the example")
		text := strings.Replace(string(src), "hour: 3 ", at+" ", 1)
		text = strings.Replace(text, `cron: "cron(0 5 * * ? *)"`, at, 1)
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"pipeline.yaml": text})
		baton(t, srv, "deploy", dir)
	}
	out, _ := baton(t, srv, "workflows", "list", "-n", "analytics", "-o", "json")
	var listed struct {
		StateMachines []struct {
			StateMachineArn string `json:"stateMachineArn"`
		} `json:"stateMachines"`
	}
	must(t, json.Unmarshal([]byte(out), &listed), "workflows list: "+out)
	list := listed.StateMachines
	if len(list) != 1 {
		t.Fatalf("analytics' workflows: %s", out)
	}
	var runs []types.ExecutionListItem
	waitFor(t, execTimeout, "pipeline-x after both upstreams", func() (bool, string) {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(list[0].StateMachineArn)})
		must(t, err, "ListExecutions")
		runs = l.Executions
		return len(runs) == 1 && runs[0].Status == types.ExecutionStatusSucceeded, fmt.Sprint(len(runs))
	})
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: runs[0].ExecutionArn})
	must(t, err, "DescribeExecution")
	if out := aws.ToString(d.Output); !strings.Contains(out, `"searches_per_listing":26.32`) || !strings.Contains(out, slot.Format(`"day":"2006-01-02"`)) {
		t.Fatalf("pipeline-x's output: %s", out)
	}
}

// TestBackfill: baton backfill runs a pipeline once per slot of its
// schedule in a past range (start exclusive, end inclusive), each standing
// for its slot with the slot before as its data interval's start; again,
// it skips the slots that ran.
func TestBackfill(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: daily
trigger:
  schedule: {hour: 3, start: 2025-01-01T00:00:00Z, end: 2025-12-01T00:00:00Z}
steps:
  - {name: a, command: ["true"]}
output: "{% {'logical': $run.logical_date, 'from': $run.data_interval_start, 'by': $run.trigger.type, 'slot': $run.scheduled_time} %}"
`})
	// The schedule ended in 2025: nothing runs by itself; a backfill runs
	// its slots within its bounds.
	_, errOut := baton(t, srv, "backfill", "daily", "--from", "2025-11-01", "--to", "2025-11-04", "--max-concurrency", "2")
	if !strings.Contains(errOut, "3 slots: 3 SUCCEEDED") {
		t.Fatalf("baton backfill: %s", errOut)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	must(t, err, "ListExecutions")
	if len(l.Executions) != 3 || aws.ToString(l.Executions[2].Name) != "backfill-20251101T030000Z" {
		t.Fatalf("backfill runs: %+v", l.Executions)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: l.Executions[0].ExecutionArn})
	must(t, err, "DescribeExecution")
	if got := aws.ToString(d.Output); !strings.Contains(got, `"logical":"2025-11-03T03:00:00`) || !strings.Contains(got, `"from":"2025-11-02T03:00:00`) ||
		!strings.Contains(got, `"by":"backfill"`) || !strings.Contains(got, `"slot":"2025-11-03T03:00:00`) {
		t.Fatalf("the last backfill run's $run: %s", got)
	}
	if out, _ := baton(t, srv, "workflows", "describe", "daily", "--no-definition"); !strings.Contains(out, "Schedule 0 3 * * * has no more fire times.") {
		t.Fatalf("workflows describe of an ended schedule:\n%s", out)
	}
	_, errOut = baton(t, srv, "backfill", "daily", "--from", "2025-11-01", "--to", "2025-11-04")
	if !strings.Contains(errOut, "3 slots: 3 SKIPPED") {
		t.Fatalf("a backfill again: %s", errOut)
	}
}

// TestTriggersSurviveKill: kill -9 the server while upstream runs end and
// their downstream starts: afterwards each upstream success has started
// exactly one downstream run: none lost, none doubled.
func TestTriggersSurviveKill(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	up := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": "name: up\nsteps:\n  - {name: a, command: [\"true\"]}\n"})
	down := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: down
trigger:
  executions:
    anyOf: [{name: up}]
steps:
  - {name: b, command: ["true"]}
`})
	const rounds, perRound = 3, 10
	for r := 0; r < rounds; r++ {
		for i := 0; i < perRound; i++ {
			start(t, c, up, fmt.Sprintf("up-%d-%d", r, i), `{}`)
		}
		srv.kill() // while the runs end and their triggers fire
		srv.start()
	}
	list := func(sm string) []types.ExecutionListItem {
		var all []types.ExecutionListItem
		p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			must(t, err, "ListExecutions")
			all = append(all, page.Executions...)
		}
		return all
	}
	// A step whose process a kill ended may fail its run (a step's success
	// never runs twice); every run ends, and each up run that succeeded
	// started exactly one down run.
	waitFor(t, execTimeout, "every up run, and one down run per success", func() (bool, string) {
		ups, downs := list(up), list(down)
		succeeded, running := 0, 0
		for _, x := range append(append([]types.ExecutionListItem(nil), ups...), downs...) {
			if x.Status == types.ExecutionStatusRunning {
				running++
			}
		}
		for _, x := range ups {
			if x.Status == types.ExecutionStatusSucceeded {
				succeeded++
			}
		}
		return len(ups) == rounds*perRound && running == 0 && len(downs) == succeeded,
			fmt.Sprintf("%d up (%d succeeded), %d down, %d running", len(ups), succeeded, len(downs), running)
	})
}

// TestStepEventsTrigger: a pipeline step's status changes are events on
// the bus: a pipeline whose trigger.event pattern asks for a failed step of
// another runs when that step fails, with the event in $run.trigger.
func TestStepEventsTrigger(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: etl
steps:
  - {name: load, command: ["false"]}
`})
	watcher := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: on-load-failed
trigger:
  event:
    pattern: {source: [baton.pipeline], detail-type: [Pipeline Step Status Change], detail: {step: [load], status: [FAILED]}}
steps:
  - {name: tell, command: ["true"]}
output: "{% $run.trigger.event.detail %}"
`})
	failed := exec.Command(binPath, "start", "etl", "--wait", "-q", "--server", srv.url)
	if out, _ := failed.CombinedOutput(); !strings.Contains(string(out), `"status": "FAILED"`) {
		t.Fatalf("etl: %s", out)
	}
	var runs []types.ExecutionListItem
	waitFor(t, execTimeout, "the run on the failed step's event", func() (bool, string) {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(watcher)})
		must(t, err, "ListExecutions")
		runs = l.Executions
		return len(runs) == 1 && runs[0].Status == types.ExecutionStatusSucceeded, fmt.Sprint(len(runs))
	})
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: runs[0].ExecutionArn})
	must(t, err, "DescribeExecution")
	if out := aws.ToString(d.Output); !strings.Contains(out, `"step":"load"`) || !strings.Contains(out, `"status":"FAILED"`) || !strings.Contains(out, `"error":"Shell.ExitError"`) {
		t.Fatalf("the step event: %s", out)
	}
}

// TestEventsTail: baton events tail prints a namespace's events (runs'
// status changes, custom events), not another namespace's.
func TestEventsTail(t *testing.T) {
	srv := newServer(t)
	baton(t, srv, "namespaces", "create", "team-a")
	deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": "name: hello\nsteps:\n  - {name: a, command: [\"true\"]}\n"})
	baton(t, srv, "start", "hello", "--wait", "-q")
	baton(t, srv, "events", "put", "--source", "billing", "--detail-type", "InvoiceBatchClosed", "--detail", `{"batch": 7}`, "-n", "team-a")
	out, _ := baton(t, srv, "events", "tail", "--from-start", "--source", "aws.states")
	if !strings.Contains(out, `"status":"RUNNING"`) || !strings.Contains(out, `"status":"SUCCEEDED"`) || strings.Contains(out, "billing") {
		t.Fatalf("default's aws.states events:\n%s", out)
	}
	out, _ = baton(t, srv, "events", "tail", "--from-start", "-n", "team-a")
	if !strings.Contains(out, `"batch":7`) || strings.Contains(out, "aws.states") {
		t.Fatalf("team-a's events:\n%s", out)
	}
	// An Express execution's outcome is an event too.
	c := newClient(srv.url, true)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("quick"), Type: types.StateMachineTypeExpress,
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	must(t, err, "CreateStateMachine EXPRESS")
	x, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"n":1}`)})
	must(t, err, "StartSyncExecution")
	waitFor(t, execTimeout, "the Express outcome on the bus", func() (bool, string) {
		out, _ := baton(t, srv, "events", "tail", "--from-start", "--source", "aws.states")
		return strings.Contains(out, aws.ToString(x.ExecutionArn)) && strings.Contains(out, `"status":"SUCCEEDED"`), out
	})
}
