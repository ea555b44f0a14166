// Package server benchmarks a Baton server: durable transitions, starts
// through the Step Functions API, dispatch latency, and the cost of open
// executions. See bench/RESULTS.md for the figures and bench/server.sh for
// the command.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/workflow"
)

var quiet = benchLog()

// benchLog discards the server's log, or shows its warnings with BATON_BENCH_LOG=1.
func benchLog() *slog.Logger {
	if os.Getenv("BATON_BENCH_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

const acct = "arn:aws:states:us-east-1:123456789012:"

// passChain returns a definition of n Pass states.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Result":%d,"ResultPath":"$.s%d","End":true}`, i, i, i%4)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Result":%d,"ResultPath":"$.s%d","Next":"S%d"}`, i, i, i%4, i+1)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

// newEngine opens a store in dir and runs an engine on it.
func newEngine(b *testing.B, dir, durability string) (*engine.Engine, *sqlite.Store) {
	return newEngineClock(b, dir, durability, clock.Real{})
}

func newEngineClock(b *testing.B, dir, durability string, clk clock.Clock) (*engine.Engine, *sqlite.Store) {
	eng, st, _ := newEngineMetrics(b, dir, durability, clk)
	return eng, st
}

func newEngineMetrics(b *testing.B, dir, durability string, clk clock.Clock) (*engine.Engine, *sqlite.Store, *prometheus.Registry) {
	st, err := sqlite.Open(dir, sqlite.Options{Durability: durability})
	if err != nil {
		b.Fatal(err)
	}
	eng, reg := runEngine(b, st, clk)
	return eng, st, reg
}

// runEngine runs an engine on st (of either store) with the clock clk,
// and returns it with the registry of its metrics.
func runEngine(b *testing.B, st store.Store, clk clock.Clock) (*engine.Engine, *prometheus.Registry) {
	return runEngineWith(b, st, func(c *engine.Config) { c.Clock = clk })
}

// runEngineWith runs an engine on st with the configuration set changes.
func runEngineWith(b *testing.B, st store.Store, set func(*engine.Config)) (*engine.Engine, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	cfg := engine.Config{Store: st, Log: quiet, Metrics: engine.NewMetrics(reg),
		Classify: service.TaskClassifier("us-east-1", "123456789012"),
		Languages: map[string]workflow.Language{asl.LanguageName: asl.NewLanguage(asl.LanguageOptions{
			Options: asl.Options{MaxHistoryEvents: asl.DefaultMaxHistoryEvents}, Region: "us-east-1"})}}
	set(&cfg)
	eng, err := engine.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	return eng, reg
}

// finished reads baton_executions_finished_total from the registry.
func finished(b *testing.B, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "baton_executions_finished_total" {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func req(name, def string) service.StartRequest {
	return service.StartRequest{ExecutionArn: acct + "execution:bench:" + name, StateMachineArn: acct + "stateMachine:bench",
		StateMachineName: "bench", Name: name, Type: store.TypeStandard, Definition: def, Input: `{"k":"v"}`}
}

// runConcurrently starts n executions from `workers` goroutines and waits
// until the engine has finished them all (polling its metrics-free way: the
// store).
func startAll(b *testing.B, eng *engine.Engine, prefix, def string, n, workers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if _, err := eng.Start(context.Background(), req(fmt.Sprint(prefix, i), def)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkDurableTransitions: many concurrent executions of a 20-state
// Pass chain, full durability. Each execution's transitions are committed
// with their history in group commits; the metric counts state transitions
// (StateEntered events) stored per second.
func BenchmarkDurableTransitions(b *testing.B) {
	for _, dur := range []string{"full", "relaxed"} {
		b.Run(dur, func(b *testing.B) {
			eng, st := newEngine(b, b.TempDir(), dur)
			defer st.Close()
			defer eng.Close()
			transitions(b, eng, nil, "r", passChain(20), 20)
		})
	}
}

// transitions is the body of the transitions benchmarks on eng, of either
// store: per op, 64 clients start 1,000 executions of def, a chain of n
// states, named with prefix. With st, it also waits (reading st) for them
// to end. It reports transitions/s, and without st executions/s too.
func transitions(b *testing.B, eng *engine.Engine, st store.Store, prefix, def string, n int) {
	const perOp = 1000
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		startAll(b, eng, fmt.Sprintf("%s%d-", prefix, i), def, perOp, 64)
		if st != nil {
			waitDone(b, st, fmt.Sprintf("%s%d-", prefix, i), perOp)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*perOp*n)/el.Seconds(), "transitions/s")
	if st == nil {
		b.ReportMetric(float64(b.N*perOp)/el.Seconds(), "executions/s")
	}
}

// BenchmarkStepTransitions: executions whose every transition is its own
// commit (a chain of 0-second Wait states, each woken by the timer heap):
// the worst case for group commit.
func BenchmarkStepTransitions(b *testing.B) {
	eng, st := newEngine(b, b.TempDir(), "full")
	defer st.Close()
	defer eng.Close()
	transitions(b, eng, st, "w", waitChain(10), 10)
}

// waitChain is a chain of n 0-second Wait states.
func waitChain(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"StartAt":"W0","States":{`)
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"W%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&sb, `"W%d":{"Type":"Wait","Seconds":0,%s}`, i, next)
	}
	sb.WriteString(`}}`)
	return sb.String()
}

// waitDone polls the store until n executions named prefix0.. have ended.
func waitDone(b *testing.B, st store.Store, prefix string, n int) {
	deadline := time.Now().Add(5 * time.Minute)
	for i := 0; i < n; {
		ex, err := st.GetExecution(context.Background(), acct+"execution:bench:"+fmt.Sprint(prefix, i))
		if err == nil && ex.Status != "RUNNING" {
			i++
			continue
		}
		if time.Now().After(deadline) {
			b.Fatalf("execution %s%d did not end", prefix, i)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// sfnClient posts Step Functions API calls.
type sfnClient struct {
	url   string
	hc    *http.Client
	token string // a Baton token sent as a bearer, for servers with authentication on ("": none)
}

func newClient(addr string) *sfnClient {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	return &sfnClient{url: "http://" + addr + "/", hc: &http.Client{Transport: tr}}
}

func (c *sfnClient) call(op string, in any, out any) error {
	return c.post("AWSStepFunctions."+op, "application/x-amz-json-1.0", in, out)
}

// get reads a native API route as JSON.
func (c *sfnClient) get(path string, out any) error {
	r, _ := http.NewRequest("GET", strings.TrimSuffix(c.url, "/")+path, nil)
	return c.do(r, "GET "+path, out)
}

// post sends one AWS JSON API call.
func (c *sfnClient) post(target, contentType string, in any, out any) error {
	body, _ := json.Marshal(in)
	r, _ := http.NewRequest("POST", c.url, bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	r.Header.Set("Content-Type", contentType)
	return c.do(r, target, out)
}

// do sends r with the client's token and decodes a 200's JSON into out.
func (c *sfnClient) do(r *http.Request, what string, out any) error {
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", what, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func startServer(b *testing.B) (*server.Server, *sfnClient) {
	srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	return srv, newClient(srv.Addr())
}

func createMachine(b *testing.B, c *sfnClient, name, def string) string {
	var out struct{ StateMachineArn string }
	err := c.call("CreateStateMachine", map[string]any{"name": name, "definition": def, "roleArn": "arn:aws:iam::123456789012:role/bench"}, &out)
	if err != nil {
		b.Fatal(err)
	}
	return out.StateMachineArn
}

// BenchmarkStartExecutionAPI: StartExecution calls through the Step
// Functions HTTP API from 64 concurrent clients; each execution then waits
// an hour (it stays open).
func BenchmarkStartExecutionAPI(b *testing.B) {
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	arn := createMachine(b, c, "starts", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	startConcurrently(b, func(i int64) error {
		return c.call("StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint("e", i), "input": `{"i":1}`}, nil)
	})
}

// startConcurrently runs start(1..b.N) from 64 goroutines, as many clients
// would, and reports starts per second.
func startConcurrently(b *testing.B, start func(i int64) error) {
	b.ResetTimer()
	began := time.Now()
	runClients(b, 64, int64(b.N), start)
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "starts/s")
	b.StopTimer()
}

// runClients calls call(1..n) from `clients` goroutines, each taking the
// next number when done with its last, and returns when all are done (or
// one has failed the benchmark).
func runClients(b *testing.B, clients int, n int64, call func(i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				if err := call(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkDispatchLatency: one execution at a time with two activity
// tasks; an activity worker long-polls through the API. Measures the time
// from StartExecution to the first task reaching the worker, and from
// SendTaskSuccess of the first task to the second reaching the worker.
func BenchmarkDispatchLatency(b *testing.B) {
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	var act struct{ ActivityArn string }
	if err := c.call("CreateActivity", map[string]any{"name": "lat"}, &act); err != nil {
		b.Fatal(err)
	}
	def := fmt.Sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":%q,"Next":"B"},"B":{"Type":"Task","Resource":%q,"End":true}}}`, act.ActivityArn, act.ActivityArn)
	arn := createMachine(b, c, "latency", def)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tasks := pollers(ctx, c, act.ActivityArn)
	var first, next []time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if err := c.call("StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint("l", i), "input": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
		t := <-tasks
		first = append(first, t.at.Sub(t0))
		t1 := time.Now()
		if err := c.call("SendTaskSuccess", map[string]any{"taskToken": t.TaskToken, "output": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
		t = <-tasks
		next = append(next, t.at.Sub(t1))
		if err := c.call("SendTaskSuccess", map[string]any{"taskToken": t.TaskToken, "output": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	reportLatency(b, "start-to-task", first)
	reportLatency(b, "task-to-task", next)
}

// polledTask is an activity task as a worker got it, and when.
type polledTask struct {
	TaskToken string
	at        time.Time
}

// pollers starts four workers long-polling an activity, as a worker fleet
// would, until ctx ends; the tasks they get come out of the channel.
func pollers(ctx context.Context, c *sfnClient, activityArn string) <-chan polledTask {
	tasks := make(chan polledTask, 16)
	for range 4 {
		go func() {
			for ctx.Err() == nil {
				var t polledTask
				if err := c.call("GetActivityTask", map[string]any{"activityArn": activityArn, "workerName": "w"}, &t); err != nil {
					return
				}
				if t.TaskToken != "" {
					t.at = time.Now()
					tasks <- t
				}
			}
		}()
	}
	return tasks
}

// reportLatency reports the median and 99th percentile of d.
func reportLatency(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, name+"-p99-ms")
}

// BenchmarkOpenExecutions: 100,000 executions waiting in a Wait state.
// Reports the memory each costs the server (Go heap after GC, and the
// process RSS) and the time a restarted engine takes to resume them all
// (their timers back on the heap, ready to fire).
func BenchmarkOpenExecutions(b *testing.B) {
	n := 100000
	if s := os.Getenv("BATON_BENCH_OPEN"); s != "" {
		fmt.Sscan(s, &n)
	}
	for range b.N {
		dir := b.TempDir()
		eng, st := newEngine(b, dir, "relaxed")
		heap0, rss0 := memNow()
		startAll(b, eng, "o", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`, n, 64)
		heap1, rss1 := memNow()
		b.ReportMetric(float64(heap1-heap0)/float64(n), "heap-bytes/open-exec")
		b.ReportMetric(float64(rss1-rss0)/float64(n), "rss-bytes/open-exec")
		eng.Close()
		st.Close()
		t0 := time.Now()
		eng, st = newEngine(b, dir, "relaxed")
		b.ReportMetric(time.Since(t0).Seconds(), "resume-s")
		eng.Close()
		st.Close()
	}
}

func memNow() (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory() // return freed heap, so that RSS shows what is kept
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	data, _ := os.ReadFile("/proc/self/statm")
	var size, res uint64
	fmt.Sscan(string(data), &size, &res)
	return m.HeapAlloc, res * uint64(os.Getpagesize())
}

// BenchmarkResumeOpen: 100,000 executions wait 60 s in a Wait state; the
// server stops, and restarts once their timers are due. Reports the time from
// the restart until every one of them has resumed, run its next state and
// ended (each reloaded from its snapshot, applied, and committed).
func BenchmarkResumeOpen(b *testing.B) {
	n := 100000
	if s := os.Getenv("BATON_BENCH_OPEN"); s != "" {
		fmt.Sscan(s, &n)
	}
	for range b.N {
		dir := b.TempDir()
		clk := clock.NewFake(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
		eng, st := newEngineClock(b, dir, "full", clk)
		startAll(b, eng, "r", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, n, 64)
		eng.Close()
		st.Close()
		clk.Advance(61 * time.Second)
		t0 := time.Now()
		eng, st, reg := newEngineMetrics(b, dir, "full", clk)
		ready := time.Since(t0)
		for finished(b, reg) < float64(n) {
			time.Sleep(5 * time.Millisecond) // polling the engine's metrics
		}
		b.ReportMetric(ready.Seconds(), "ready-s")
		b.ReportMetric(time.Since(t0).Seconds(), "all-resumed-and-done-s")
		commits, commitSecs := commitStats(b, reg)
		b.ReportMetric(commits, "commits")
		b.ReportMetric(commitSecs, "commit-s")
		eng.Close()
		st.Close()
	}
}

// commitStats reads the number of group commits and the time spent in them.
func commitStats(b *testing.B, reg *prometheus.Registry) (n, secs float64) {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "baton_commit_seconds" {
			for _, m := range mf.GetMetric() {
				n += float64(m.GetHistogram().GetSampleCount())
				secs += m.GetHistogram().GetSampleSum()
			}
		}
	}
	return n, secs
}
