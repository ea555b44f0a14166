package e2e

// The web UI in a real browser (issue 12): a real `baton server` with real
// runs, driven through headless Chromium (internal/uitest) by the
// data-testid hooks of the UI contract. Run them alone with
//
//	go test -count=1 -run TestUI ./internal/e2e/
//
// and write the screenshots of docs/ui/ with BATON_UI_SCREENSHOTS=1 (or
// -baton.screenshots): CI never rewrites the committed pictures.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/internal/uitest"
)

var screenshotsFlag = flag.Bool("baton.screenshots", false, "write the UI's screenshots into docs/ui/ (also BATON_UI_SCREENSHOTS=1)")

// uiWait is how long a page has to show what a test waits for. Generous
// for CI's race-built runs on two shared cores; the benchmark (bench/ui)
// measures the real times.
const uiWait = 20 * time.Second

// uiSession is a server, a browser and an SFN client for one test.
type uiSession struct {
	t   *testing.T
	srv *server
	c   *sfn.Client
	b   *uitest.Browser
}

// newUISession starts a server and Chromium. It skips when the repository
// holds the placeholder UI only (web/dist without built assets: the front
// end is not built yet), and as uitest.RequireChromium says when Chromium
// is missing.
func newUISession(t *testing.T) *uiSession {
	t.Helper()
	requireBuiltUI(t)
	uitest.RequireChromium(t)
	srv := newServer(t)
	s := &uiSession{t: t, srv: srv, c: newClient(srv.url, true)}
	resp, err := http.Get(srv.url + "/ui/")
	must(t, err, "GET /ui/")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /ui/: %d %s: web/dist holds a built UI but the server does not serve it at /ui/", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s.b = uitest.New(t, 1440, 900)
	return s
}

// requireBuiltUI skips when web/dist is the placeholder page (no assets/
// directory): then there is no UI to test. Once the build is committed, a
// server that does not serve it fails the tests instead.
func requireBuiltUI(t *testing.T) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "web", "dist", "assets")); err != nil {
		t.Skip("web/dist holds the placeholder page only (no built UI): run make ui and commit web/dist to run the browser tests")
	}
}

// open loads a UI path (such as "/ui/") and waits for sel to be visible.
func (s *uiSession) open(path, sel string) {
	s.t.Helper()
	s.b.Open(s.srv.url + path)
	s.b.WaitVisible(sel, uiWait)
	s.noError()
}

// noError fails when the page shows an error box.
func (s *uiSession) noError() {
	s.t.Helper()
	if s.b.Count(`[data-testid=error]`) > 0 {
		s.t.Fatalf("the page %s shows an error: %q", s.b.Location(), s.b.Text(`[data-testid=error]`))
	}
}

// titled checks that document.title is "Baton — ..." and contains want.
func (s *uiSession) titled(want string) {
	s.t.Helper()
	s.b.WaitJS(fmt.Sprintf(`document.title.startsWith("Baton") && document.title.includes(%q)`, want), uiWait, "title with "+want)
}

// shot writes docs/ui/NAME.png when screenshots are asked for.
func (s *uiSession) shot(name string) {
	s.t.Helper()
	if !*screenshotsFlag && os.Getenv("BATON_UI_SCREENSHOTS") != "1" {
		return
	}
	root, err := moduleRoot()
	if err != nil {
		s.t.Fatal(err)
	}
	s.b.Screenshot(filepath.Join(root, "docs", "ui", name+".png"))
}

// waitRunStatus waits for the run page's status to read want.
func (s *uiSession) waitRunStatus(want string) {
	s.t.Helper()
	s.b.WaitJS(fmt.Sprintf(`(document.querySelector("[data-testid=run-status]")?.textContent || "").includes(%q)`, want),
		uiWait, "run status "+want)
}

// markPage sets a variable in the page; pageKept says whether it is still
// there, i.e. the page was not reloaded since.
func (s *uiSession) markPage() {
	s.t.Helper()
	uitest.Eval[bool](s.b, `window.__batonNoReload = true`)
}

func (s *uiSession) pageKept() {
	s.t.Helper()
	if !uitest.Eval[bool](s.b, `window.__batonNoReload === true`) {
		s.t.Fatalf("the page was reloaded: a live update must not reload it")
	}
}

// noPageErrors fails on uncaught exceptions and Content-Security-Policy
// violations the page reported so far.
func (s *uiSession) noPageErrors() {
	s.t.Helper()
	for _, m := range s.b.Console() {
		if strings.HasPrefix(m, "exception") || strings.Contains(m, "Content Security Policy") {
			s.t.Errorf("page error: %s", m)
		}
	}
}

// putRule creates a rule on the default event bus through the
// EventBridge-compatible API.
func (s *uiSession) putRule(name, pattern string) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"Name": name, "EventPattern": pattern})
	req, _ := http.NewRequest(http.MethodPost, s.srv.url+"/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSEvents.PutRule")
	resp, err := http.DefaultClient.Do(req)
	must(s.t, err, "PutRule")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("PutRule %s: %d %s", name, resp.StatusCode, out)
	}
}

// apiGet decodes a native API answer.
func (s *uiSession) apiGet(path string, out any) {
	s.t.Helper()
	resp, err := http.Get(s.srv.url + path)
	must(s.t, err, "GET "+path)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	must(s.t, json.Unmarshal(body, out), "decode "+path)
}

func (s *uiSession) describe(arn string) *sfn.DescribeExecutionOutput {
	s.t.Helper()
	d, err := s.c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	must(s.t, err, "DescribeExecution")
	return d
}

// gateScript is a shell step that prints before, waits for the file gate,
// then prints after: the test controls when it ends.
func gateScript(before, gate, after string) string {
	return fmt.Sprintf(`
      echo %s
      while [ ! -f %s ]; do sleep 0.05; done
      echo %s
      echo '{"ok": true}' > "$BATON_OUTPUT"`, before, gate, after)
}

// indent puts n spaces before every line of s.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}

// uiASL is a state machine with a Parallel and a Map, for the graph's
// groups.
const uiASL = `{
  "Comment": "orders: validate, then price and stock in parallel, then each line",
  "StartAt": "Validate",
  "States": {
    "Validate": {"Type": "Pass", "Next": "Check"},
    "Check": {"Type": "Parallel", "Next": "Lines", "Branches": [
      {"StartAt": "Price", "States": {"Price": {"Type": "Pass", "End": true}}},
      {"StartAt": "Stock", "States": {"Stock": {"Type": "Pass", "End": true}}}
    ]},
    "Lines": {"Type": "Map", "ItemsPath": "$[0].lines", "Next": "Done",
      "ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": true}}}},
    "Done": {"Type": "Succeed"}
  }
}`

// TestUIPages: every page loads and shows the server's data: the
// workflows list with the last runs' squares, a workflow's graph, grid,
// definition and triggers tabs, a run with its graph, history and Gantt,
// the lineage and the events pages; links are URLs the back button
// returns through.
func TestUIPages(t *testing.T) {
	s := newUISession(t)
	sm := createSM(t, s.c, "orders", uiASL, types.StateMachineTypeStandard)
	aslRun := start(t, s.c, sm, "order-1", `{"lines": [1, 2, 3]}`)
	waitExecStatus(t, s.c, aslRun, types.ExecutionStatusSucceeded)

	pipe := deployProjectFiles(t, s.srv, map[string]string{"pipeline.yaml": `name: sales
description: daily sales report
tags: {team: analytics}
trigger:
  schedule: {cron: "0 6 * * *"}
datasets:
  writes: ["file://out/sales.csv"]
steps:
  - name: extract
    script: |
      echo extracted
      echo '{"rows": 3}' > "$BATON_OUTPUT"
  - name: transform
    depends_on: [extract]
    script: echo transformed
  - name: regions
    depends_on: [extract]
    for_each: ["eu", "us"]
    command: [echo, "{% 'region ' & $item %}"]
  - name: load
    depends_on: [transform, regions]
    script: echo loaded
`})
	report := deployProjectFiles(t, s.srv, map[string]string{"pipeline.yaml": `name: report
datasets:
  reads: ["file://out/sales.csv"]
steps:
  - name: publish
    script: echo published
`})
	_ = report
	var good string
	for i, want := range []types.ExecutionStatus{types.ExecutionStatusSucceeded, types.ExecutionStatusSucceeded} {
		good = start(t, s.c, pipe, fmt.Sprintf("day-%d", i+1), `{}`)
		waitExecStatus(t, s.c, good, want)
	}
	s.putRule("on-sales", `{"source": ["baton"], "detail-type": ["Execution Status Change"]}`)
	// What the UI will show, as the API has it.
	var list struct {
		StateMachines []struct {
			Name       string
			RecentRuns []struct{ Name, Status string } `json:"recentRuns"`
		} `json:"stateMachines"`
	}
	s.apiGet("/api/v1/workflows?runs=10", &list)
	if len(list.StateMachines) != 3 {
		t.Fatalf("the API lists %d workflows, want 3: %+v", len(list.StateMachines), list)
	}

	// Workflows: both kinds, with their last runs' statuses.
	s.open("/ui/", `[data-testid=workflow-row][data-name=sales]`)
	s.titled("")
	s.b.WaitVisible(`[data-testid=workflow-row][data-name=orders]`, uiWait)
	s.b.WaitReady(`[data-testid=workflow-row][data-name=sales] [data-testid=run-square][data-status=SUCCEEDED]`, uiWait)
	if n := s.b.Count(`[data-testid=workflow-row][data-name=sales] [data-testid=run-square]`); n != 2 {
		t.Errorf("sales shows %d run squares, want 2", n)
	}
	s.shot("workflows")
	// The search narrows the list.
	s.b.SetValue(`[data-testid=search]`, "orde")
	s.b.WaitJS(`!document.querySelector("[data-testid=workflow-row][data-name=sales]") && !!document.querySelector("[data-testid=workflow-row][data-name=orders]")`,
		uiWait, "search to hide sales and keep orders")

	// A pipeline: its DAG with the for_each group, its grid, definition, triggers.
	s.open("/ui/workflows/default/sales", `[data-testid=graph] [data-testid=node][data-id=load]`)
	s.titled("sales")
	for _, id := range []string{"extract", "transform", "regions", "load"} {
		s.b.WaitReady(fmt.Sprintf(`[data-testid=graph] [data-testid=node][data-id=%q]`, id), uiWait)
	}
	s.shot("workflow-graph")
	s.b.Click(`[data-testid=tab-runs]`)
	s.b.WaitReady(`[data-testid=grid-cell][data-run=day-2][data-step=load][data-status=SUCCEEDED]`, uiWait)
	s.b.WaitReady(`[data-testid=grid-cell][data-run=day-1][data-step=extract][data-status=SUCCEEDED]`, uiWait)
	s.shot("workflow-grid")
	s.b.Click(`[data-testid=tab-definition]`)
	s.b.WaitJS(`document.body.innerText.includes("daily sales report")`, uiWait, "the definition's text")
	s.shot("workflow-definition")
	s.b.Click(`[data-testid=tab-triggers]`)
	s.b.WaitJS(`document.body.innerText.includes("0 6 * * *")`, uiWait, "the schedule on the triggers tab")
	s.shot("workflow-triggers")
	s.b.Click(`[data-testid=tab-versions]`)
	s.noError()

	// The ASL machine: Parallel branches and the Map as groups.
	s.open("/ui/workflows/default/orders", `[data-testid=graph] [data-testid=node][data-id=Done]`)
	for _, id := range []string{"Validate", "Check", "Price", "Stock", "Lines", "Line"} {
		s.b.WaitReady(fmt.Sprintf(`[data-testid=graph] [data-testid=node][data-id=%q]`, id), uiWait)
	}
	s.shot("workflow-asl-graph")

	// A run: coloured graph, history, Gantt; the step panel shows logs.
	s.open("/ui/workflows/default/sales/runs/day-2", `[data-testid=run-status]`)
	s.titled("day-2")
	s.waitRunStatus("SUCCEEDED")
	s.b.WaitReady(`[data-testid=node][data-id=load][data-status=SUCCEEDED]`, uiWait)
	// The run's views are tabs: its history, its Gantt, its graph.
	s.b.Click(`[data-testid=view-history]`)
	s.b.WaitReady(`[data-testid=history-row]`, uiWait)
	s.shot("run-history")
	s.b.Click(`[data-testid=view-gantt]`)
	s.b.WaitReady(`[data-testid=gantt]`, uiWait)
	s.shot("run-gantt")
	s.b.Click(`[data-testid=view-graph]`)
	s.b.ClickUntilVisible(`[data-testid=node][data-id=extract]`, `[data-testid=step-panel]`, uiWait)
	s.b.WaitJS(`(document.querySelector("[data-testid=step-logs]")?.textContent || "").includes("extracted")`, uiWait, "extract's log")
	s.shot("run")
	s.open("/ui/workflows/default/orders/runs/order-1", `[data-testid=run-status]`)
	s.waitRunStatus("SUCCEEDED")
	s.b.WaitReady(`[data-testid=node][data-id=Done][data-status=SUCCEEDED]`, uiWait)
	s.shot("run-asl")

	// Back returns to the pipeline's run, by its URL.
	s.b.Back()
	s.b.WaitJS(`location.pathname.endsWith("/runs/day-2")`, uiWait, "back to day-2")
	s.b.WaitReady(`[data-testid=run-status]`, uiWait)

	// Lineage: the dataset links sales to report.
	s.open("/ui/lineage", `[data-testid=lineage-node][data-name=sales]`)
	s.b.WaitReady(`[data-testid=lineage-node][data-name=report]`, uiWait)
	s.titled("")
	s.shot("lineage")

	// Events: the rule, and the runs' status changes on the bus.
	s.open("/ui/events", `[data-testid=rule-row]`)
	s.titled("")
	s.b.WaitJS(`[...document.querySelectorAll("[data-testid=rule-row]")].some(r => r.textContent.includes("on-sales"))`, uiWait, "the rule on-sales")
	s.b.WaitReady(`[data-testid=bus-event-row]`, uiWait)
	s.shot("events")

	// The start form starts a run with the input typed in; run again
	// starts one more with the same input.
	s.open("/ui/workflows/default/orders", `[data-testid=start]`)
	s.b.Click(`[data-testid=start]`)
	s.b.SetValue(`[data-testid=input-editor]`, `{"lines": [7, 8]}`)
	s.shot("start-form")
	s.b.Click(`[data-testid=start-submit]`)
	s.b.WaitJS(`location.pathname.includes("/runs/")`, uiWait, "the new run's page")
	s.waitRunStatus("SUCCEEDED")
	s.b.Click(`[data-testid=action-rerun]`)
	s.confirmIfAsked()
	ctx := context.Background()
	waitFor(t, execTimeout, "three runs of orders, two with the form's input", func() (bool, string) {
		out, err := s.c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		if err != nil {
			return false, err.Error()
		}
		withInput := 0
		for _, e := range out.Executions {
			d := s.describe(aws.ToString(e.ExecutionArn))
			if strings.ReplaceAll(aws.ToString(d.Input), " ", "") == `{"lines":[7,8]}` {
				withInput++
			}
		}
		return len(out.Executions) == 3 && withInput == 2, fmt.Sprintf("%d runs, %d with the input", len(out.Executions), withInput)
	})
	s.noPageErrors()
}

// confirmIfAsked clicks the confirm dialog's button when one shows up.
func (s *uiSession) confirmIfAsked() {
	s.t.Helper()
	if s.b.Try(3*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm]`))) == nil {
		s.b.Click(`[data-testid=confirm]`)
	}
}

// TestUILiveRun: a run page colours the graph as steps start and finish,
// and tails a step's log, without a reload; the test drives the steps with
// gate files.
func TestUILiveRun(t *testing.T) {
	s := newUISession(t)
	dir := t.TempDir()
	g := func(name string) string { return filepath.Join(dir, name) }
	sm := deployProjectFiles(t, s.srv, map[string]string{"pipeline.yaml": `name: live
steps:
  - name: first
    script: |
` + indent(gateScript("first-line", g("log"), "second-line")+"\n"+`while [ ! -f `+g("a")+` ]; do sleep 0.05; done`, 6) + `
  - name: second
    depends_on: [first]
    script: |
` + indent(gateScript("b-start", g("b"), "b-end"), 6) + `
`})
	run := start(t, s.c, sm, "live-1", `{}`)
	waitExecStatus(t, s.c, run, types.ExecutionStatusRunning)

	s.open("/ui/workflows/default/live/runs/live-1", `[data-testid=node][data-id=first]`)
	s.markPage()
	s.b.WaitAttr(`[data-testid=node][data-id=first]`, "data-status", "RUNNING", uiWait)
	if st := s.b.Status(`[data-testid=node][data-id=second]`); st != "" && st != "PENDING" {
		t.Errorf("second is %q before first ended, want no status or PENDING", st)
	}
	s.b.ClickUntilVisible(`[data-testid=node][data-id=first]`, `[data-testid=step-panel]`, uiWait)
	logs := func(want string) string {
		return fmt.Sprintf(`(document.querySelector("[data-testid=step-logs]")?.textContent || "").includes(%q)`, want)
	}
	s.b.WaitJS(logs("first-line"), uiWait, "first-line in the log")
	s.shot("run-live")
	must(t, os.WriteFile(g("log"), nil, 0o644), "open the log gate")
	s.b.WaitJS(logs("second-line"), uiWait, "second-line tailed into the log")

	must(t, os.WriteFile(g("a"), nil, 0o644), "open gate a")
	s.b.WaitAttr(`[data-testid=node][data-id=first]`, "data-status", "SUCCEEDED", uiWait)
	s.b.WaitAttr(`[data-testid=node][data-id=second]`, "data-status", "RUNNING", uiWait)
	must(t, os.WriteFile(g("b"), nil, 0o644), "open gate b")
	s.b.WaitAttr(`[data-testid=node][data-id=second]`, "data-status", "SUCCEEDED", uiWait)
	s.waitRunStatus("SUCCEEDED")
	s.pageKept()
	s.noPageErrors()
	if d := s.describe(run); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("the API says %s, the page SUCCEEDED", d.Status)
	}
}

// TestUIActions: stop, redrive and retry from a step, from the run page's
// buttons; the API then shows their effect.
func TestUIActions(t *testing.T) {
	s := newUISession(t)
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	ran := filepath.Join(dir, "ran")
	sm := deployProjectFiles(t, s.srv, map[string]string{"pipeline.yaml": `name: acts
steps:
  - name: extract
    retry: {retries: 0}
    script: |
      echo extract >> ` + ran + `
      [ -f ` + ok + ` ] || { echo 'not ready' >&2; exit 1; }
      echo '{"rows": 3}' > "$BATON_OUTPUT"
  - name: transform
    depends_on: [extract]
    script: |
      echo transform >> ` + ran + `
      while [ ! -f ` + filepath.Join(dir, "hold") + ` ]; do sleep 0.05; done
`})
	// Stop: a run held in transform.
	must(t, os.WriteFile(ok, nil, 0o644), "ok")
	stopped := start(t, s.c, sm, "to-stop", `{}`)
	s.open("/ui/workflows/default/acts/runs/to-stop", `[data-testid=run-status]`)
	s.b.WaitAttr(`[data-testid=node][data-id=transform]`, "data-status", "RUNNING", uiWait)
	s.b.Click(`[data-testid=action-stop]`)
	s.b.Click(`[data-testid=confirm]`)
	s.waitRunStatus("ABORTED")
	if d := s.describe(stopped); d.Status != types.ExecutionStatusAborted {
		t.Fatalf("after the stop button the API says %s, want ABORTED", d.Status)
	}

	// Redrive: a run failed in extract, redriven once the file is there.
	must(t, os.Remove(ok), "rm ok")
	failed := start(t, s.c, sm, "to-redrive", `{}`)
	waitExecStatus(t, s.c, failed, types.ExecutionStatusFailed)
	s.open("/ui/workflows/default/acts/runs/to-redrive", `[data-testid=run-status]`)
	s.waitRunStatus("FAILED")
	s.b.WaitAttr(`[data-testid=node][data-id=extract]`, "data-status", "FAILED", uiWait)
	must(t, os.WriteFile(ok, nil, 0o644), "ok")
	must(t, os.WriteFile(filepath.Join(dir, "hold"), nil, 0o644), "hold")
	s.markPage()
	s.b.Click(`[data-testid=action-redrive]`)
	s.b.Click(`[data-testid=confirm]`)
	s.b.WaitAttr(`[data-testid=node][data-id=extract]`, "data-status", "SUCCEEDED", uiWait)
	s.waitRunStatus("SUCCEEDED")
	if d := s.describe(failed); d.Status != types.ExecutionStatusSucceeded || aws.ToInt32(d.RedriveCount) != 1 {
		t.Fatalf("after the redrive button the API says %s, redriveCount %d; want SUCCEEDED, 1", d.Status, aws.ToInt32(d.RedriveCount))
	}

	// Retry from transform: transform runs again, extract does not.
	before, _ := os.ReadFile(ran)
	s.b.ClickUntilVisible(`[data-testid=node][data-id=transform]`, `[data-testid=step-panel]`, uiWait)
	s.b.Click(`[data-testid=action-retry]`)
	s.b.Click(`[data-testid=confirm]`)
	waitFor(t, execTimeout, "the retried run to end", func() (bool, string) {
		d := s.describe(failed)
		return aws.ToInt32(d.RedriveCount) == 2 && d.Status == types.ExecutionStatusSucceeded, fmt.Sprintf("%s, redriveCount %d", d.Status, aws.ToInt32(d.RedriveCount))
	})
	after, _ := os.ReadFile(ran)
	if got := strings.TrimPrefix(string(after), string(before)); got != "transform\n" {
		t.Fatalf("retry from transform ran %q, want transform only", got)
	}
	s.waitRunStatus("SUCCEEDED")
	s.pageKept()
}

// startMany starts n executions of smArn from 8 goroutines.
func startMany(t *testing.T, c *sfn.Client, smArn string, n int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{
					StateMachineArn: aws.String(smArn), Name: aws.String(fmt.Sprintf("run-%05d", i)), Input: aws.String(`{}`)})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("StartExecution: %v", err)
	}
}

// TestUIScale: a 1,000-step pipeline's graph renders, and a workflow with
// 10,000 runs keeps its pages usable: each answers and takes a click
// within the deadline.
func TestUIScale(t *testing.T) {
	s := newUISession(t)
	deployProjectFiles(t, s.srv, map[string]string{"pipeline.yaml": uitest.LayeredPipeline("big", 10, 100)})
	t0 := time.Now()
	s.open("/ui/workflows/default/big", `[data-testid=graph] [data-testid=node]`)
	// React Flow may draw only the nodes in view: some node, and the
	// graph's first one, must be there.
	s.b.WaitReady(`[data-testid=graph] [data-testid=node][data-id=s00-000]`, uiWait)
	t.Logf("1,000-step graph shown in %v (%d nodes in the DOM)", time.Since(t0), s.b.Count(`[data-testid=node]`))
	s.shot("workflow-graph-1000")

	sm := createSM(t, s.c, "many", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`, types.StateMachineTypeStandard)
	t1 := time.Now()
	startMany(t, s.c, sm, 10000)
	t.Logf("10,000 runs started in %v", time.Since(t1))
	waitFor(t, execTimeout, "the last run to end", func() (bool, string) {
		d := s.describe(strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":run-10000")
		return d.Status == types.ExecutionStatusSucceeded, string(d.Status)
	})

	for _, p := range []struct{ path, sel string }{
		{"/ui/", `[data-testid=workflow-row][data-name=many] [data-testid=run-square]`},
		{"/ui/workflows/default/many", `[data-testid=graph] [data-testid=node][data-id=P]`},
	} {
		t0 := time.Now()
		s.open(p.path, p.sel)
		t.Logf("%s with 10,000 runs shown in %v", p.path, time.Since(t0))
	}
	t0 = time.Now()
	s.b.Click(`[data-testid=tab-runs]`)
	s.b.WaitReady(`[data-testid=grid-cell][data-run=run-10000][data-step=P][data-status=SUCCEEDED]`, uiWait)
	t.Logf("grid of the newest runs shown in %v", time.Since(t0))
	s.shot("workflow-grid-10000")
	s.b.Click(`[data-testid=grid-cell][data-run=run-10000]`)
	s.b.WaitJS(`location.pathname.endsWith("/runs/run-10000")`, uiWait, "the run page from the grid")
	s.b.WaitReady(`[data-testid=run-status]`, uiWait)
	s.waitRunStatus("SUCCEEDED")
}
