package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/server"
)

// BenchmarkTransitionsWithNotifications: durable transitions/s through the
// Step Functions API (64 clients start executions of a 20-state Pass
// chain, repeated until 2,000 have finished) on a server with 10,000
// notifications queued for a slow webhook receiver (200 ms an answer),
// and on the same server set-up without, in alternating pairs
// (BATON_BENCH_PAIRS, default 5). It reports the median of the ratios:
// notification work must not slow executions.
func BenchmarkTransitionsWithNotifications(b *testing.B) {
	pairs := 5
	if v, err := strconv.Atoi(os.Getenv("BATON_BENCH_PAIRS")); err == nil && v > 0 {
		pairs = v
	}
	var slow atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slow.Add(1)
		time.Sleep(200 * time.Millisecond) // the receiver is slow: that is what is measured
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	for range b.N {
		var ratios []float64
		for p := range pairs {
			without := notifyRun(b, receiver.URL, false)
			with := notifyRun(b, receiver.URL, true)
			ratios = append(ratios, with/without)
			b.Logf("pair %d: %.0f transitions/s without, %.0f with 10,000 queued (%.2f)", p+1, without, with, with/without)
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
		b.ReportMetric(ratios[0], "lowest-ratio")
	}
}

// notifyRun starts a server whose webhook connection points at receiver;
// with queued, it first has 10,000 notifications waiting for it (5,000
// runs of a workflow telling its starts and outcomes). It returns the
// transitions/s of the measured executions.
func notifyRun(b *testing.B, receiver string, queued bool) float64 {
	dir := b.TempDir()
	conf, err := config.Parse("bench.yaml", []byte("connections:\n  hooks:\n    type: webhook\n    secret: env:HOOK_SECRET\n    allow_private: true\n"),
		config.Sources{LookupEnv: func(string) (string, bool) { return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true }})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: dir, Log: quiet, Connections: conf,
		Notify: server.NotifyConfig{MaxRuns: 1 << 30}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	c := newClient(srv.Addr())
	nc := client.New("http://" + srv.Addr())
	ctx := context.Background()
	if queued {
		arn := createMachine(b, c, "noisy", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		if _, err := nc.SetNotifications(ctx, arn, &client.NotificationSettings{Type: "PIPELINE",
			Targets: []client.NotificationTarget{{Channel: "WEBHOOK", Addresses: []string{receiver}}}}); err != nil {
			b.Fatal(err)
		}
		startMany(b, c, arn, "n", 5000)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			st, err := nc.NotificationStatus(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if st.Queued >= 9990 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d notifications queued after 2 minutes, want 10,000", st.Queued)
			}
			time.Sleep(10 * time.Millisecond) // polling the server's status
		}
	}
	arn := createMachine(b, c, "bench", passChain(20))
	const n = 2000
	began := time.Now()
	startMany(b, c, arn, "r", n)
	waitFinished(b, c, arn)
	return float64(n*20) / time.Since(began).Seconds()
}

// startMany starts n executions of arn from 64 clients.
func startMany(b *testing.B, c *sfnClient, arn, prefix string, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := c.call("StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint(prefix, i), "input": "{}"}, nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// waitFinished polls until no execution of arn runs.
func waitFinished(b *testing.B, c *sfnClient, arn string) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var out struct{ Executions []struct{} }
		if err := c.call("ListExecutions", map[string]any{"stateMachineArn": arn, "statusFilter": "RUNNING", "maxResults": 1}, &out); err != nil {
			b.Fatal(err)
		}
		if len(out.Executions) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("executions still running after 2 minutes")
		}
		time.Sleep(2 * time.Millisecond) // polling the server
	}
}
