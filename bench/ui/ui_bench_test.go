// Package ui benchmarks the web UI in Debian's headless Chromium against a
// real `baton server` built without the race detector (issue 12 §4): the
// workflows page's first paint with 1,000 workflows, a 1,000-step DAG laid
// out and drawn, a run with 10,000 history events opened and scrolled, the
// delay from a step's status being stored to the graph showing it, and the
// compressed size of the assets. Figures in bench/RESULTS.md; command:
//
//	cd bench/ui && go test -run '^$' -bench . -benchtime 5x
//
// Each figure is the median of the b.N page loads, reported as a metric
// (ms); ns/op is the whole loop and means little.
package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/uitest"
	"github.com/batonhq/baton/web"
)

// built is the baton binary, built once (go build: no race detector).
var built struct {
	once sync.Once
	path string
	err  error
}

func batonBin(b *testing.B) string {
	b.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "baton-bench-ui-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "baton")
		cmd := exec.Command("go", "build", "-o", built.path, "./cmd/baton")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		b.Fatal(built.err)
	}
	return built.path
}

// requireUI skips while web/dist is the placeholder page (no built UI).
func requireUI(b *testing.B) {
	b.Helper()
	if _, err := fs.Stat(web.Assets(), "assets"); err != nil {
		b.Skip("web/dist holds the placeholder page only (no built UI): run make ui first")
	}
	uitest.RequireChromium(b)
}

// server is a running `baton server` on a fresh data directory.
type server struct {
	b   *testing.B
	url string
}

func startServer(b *testing.B) *server {
	b.Helper()
	bin := batonBin(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "server", "--listen", addr, "--data-dir", filepath.Join(b.TempDir(), "data"), "--log-format", "text")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &server{b: b, url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("server not ready after 30s: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// sfn calls a Step Functions API action (AWS JSON 1.0) and decodes its answer.
func (s *server) sfn(action string, in, out any) error {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, s.url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", action, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

const roleArn = "arn:aws:iam::123456789012:role/baton-bench"

// createSM creates a state machine and returns its ARN.
func (s *server) createSM(name, def string) string {
	s.b.Helper()
	var out struct{ StateMachineArn string }
	if err := s.sfn("CreateStateMachine", map[string]string{"name": name, "definition": def, "roleArn": roleArn}, &out); err != nil {
		s.b.Fatal(err)
	}
	return out.StateMachineArn
}

// startMany starts n executions of each ARN from 8 goroutines.
func (s *server) startMany(arns []string, n int) {
	s.b.Helper()
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for arn := range jobs {
				if err := s.sfn("StartExecution", map[string]string{"stateMachineArn": arn, "input": `{}`}, nil); err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, arn := range arns {
		for range n {
			jobs <- arn
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		s.b.Fatal(firstErr)
	}
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// waitStatus polls DescribeExecution until the execution has status want.
func (s *server) waitStatus(arn, want string) {
	s.b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var out struct{ Status string }
		err := s.sfn("DescribeExecution", map[string]string{"executionArn": arn}, &out)
		if err == nil && out.Status == want {
			return
		}
		if time.Now().After(deadline) {
			s.b.Fatalf("%s: %s (%v), want %s", arn, out.Status, err, want)
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}

// deploy runs baton deploy on a directory holding pipeline.yaml.
func (s *server) deploy(yaml string) string {
	s.b.Helper()
	dir := s.b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pipeline.yaml"), []byte(yaml), 0o644); err != nil {
		s.b.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(batonBin(s.b), "deploy", dir, "--server", s.url)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.b.Fatalf("baton deploy: %v\n%s%s", err, out, stderr.String())
	}
	fields := strings.Fields(strings.SplitN(string(out), "\n", 2)[0])
	if len(fields) != 3 {
		s.b.Fatalf("baton deploy: %q", out)
	}
	return fields[2]
}

// firstSeenProbe records in window.__seen[sel] the performance.now() (ms
// since the navigation started) at which an element matching each selector
// first appeared, checked on every DOM change.
func firstSeenProbe(sels ...string) string {
	list, _ := json.Marshal(sels)
	return `(() => {
  window.__seen = {};
  const sels = ` + string(list) + `;
  const check = () => { for (const s of sels) if (!(s in window.__seen) && document.querySelector(s)) window.__seen[s] = performance.now(); };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
})()`
}

// seenAfterPaint waits for sel, then for the next two frames (the one that
// drew it), and returns the time it first appeared (ms since navigation).
func seenAfterPaint(br *uitest.Browser, sel string, d time.Duration) float64 {
	br.WaitReady(sel, d)
	uitest.EvalAwait[bool](br, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, d)
	return uitest.Eval[float64](br, fmt.Sprintf(`window.__seen[%q]`, sel))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkWorkflowsPage: the workflows page with 1,000 workflows (10 runs
// each): ms from navigation start to the first workflow row (target ≤ 300),
// and to first-contentful-paint.
func BenchmarkWorkflowsPage(b *testing.B) {
	requireUI(b)
	s := startServer(b)
	var arns []string
	for i := range 1000 {
		arns = append(arns, s.createSM(fmt.Sprintf("wf-%04d", i), `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`))
	}
	s.startMany(arns, 10)
	br := uitest.New(b, 1440, 900)
	const row = `[data-testid=workflow-row]`
	br.OnNewDocument(firstSeenProbe(row))
	br.Open(s.url + "/ui/") // warm: the assets are cached as a returning user has them
	br.WaitReady(row, time.Minute)
	var rows, fcps []float64
	b.ResetTimer()
	for range b.N {
		br.Open(s.url + "/ui/")
		rows = append(rows, seenAfterPaint(br, row, time.Minute))
		fcps = append(fcps, uitest.Eval[float64](br, `(performance.getEntriesByName("first-contentful-paint")[0] || {startTime: -1}).startTime`))
	}
	b.ReportMetric(median(rows), "ms-first-row")
	b.ReportMetric(median(fcps), "ms-fcp")
	b.ReportMetric(float64(br.Count(row)), "rows-in-dom")
}

// BenchmarkDAG1000: a 1,000-step pipeline's graph laid out and drawn: ms
// from navigation start to the first node drawn (target ≤ 1,000).
func BenchmarkDAG1000(b *testing.B) {
	requireUI(b)
	s := startServer(b)
	s.deploy(uitest.LayeredPipeline("big", 10, 100))
	br := uitest.New(b, 1440, 900)
	const node = `[data-testid=graph] [data-testid=node]`
	br.OnNewDocument(firstSeenProbe(node))
	br.Open(s.url + "/ui/workflows/default/big")
	br.WaitReady(node, time.Minute)
	var ms []float64
	b.ResetTimer()
	for range b.N {
		br.Open(s.url + "/ui/workflows/default/big")
		ms = append(ms, seenAfterPaint(br, node, time.Minute))
	}
	b.ReportMetric(median(ms), "ms-drawn")
	b.ReportMetric(float64(br.Count(node)), "nodes-in-dom")
}

// scrollProbe scrolls the history list's scroller to the end in 40 steps,
// one per frame, and resolves with the longest frame (ms) seen meanwhile.
const scrollProbe = `new Promise(resolve => {
  const row = document.querySelector("[data-testid=history-row]");
  let el = row.parentElement;
  while (el && !(el.scrollHeight > el.clientHeight && /(auto|scroll)/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
  el = el || document.scrollingElement;
  const steps = 40, end = el.scrollHeight - el.clientHeight;
  let i = 0, last = performance.now(), worst = 0;
  const frame = now => {
    worst = Math.max(worst, now - last); last = now;
    if (i++ >= steps) { resolve({worst, rows: document.querySelectorAll("[data-testid=history-row]").length, atEnd: el.scrollTop}); return; }
    el.scrollTop = end * i / steps;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})`

// BenchmarkRunHistory10k: a run with about 10,000 history events (a Map of
// 2,500 Pass items): ms to the first history row (target ≤ 1,000), and the
// longest frame while scrolling the list to its end (smooth: ≤ 50 ms).
func BenchmarkRunHistory10k(b *testing.B) {
	requireUI(b)
	s := startServer(b)
	items := make([]int, 2500)
	input, _ := json.Marshal(map[string]any{"items": items})
	arn := s.createSM("wide", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`)
	var out struct{ ExecutionArn string }
	if err := s.sfn("StartExecution", map[string]string{"stateMachineArn": arn, "name": "big-run", "input": string(input)}, &out); err != nil {
		b.Fatal(err)
	}
	s.waitStatus(out.ExecutionArn, "SUCCEEDED")
	url := s.url + "/ui/workflows/default/wide/runs/big-run?view=history" // the run page's history tab
	br := uitest.New(b, 1440, 900)
	const row = `[data-testid=history-row]`
	br.OnNewDocument(firstSeenProbe(row))
	br.Open(url)
	br.WaitReady(row, time.Minute)
	var open, worst []float64
	b.ResetTimer()
	for range b.N {
		br.Open(url)
		open = append(open, seenAfterPaint(br, row, time.Minute))
		r := uitest.EvalAwait[map[string]float64](br, scrollProbe, time.Minute)
		worst = append(worst, r["worst"])
	}
	b.ReportMetric(median(open), "ms-open")
	b.ReportMetric(median(worst), "ms-worst-frame-scrolling")
}

// BenchmarkStatusToGraph: a step's end stored by the server → the run
// page's graph node showing SUCCEEDED, in ms (target ≤ 200), measured from
// the timestamp of the step's StateExited event in the history to the
// Date.now() at which the node's data-status changed (one clock: same
// machine).
func BenchmarkStatusToGraph(b *testing.B) {
	requireUI(b)
	s := startServer(b)
	gate := filepath.Join(b.TempDir(), "gate")
	sm := s.deploy(`name: gated
steps:
  - name: work
    script: |
      while [ ! -f ` + gate + ` ]; do sleep 0.01; done
      echo '{"ok": true}' > "$BATON_OUTPUT"
`)
	br := uitest.New(b, 1440, 900)
	var lat []float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		name := fmt.Sprintf("run-%d", i)
		var out struct{ ExecutionArn string }
		if err := s.sfn("StartExecution", map[string]string{"stateMachineArn": sm, "name": name, "input": `{}`}, &out); err != nil {
			b.Fatal(err)
		}
		br.Open(s.url + "/ui/workflows/default/gated/runs/" + name)
		sel := `[data-testid=node][data-id=work]`
		br.WaitAttr(sel, "data-status", "RUNNING", time.Minute)
		uitest.Eval[bool](br, fmt.Sprintf(`(() => {
  const e = document.querySelector(%q);
  new MutationObserver(() => { if (e.getAttribute("data-status") === "SUCCEEDED" && !window.__doneAt) window.__doneAt = Date.now(); })
    .observe(e, {attributes: true, attributeFilter: ["data-status"]});
  return true;
})()`, sel))
		b.StartTimer()
		if err := os.WriteFile(gate, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		br.WaitJS(`!!window.__doneAt`, time.Minute, "the node to turn SUCCEEDED")
		b.StopTimer()
		shown := uitest.Eval[float64](br, `window.__doneAt`)
		stored := s.exitedAt(out.ExecutionArn, "work")
		lat = append(lat, shown-stored)
		s.waitStatus(out.ExecutionArn, "SUCCEEDED")
		if err := os.Remove(gate); err != nil { // the next run waits again
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(median(lat), "ms-stored-to-graph")
	b.ReportMetric(slices.Max(lat), "ms-max")
}

// exitedAt is the epoch ms of the StateExited event of state in the
// execution's history.
func (s *server) exitedAt(arn, state string) float64 {
	s.b.Helper()
	var out struct {
		Events []struct {
			Type                    string  `json:"type"`
			Timestamp               float64 `json:"timestamp"`
			StateExitedEventDetails *struct {
				Name string `json:"name"`
			} `json:"stateExitedEventDetails"`
		} `json:"events"`
	}
	if err := s.sfn("GetExecutionHistory", map[string]any{"executionArn": arn, "maxResults": 1000}, &out); err != nil {
		s.b.Fatal(err)
	}
	for _, e := range out.Events {
		if e.StateExitedEventDetails != nil && e.StateExitedEventDetails.Name == state {
			return e.Timestamp * 1000
		}
	}
	s.b.Fatalf("no StateExited of %s in %s", state, arn)
	return 0
}

// BenchmarkAssetsSize: the UI's assets as a browser downloads them with
// gzip (the .gz beside each file where the build wrote one, else the file
// gzipped here), in KiB (target < 1,024).
func BenchmarkAssetsSize(b *testing.B) {
	assets := web.Assets()
	var total, plain int64
	for range b.N {
		total, plain = 0, 0
		err := fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") {
				return err
			}
			data, err := fs.ReadFile(assets, p)
			if err != nil {
				return err
			}
			plain += int64(len(data))
			if gz, err := fs.Stat(assets, p+".gz"); err == nil {
				total += gz.Size()
				return nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(data)
			zw.Close()
			total += int64(buf.Len())
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/1024, "KiB-gzip")
	b.ReportMetric(float64(plain)/1024, "KiB-plain")
}
