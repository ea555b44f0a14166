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
	"sync"
	"sync/atomic"
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
// alternating pairs (BATON_BENCH_PAIRS, default 5; the first run of a pair
// is "off" in odd pairs, "on" in even ones). Each run is a fresh server;
// 16 clients start BATON_BENCH_STARTS (default 5,000) executions of a
// one-state Pass machine (Standard) through
//
//   - the AWS SDK for Go v2 (sfn, one shared client): with authentication on
//     it signs with an access key (operator of "default") made through the
//     native API, and the server verifies each SigV4 signature; off, it
//     signs with static credentials the server ignores;
//   - the native API (POST /api/v1/workflows/{name}/executions): on, with an
//     operator token of "default" as a bearer; off, with none.
//
// Roles are checked per route in both modes (off, every caller holds every
// role), so the difference is what authentication costs: verifying the
// credential. It logs both figures of every pair and reports, per path, the
// median and the lowest of the ratios on/off. Since other work shares the
// machine's cores and moves wall-clock rates by tens of percent, it also
// logs the CPU time this process (clients and server both) spent per start
// during each load, and reports the median ratio of those on/off: the cost
// of authentication itself, less disturbed by the neighbours.
func BenchmarkStartExecutionAuth(b *testing.B) {
	pairs := 5
	if v, err := strconv.Atoi(os.Getenv("BATON_BENCH_PAIRS")); err == nil && v > 0 {
		pairs = v
	}
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("BATON_BENCH_STARTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		var sdkRatios, nativeRatios, sdkCPU, nativeCPU []float64
		for p := range pairs {
			var off, on authRates
			if p%2 == 0 { // alternate which goes first
				off = authRun(b, false, n)
				on = authRun(b, true, n)
			} else {
				on = authRun(b, true, n)
				off = authRun(b, false, n)
			}
			sdkRatios = append(sdkRatios, on.sdk/off.sdk)
			nativeRatios = append(nativeRatios, on.native/off.native)
			sdkCPU = append(sdkCPU, on.sdkCPU/off.sdkCPU)
			nativeCPU = append(nativeCPU, on.nativeCPU/off.nativeCPU)
			first := "on"
			if p%2 == 0 {
				first = "off"
			}
			b.Logf("pair %d (%s first): SDK %.0f starts/s off, %.0f on (%.3f), CPU %.0f µs/start off, %.0f on; "+
				"native %.0f starts/s off, %.0f on (%.3f), CPU %.0f µs/start off, %.0f on",
				p+1, first, off.sdk, on.sdk, on.sdk/off.sdk, off.sdkCPU, on.sdkCPU,
				off.native, on.native, on.native/off.native, off.nativeCPU, on.nativeCPU)
		}
		slices.Sort(sdkRatios)
		slices.Sort(nativeRatios)
		b.ReportMetric(median(sdkRatios), "sdk-median-ratio")
		b.ReportMetric(sdkRatios[0], "sdk-lowest-ratio")
		b.ReportMetric(median(nativeRatios), "native-median-ratio")
		b.ReportMetric(nativeRatios[0], "native-lowest-ratio")
		slices.Sort(sdkCPU)
		slices.Sort(nativeCPU)
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

// authRates are one run's starts/s through each path, and the process'
// CPU time per start in µs.
type authRates struct{ sdk, native, sdkCPU, nativeCPU float64 }

// authRun starts a server with authentication on or off, starts n
// executions through the SDK, waits for them to end, then n through the
// native API, and returns both rates.
// Everything it runs, the server's goroutines included, carries the
// profiler label auth=on|off: go test -cpuprofile, then go tool pprof
// -tagfocus auth=on (or off) separates the two.
func authRun(b *testing.B, on bool, n int) (rates authRates) {
	mode := "off"
	if on {
		mode = "on"
	}
	pprof.Do(context.Background(), pprof.Labels("auth", mode), func(ctx context.Context) {
		rates = authRunLabelled(ctx, b, mode, n)
	})
	return rates
}

func authRunLabelled(ctx context.Context, b *testing.B, mode string, n int) authRates {
	dir := b.TempDir()
	on := mode == "on"
	srv, err := server.Start(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: dir, Log: quiet,
		Auth: server.AuthConfig{Mode: mode}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	base := "http://" + srv.Addr()
	c := newClient(srv.Addr())
	keyID, secret := "AKIDBENCH", "bench-secret"
	var token string
	if on {
		admin, err := os.ReadFile(filepath.Join(dir, "admin.token"))
		if err != nil {
			b.Fatal(err)
		}
		c.token = strings.TrimSpace(string(admin))
		nc := client.New(base, client.WithToken(c.token))
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
	arn := createMachine(b, c, "auth-starts", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)

	sdk := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(base),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		HTTPClient:   &http.Client{Transport: benchTransport()},
		Retryer:      aws.NopRetryer{}, // count errors, do not hide them
	})
	var rates authRates
	rates.sdk, rates.sdkCPU = startsPerSecond(b, n, func(i int64) error {
		_, err := sdk.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(arn), Name: aws.String(fmt.Sprint("s", i)), Input: aws.String(`{"i":1}`),
		})
		return err
	})
	waitFinished(b, c, arn)

	nc := client.New(base, client.WithToken(token), client.WithHTTPClient(&http.Client{Transport: benchTransport()}))
	rates.native, rates.nativeCPU = startsPerSecond(b, n, func(i int64) error {
		_, err := nc.StartExecution(ctx, "auth-starts", client.StartExecutionInput{Name: fmt.Sprint("n", i), Input: map[string]int{"i": 1}})
		return err
	})
	waitFinished(b, c, arn)
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
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := processCPU()
	began := time.Now()
	for range authClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := start(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
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
