package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/server"
)

// authClients is how many clients start executions at once in
// BenchmarkStartExecutionAuth.
const authClients = 16

// BenchmarkStartExecutionAuth: StartExecution/s with authentication on
// against the same load with it off (issue 13 §6: within 10%), in
// alternating pairs. Two servers run side by side, one with --auth off and
// one with --auth on, each with a one-state Pass machine (Standard). A pair
// is one load on each, the "off" one first in odd pairs, the "on" one first
// in even ones (BATON_BENCH_PAIRS pairs, default 5). A load is 16 clients
// starting BATON_BENCH_STARTS executions (default 2,000) through
//
//   - the AWS SDK for Go v2 (sfn, one shared client): with authentication on
//     it signs with an access key (operator of "default") made through the
//     native API, and the server verifies each SigV4 signature; off, it
//     signs with static credentials the server ignores;
//   - then the native API (POST /api/v1/workflows/{name}/executions): on,
//     with an operator token of "default" as a bearer; off, with none;
//
// each followed, outside the measure, by a wait until the executions have
// ended. Short loads taken in turn on two live servers see the same
// neighbours (other work on the machine comes and goes over seconds), and
// both stores grow alike.
//
// Roles are checked per route in both modes (off, every caller holds every
// role), so the difference is what authentication costs: verifying the
// credential. It prints both figures of every pair and reports, per path, the
// median and the lowest of the ratios on/off. It also prints the CPU time
// this process (clients and servers) spent per start during each load, and
// reports the median ratio of those on/off: the cost of authentication
// itself, less disturbed by other work than wall-clock rates. Everything a
// server runs, and the clients of its loads, carry the profiler label
// auth=on|off: with -cpuprofile, go tool pprof -tagfocus auth=on (or off)
// separates the two.
func BenchmarkStartExecutionAuth(b *testing.B) {
	pairs := 5
	if v, err := strconv.Atoi(os.Getenv("BATON_BENCH_PAIRS")); err == nil && v > 0 {
		pairs = v
	}
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("BATON_BENCH_STARTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		off, on := newAuthBench(b, "off"), newAuthBench(b, "on")
		var sdkRatios, nativeRatios, sdkCPU, nativeCPU []float64
		for p := range pairs {
			prefix := fmt.Sprint("p", p, "-")
			var roff, ron authRates
			first := "on"
			if p%2 == 0 { // alternate which goes first
				first = "off"
				roff, ron = off.load(b, prefix, n), on.load(b, prefix, n)
			} else {
				ron, roff = on.load(b, prefix, n), off.load(b, prefix, n)
			}
			sdkRatios = append(sdkRatios, ron.sdk/roff.sdk)
			nativeRatios = append(nativeRatios, ron.native/roff.native)
			sdkCPU = append(sdkCPU, ron.sdkCPU/roff.sdkCPU)
			nativeCPU = append(nativeCPU, ron.nativeCPU/roff.nativeCPU)
			// Printed, not b.Logf: go test keeps only the first ten lines of a
			// benchmark's log.
			fmt.Printf("pair %d (%s first): SDK %.0f starts/s off, %.0f on (%.3f), CPU %.0f µs/start off, %.0f on; "+
				"native %.0f starts/s off, %.0f on (%.3f), CPU %.0f µs/start off, %.0f on\n",
				p+1, first, roff.sdk, ron.sdk, ron.sdk/roff.sdk, roff.sdkCPU, ron.sdkCPU,
				roff.native, ron.native, ron.native/roff.native, roff.nativeCPU, ron.nativeCPU)
		}
		off.close()
		on.close()
		slices.Sort(sdkRatios)
		slices.Sort(nativeRatios)
		slices.Sort(sdkCPU)
		slices.Sort(nativeCPU)
		b.ReportMetric(median(sdkRatios), "sdk-median-ratio")
		b.ReportMetric(sdkRatios[0], "sdk-lowest-ratio")
		b.ReportMetric(median(nativeRatios), "native-median-ratio")
		b.ReportMetric(nativeRatios[0], "native-lowest-ratio")
		b.ReportMetric(median(sdkCPU), "sdk-cpu-median-ratio")
		b.ReportMetric(median(nativeCPU), "native-cpu-median-ratio")
	}
}

// median of sorted values.
func median(sorted []float64) float64 {
	m := len(sorted) / 2
	if len(sorted)%2 == 0 {
		return (sorted[m-1] + sorted[m]) / 2
	}
	return sorted[m]
}

// authRates are one load's starts/s through each path, and the process'
// CPU time per start in µs.
type authRates struct{ sdk, native, sdkCPU, nativeCPU float64 }

// authBench is a server with authentication on or off and its clients.
type authBench struct {
	mode   string
	labels context.Context // carries the profiler label auth=mode
	srv    *server.Server
	c      *sfnClient     // set-up and polling (the admin token when on)
	sdk    *sfn.Client    // an access key when on
	nc     *client.Client // an operator token when on
	arn    string
}

const authMachine = "auth-starts"

// newAuthBench starts a server with authentication mode ("on" or "off"),
// and, when on, makes the access key and the token the loads use through
// the native API, with the bootstrap admin token.
func newAuthBench(b *testing.B, mode string) *authBench {
	t := &authBench{mode: mode, labels: pprof.WithLabels(context.Background(), pprof.Labels("auth", mode))}
	pprof.SetGoroutineLabels(t.labels) // the server's goroutines inherit it
	defer pprof.SetGoroutineLabels(context.Background())
	dir := b.TempDir()
	srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: dir, Log: quiet,
		Auth: server.AuthConfig{Mode: mode}})
	if err != nil {
		b.Fatal(err)
	}
	t.srv = srv
	ctx := context.Background()
	base := "http://" + srv.Addr()
	t.c = newClient(srv.Addr())
	keyID, secret, token := "AKIDBENCH", "bench-secret", ""
	if mode == "on" {
		admin, err := os.ReadFile(filepath.Join(dir, "admin.token"))
		if err != nil {
			b.Fatal(err)
		}
		t.c.token = strings.TrimSpace(string(admin))
		nc := client.New(base, client.WithToken(t.c.token))
		operator := []client.RoleGrant{{Namespace: "default", Role: "operator"}}
		key, err := nc.CreateAccessKey(ctx, client.CreateCredentialInput{Name: "bench sdk", Roles: operator})
		if err != nil {
			b.Fatal(err)
		}
		keyID, secret = key.ID, key.SecretAccessKey
		tok, err := nc.CreateToken(ctx, client.CreateCredentialInput{Name: "bench native", Roles: operator})
		if err != nil {
			b.Fatal(err)
		}
		token = tok.Token
	}
	t.arn = createMachine(b, t.c, authMachine, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	t.sdk = sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(base),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		HTTPClient:   &http.Client{Transport: benchTransport()},
		Retryer:      aws.NopRetryer{}, // count errors, do not hide them
	})
	t.nc = client.New(base, client.WithToken(token), client.WithHTTPClient(&http.Client{Transport: benchTransport()}))
	return t
}

func (t *authBench) close() { t.srv.Shutdown(context.Background()) }

// load starts n executions through the SDK, waits for them to end, then n
// through the native API, and waits again; it returns both rates.
func (t *authBench) load(b *testing.B, prefix string, n int) (rates authRates) {
	pprof.Do(context.Background(), pprof.Labels("auth", t.mode), func(ctx context.Context) {
		rates.sdk, rates.sdkCPU = startsPerSecond(b, n, func(i int64) error {
			_, err := t.sdk.StartExecution(ctx, &sfn.StartExecutionInput{
				StateMachineArn: aws.String(t.arn), Name: aws.String(fmt.Sprint(prefix, "s", i)), Input: aws.String(`{"i":1}`),
			})
			return err
		})
		waitFinished(b, t.c, t.arn)
		rates.native, rates.nativeCPU = startsPerSecond(b, n, func(i int64) error {
			_, err := t.nc.StartExecution(ctx, authMachine, client.StartExecutionInput{Name: fmt.Sprint(prefix, "n", i), Input: map[string]int{"i": 1}})
			return err
		})
		waitFinished(b, t.c, t.arn)
	})
	return rates
}

// benchTransport keeps a connection per client open.
func benchTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	return tr
}

// startsPerSecond runs start(1..n) from authClients goroutines and returns
// the rate, and the CPU time of the process per start in µs.
func startsPerSecond(b *testing.B, n int, start func(i int64) error) (rate, cpu float64) {
	cpu0 := processCPU()
	began := time.Now()
	runClients(b, authClients, int64(n), start)
	el := time.Since(began)
	return float64(n) / el.Seconds(), float64((processCPU() - cpu0).Microseconds()) / float64(n)
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
