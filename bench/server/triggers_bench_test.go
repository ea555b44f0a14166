package server

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/service"
)

// deployYAML deploys a pipeline project holding one pipeline.yaml.
func deployYAML(b *testing.B, nc *client.Client, yaml string) string {
	bun := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644, Data: []byte(yaml)}}}
	up, err := nc.UploadBundle(context.Background(), bun.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	dep, err := nc.DeployBundle(context.Background(), up.Digest, "")
	if err != nil {
		b.Fatal(err)
	}
	return dep.StateMachineArn
}

// BenchmarkUpstreamTriggerLatency: pipeline "down" is triggered by the
// success of pipeline "up" (trigger.executions); each has one activity
// step, worked by pollers through the Step Functions API. Measures, durably,
// the time from up's last step ending (SendTaskSuccess called) to down's
// first step reaching a worker: up's end is stored with its status event,
// the triggers read it, store their decision, and start down.
func BenchmarkUpstreamTriggerLatency(b *testing.B) {
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	upstreamTriggerLatency(b, c, client.New("http://"+srv.Addr()))
}

// upstreamTriggerLatency runs BenchmarkUpstreamTriggerLatency through the
// server of c and nc.
func upstreamTriggerLatency(b *testing.B, c *sfnClient, nc *client.Client) {
	var upAct, downAct struct{ ActivityArn string }
	if err := c.call("CreateActivity", map[string]any{"name": "up-work"}, &upAct); err != nil {
		b.Fatal(err)
	}
	if err := c.call("CreateActivity", map[string]any{"name": "down-work"}, &downAct); err != nil {
		b.Fatal(err)
	}
	up := deployYAML(b, nc, "name: up\nsteps:\n  - {name: a, type: activity, activity: up-work}\n")
	deployYAML(b, nc, "name: down\ntrigger:\n  executions:\n    anyOf: [{name: up}]\nsteps:\n  - {name: b, type: activity, activity: down-work}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	upTasks, downTasks := pollers(ctx, c, upAct.ActivityArn), pollers(ctx, c, downAct.ActivityArn)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		if err := c.call("StartExecution", map[string]any{"stateMachineArn": up, "name": fmt.Sprint("u", i), "input": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
		t := <-upTasks
		t1 := time.Now()
		if err := c.call("SendTaskSuccess", map[string]any{"taskToken": t.TaskToken, "output": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
		d := <-downTasks
		lat = append(lat, d.at.Sub(t1))
		if err := c.call("SendTaskSuccess", map[string]any{"taskToken": d.TaskToken, "output": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	reportLatency(b, "upstream-to-step", lat)
}

// BenchmarkSchedules: BATON_BENCH_SCHEDULES pipelines (default 10,000),
// each with one schedule and one activity step that nobody works (so a run
// costs no process). "spread": their slots are spread evenly over a minute
// (rate(1 hour) anchored at its start, each start 60 s / n apart); reports
// how late each run started after its slot (p50, p99, max). "one-slot":
// they all share one slot; reports the time from the slot to the last run
// started. Deploying them takes a while first (not measured).
func BenchmarkSchedules(b *testing.B) {
	n := 10000
	if s := os.Getenv("BATON_BENCH_SCHEDULES"); s != "" {
		fmt.Sscan(s, &n)
	}
	for _, mode := range []string{"spread", "one-slot"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				benchSchedules(b, n, mode)
			}
		})
	}
}

func benchSchedules(b *testing.B, n int, mode string) {
	b.StopTimer()
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	if err := c.call("CreateActivity", map[string]any{"name": "idle"}, nil); err != nil {
		b.Fatal(err)
	}
	nc := client.New("http://" + srv.Addr())
	// Deploy time grows with n: start the slots after the deploys.
	t0 := time.Now().Add(30*time.Second + time.Duration(n)*6*time.Millisecond).Truncate(time.Second)
	slotOf := func(i int) time.Time {
		if mode == "one-slot" {
			return t0
		}
		return t0.Add(time.Duration(i) * time.Minute / time.Duration(n))
	}
	deployStart := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			def := fmt.Sprintf("name: s%d\ntrigger:\n  schedule: {cron: \"rate(1 hour)\", start: %s}\nsteps:\n  - {name: a, type: activity, activity: idle}\n",
				i, slotOf(i).UTC().Format(time.RFC3339Nano))
			deployYAML(b, nc, def)
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	if time.Now().After(t0) {
		b.Fatalf("deploying %d pipelines took %s, past the first slot: raise the margin", n, time.Since(deployStart))
	}
	b.Logf("deployed %d pipelines in %s", n, time.Since(deployStart).Round(time.Millisecond))
	last := slotOf(n - 1)
	time.Sleep(time.Until(last)) // the benchmark waits for the slots; nothing to poll before
	b.StartTimer()
	// Wait until every run exists, then read their start dates (asking
	// each workflow: a listing of every workflow's runs is bounded).
	starts := map[string]time.Time{}
	arnOf := func(i int) string { return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:stateMachine:s%d", i) }
	deadline := time.Now().Add(2 * time.Minute)
	for len(starts) < n && time.Now().Before(deadline) {
		for i := range n {
			if _, ok := starts[arnOf(i)]; ok {
				continue
			}
			out, err := srv.Service().ListExecutions(context.Background(), &service.ListExecutionsInput{StateMachineArn: arnOf(i), MaxResults: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Executions) > 0 {
				starts[arnOf(i)] = out.Executions[0].StartDate.Time
			}
		}
		if len(starts) < n {
			time.Sleep(200 * time.Millisecond) // polling, with the deadline above
		}
	}
	b.StopTimer()
	if len(starts) < n {
		b.Fatalf("%d of %d scheduled runs started", len(starts), n)
	}
	var late []time.Duration
	var lastStart time.Time
	for arn, st := range starts {
		var i int
		fmt.Sscanf(arn[strings.LastIndex(arn, ":s")+2:], "%d", &i)
		late = append(late, st.Sub(slotOf(i)))
		if st.After(lastStart) {
			lastStart = st
		}
	}
	if mode == "one-slot" {
		b.ReportMetric(lastStart.Sub(t0).Seconds(), "s-slot-to-last-start")
	}
	reportLatency(b, "late", late)
	b.ReportMetric(float64(slicesMax(late).Microseconds())/1000, "late-max-ms")
}

func slicesMax(d []time.Duration) time.Duration {
	m := d[0]
	for _, x := range d {
		m = max(m, x)
	}
	return m
}
