package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// callEvents posts one EventBridge API call (AWS JSON 1.1).
func (c *sfnClient) callEvents(op string, in any, out any) error {
	return c.post("AWSEvents."+op, "application/x-amz-json-1.1", in, out)
}

// BenchmarkPutEvents: PutEvents calls of 10 events from 32 concurrent
// clients (plain HTTP, as a load generator on another machine would send
// them), durably (full durability, the default), with 300 rules on the
// bus. "no-match": no rule matches (the events are only stored, and read
// by the rules and triggers consumers); "each-starts-a-run": every event
// matches one rule whose target, a Standard state machine, runs once per
// event. Reports events per second: stored and answered ("no-match"), or
// answered and their runs started ("each-starts-a-run", measured until the
// last run exists).
func BenchmarkPutEvents(b *testing.B) {
	for _, mode := range []string{"no-match", "each-starts-a-run"} {
		b.Run(mode, func(b *testing.B) {
			srv, c := startServer(b)
			defer srv.Shutdown(context.Background())
			sm := createMachine(b, c, "runs", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
			for i := range 300 {
				name := fmt.Sprintf("r%03d", i)
				pat := fmt.Sprintf(`{"source":["app.%s"],"detail":{"kind":[{"prefix":"k"}]}}`, name)
				if i == 0 {
					pat = `{"source":["hit"]}`
				}
				if err := c.callEvents("PutRule", map[string]any{"Name": name, "EventPattern": pat}, nil); err != nil {
					b.Fatal(err)
				}
				if err := c.callEvents("PutTargets", map[string]any{"Rule": name, "Targets": []map[string]any{{"Id": "t", "Arn": sm}}}, nil); err != nil {
					b.Fatal(err)
				}
			}
			source := "nobody"
			if mode == "each-starts-a-run" {
				source = "hit"
			}
			var seq atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			calls := (b.N + 9) / 10
			var next atomic.Int64
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(calls) {
						entries := make([]map[string]any, 10)
						for i := range entries {
							entries[i] = map[string]any{"Source": source, "DetailType": "T", "Detail": fmt.Sprintf(`{"kind":"x","n":%d}`, seq.Add(1))}
						}
						var out struct{ FailedEntryCount int }
						if err := c.callEvents("PutEvents", map[string]any{"Entries": entries}, &out); err != nil || out.FailedEntryCount != 0 {
							b.Errorf("PutEvents: %v (%d failed)", err, out.FailedEntryCount)
							return
						}
					}
				}()
			}
			wg.Wait()
			events := calls * 10
			if mode == "each-starts-a-run" {
				// Wait for every run (the rules consumer starts them).
				deadline := time.Now().Add(5 * time.Minute)
				for {
					n := 0
					tok := ""
					for {
						var out struct {
							Executions []any `json:"executions"`
							NextToken  string
						}
						in := map[string]any{"stateMachineArn": sm, "maxResults": 1000}
						if tok != "" {
							in["nextToken"] = tok
						}
						if err := c.call("ListExecutions", in, &out); err != nil {
							b.Fatal(err)
						}
						n += len(out.Executions)
						if tok = out.NextToken; tok == "" {
							break
						}
					}
					if n >= events || time.Now().After(deadline) {
						if n < events {
							b.Fatalf("%d of %d runs started", n, events)
						}
						break
					}
					time.Sleep(50 * time.Millisecond) // polling the list, with the deadline above
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
		})
	}
}
