package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
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
			var with, without float64
			if p%2 == 0 { // alternate which goes first
				without = notifyRun(b, receiver.URL, false)
				with = notifyRun(b, receiver.URL, true)
			} else {
				with = notifyRun(b, receiver.URL, true)
				without = notifyRun(b, receiver.URL, false)
			}
			ratios = append(ratios, with/without)
			b.Logf("pair %d: %.0f transitions/s without, %.0f with 10,000 queued (%.2f)", p+1, without, with, with/without)
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
		b.ReportMetric(ratios[0], "lowest-ratio")
	}
}

// notifyRun starts a server whose webhook connection points at receiver;
// with queued, 10,000 notifications wait for it (5,000 runs of a
// workflow telling their starts and outcomes). It returns the
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
	// Both runs have the same 5,000 earlier runs in the store; only the
	// one with notifications has 10,000 of them (a start and an outcome
	// each) waiting for the slow receiver while the measured runs go.
	noisy := createMachine(b, c, "noisy", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`)
	if queued {
		if _, err := nc.SetNotifications(ctx, noisy, &client.NotificationSettings{Type: "PIPELINE",
			Targets: []client.NotificationTarget{{Channel: "WEBHOOK", Addresses: []string{receiver}}}}); err != nil {
			b.Fatal(err)
		}
	}
	startMany(b, c, noisy, "n", 5000)
	waitFinished(b, c, noisy)
	// The event bus' consumers (notifications among them) have read every
	// event of those runs before the measure starts, in both runs.
	waitCaughtUp(b, srv.Addr())
	if queued {
		st, err := nc.NotificationStatus(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.Queued < 9000 { // the receiver takes 5 a second meanwhile
			b.Fatalf("%d notifications queued, want about 10,000", st.Queued)
		}
	}
	arn := createMachine(b, c, "bench", passChain(20))
	const n = 2000
	began := time.Now()
	startMany(b, c, arn, "r", n)
	waitFinished(b, c, arn)
	rate := float64(n*20) / time.Since(began).Seconds()
	if queued {
		st, err := nc.NotificationStatus(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d notifications still queued at the end", st.Queued)
	}
	return rate
}

// waitCaughtUp polls the server's metrics until no consumer of the event
// bus has a backlog.
func waitCaughtUp(b *testing.B, addr string) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		behind := false
		for line := range strings.Lines(string(body)) {
			if strings.HasPrefix(line, "baton_event_bus_backlog{") && !strings.HasSuffix(strings.TrimSpace(line), " 0") {
				behind = true
			}
		}
		if !behind {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("the event bus' consumers still behind after 3 minutes")
		}
		time.Sleep(10 * time.Millisecond) // polling the server's metrics
	}
}

// startMany starts n executions of arn from 64 clients.
func startMany(b *testing.B, c *sfnClient, arn, prefix string, n int) {
	runClients(b, 64, int64(n), func(i int64) error {
		return c.call("StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint(prefix, i), "input": "{}"}, nil)
	})
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
