package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/bundle"
)

// BenchmarkPipelineStepLatency: a pipeline of 20 activity steps in a chain,
// deployed as a project, one run at a time; four workers long-poll the
// activity through the Step Functions API. Measures, durably (full
// durability, the default), the time from a step's end (SendTaskSuccess
// called) to the next step's task reaching a worker, and from StartExecution
// to the first step's task; the same figures as BenchmarkDispatchLatency
// for ASL, on a pipeline.
func BenchmarkPipelineStepLatency(b *testing.B) {
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	var act struct{ ActivityArn string }
	if err := c.call("CreateActivity", map[string]any{"name": "steps"}, &act); err != nil {
		b.Fatal(err)
	}
	const steps = 20
	var yaml strings.Builder
	yaml.WriteString("name: chain\nsteps:\n")
	for i := range steps {
		fmt.Fprintf(&yaml, "  - {name: s%d, type: activity, activity: steps", i)
		if i > 0 {
			fmt.Fprintf(&yaml, ", depends_on: [s%d]", i-1)
		}
		yaml.WriteString("}\n")
	}
	bun := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644, Data: []byte(yaml.String())}}}
	nc := client.New("http://" + srv.Addr())
	up, err := nc.UploadBundle(context.Background(), bun.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	dep, err := nc.DeployBundle(context.Background(), up.Digest, "")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tasks := pollers(ctx, c, act.ActivityArn)
	var first, next []time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if err := c.call("StartExecution", map[string]any{"stateMachineArn": dep.StateMachineArn, "name": fmt.Sprint("r", i), "input": `{}`}, nil); err != nil {
			b.Fatal(err)
		}
		t := <-tasks
		first = append(first, t.at.Sub(t0))
		for s := 1; s <= steps; s++ {
			t1 := time.Now()
			if err := c.call("SendTaskSuccess", map[string]any{"taskToken": t.TaskToken, "output": `{}`}, nil); err != nil {
				b.Fatal(err)
			}
			if s == steps {
				break
			}
			t = <-tasks
			next = append(next, t.at.Sub(t1))
		}
	}
	b.StopTimer()
	cancel()
	reportLatency(b, "start-to-step", first)
	reportLatency(b, "step-to-step", next)
}
