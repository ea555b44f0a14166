package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// gatedPipeline is a pipeline whose one step waits until the file gate
// exists, with max_active_runs 1 and the given on_limit.
func gatedPipeline(name, gate, onLimit string) map[string]string {
	return map[string]string{"pipeline.yaml": `name: ` + name + `
max_active_runs: 1
on_limit: ` + onLimit + `
defaults:
  retry: {retries: 3, interval: 1s, on: [States.TaskFailed]}
steps:
  - name: work
    script: |
      while [ ! -f ` + gate + ` ]; do sleep 0.05; done
      echo '{"done": true}' > "$BATON_OUTPUT"
`}
}

// waitExecStatus polls an execution until it has the status want.
func waitExecStatus(t *testing.T, c *sfn.Client, arn string, want types.ExecutionStatus) {
	t.Helper()
	waitFor(t, execTimeout, arn+" "+string(want), func() (bool, string) {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return false, err.Error()
		}
		return d.Status == want, string(d.Status)
	})
}

// TestMaxActiveRunsQueue: past max_active_runs a run is QUEUED (listed and
// described so) and runs when the running one ends, also across a kill -9
// of the server; on_limit: skip refuses the start; cancel_oldest stops the
// oldest run and runs the new one.
func TestMaxActiveRunsQueue(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	sm := deployProjectFiles(t, srv, gatedPipeline("queued", gate, "queue"))
	first := start(t, c, sm, "first", `{}`)
	waitExecStatus(t, c, first, types.ExecutionStatusRunning)
	second := start(t, c, sm, "second", `{}`)
	third := start(t, c, sm, "third", `{}`)
	waitExecStatus(t, c, second, "QUEUED")
	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "QUEUED"})
	must(t, err, "ListExecutions QUEUED")
	if len(list.Executions) != 2 {
		t.Fatalf("QUEUED runs listed: %d, want 2", len(list.Executions))
	}
	// A stopped queued run ends at once; the others keep their places.
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(third), Error: aws.String("NotNeeded")})
	must(t, err, "StopExecution of a queued run")
	waitExecStatus(t, c, third, types.ExecutionStatusAborted)

	srv.kill()
	srv.start()
	waitExecStatus(t, c, second, "QUEUED")
	must(t, os.WriteFile(gate, nil, 0o644), "open the gate")
	succeeded(t, c, first, `{"work": {"done": true}}`)
	waitExecStatus(t, c, second, types.ExecutionStatusSucceeded) // a QUEUED run is not ended
	succeeded(t, c, second, `{"work": {"done": true}}`)

	// skip: refused while one runs.
	gate2 := filepath.Join(dir, "gate2")
	skip := deployProjectFiles(t, srv, gatedPipeline("skipped", gate2, "skip"))
	running := start(t, c, skip, "running", `{}`)
	waitExecStatus(t, c, running, types.ExecutionStatusRunning)
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(skip), Name: aws.String("refused")})
	if err == nil || !strings.Contains(err.Error(), "ExecutionLimitExceeded") {
		t.Fatalf("a start past max_active_runs with on_limit skip: %v, want ExecutionLimitExceeded", err)
	}
	// cancel_oldest: the running one is stopped, the new one runs.
	gate3 := filepath.Join(dir, "gate3")
	cancel := deployProjectFiles(t, srv, gatedPipeline("cancelling", gate3, "cancel_oldest"))
	old := start(t, c, cancel, "old", `{}`)
	waitExecStatus(t, c, old, types.ExecutionStatusRunning)
	newer := start(t, c, cancel, "newer", `{}`)
	waitExecStatus(t, c, old, types.ExecutionStatusAborted)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(old)})
	must(t, err, "describe")
	if aws.ToString(d.Error) != "Baton.Superseded" {
		t.Errorf("the cancelled run's error %q, want Baton.Superseded", aws.ToString(d.Error))
	}
	must(t, os.WriteFile(gate2, nil, 0o644), "open gate 2")
	must(t, os.WriteFile(gate3, nil, 0o644), "open gate 3")
	waitExecStatus(t, c, newer, types.ExecutionStatusSucceeded) // a QUEUED run is not ended
	succeeded(t, c, newer, `{"work": {"done": true}}`)
	waitExecStatus(t, c, running, types.ExecutionStatusSucceeded) // a QUEUED run is not ended
	succeeded(t, c, running, `{"work": {"done": true}}`)
}
