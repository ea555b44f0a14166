package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/runner"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

func machine(t *testing.T, src string) workflow.Program {
	t.Helper()
	def, err := asl.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Compile(def, asl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return asl.ProgramOf(m)
}

func resolver(t *testing.T) *tasks.Resolver {
	t.Helper()
	r, err := tasks.NewResolver(tasks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSkipWaitsKeepsRealTimeOrder: with --skip-waits, waits end at once but
// in the order and at the timestamps real time would give them.
func TestSkipWaitsKeepsRealTimeOrder(t *testing.T) {
	m := machine(t, `{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
  {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 3600, "End": true}}},
  {"StartAt": "Short", "States": {"Short": {"Type": "Wait", "Seconds": 60, "Next": "After"}, "After": {"Type": "Pass", "End": true}}}]}}}`)
	start := time.Now()
	res, err := runner.Run(context.Background(), m, workflow.Info{ID: "e", Input: map[string]any{}},
		runner.Options{Resolver: resolver(t), SkipWaits: true, KeepHistory: true})
	if err != nil {
		t.Fatal(err)
	}
	if wall := time.Since(start); wall > 10*time.Second {
		t.Fatalf("took %v of real time", wall)
	}
	if res.Status != asl.StatusSucceeded {
		t.Fatalf("status %s", res.Status)
	}
	exits := map[string]time.Time{}
	var order []string
	for _, e := range res.History {
		if e.Type == "WaitStateExited" {
			exits[e.Name] = e.Timestamp
			order = append(order, e.Name)
		}
	}
	if len(order) != 2 || order[0] != "Short" || order[1] != "Long" {
		t.Fatalf("wait exits in order %v, want [Short Long]", order)
	}
	begin := res.History[0].Timestamp
	if d := exits["Short"].Sub(begin); d < 60*time.Second || d > 61*time.Second {
		t.Errorf("Short ended %v after the start, want 60s", d)
	}
	if d := exits["Long"].Sub(begin); d < 3600*time.Second || d > 3601*time.Second {
		t.Errorf("Long ended %v after the start, want 1h", d)
	}
}

// TestShellTaskTimeout: a real process that outlives TimeoutSeconds is
// killed and the state fails with States.Timeout, which Catch handles.
func TestShellTaskTimeout(t *testing.T) {
	m := machine(t, `{"StartAt": "Slow", "States": {
  "Slow": {"Type": "Task", "Resource": "baton:shell", "TimeoutSeconds": 1,
    "Parameters": {"command": ["sleep", "30"]},
    "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}], "End": true},
  "TimedOut": {"Type": "Pass", "End": true}}}`)
	start := time.Now()
	res, err := runner.Run(context.Background(), m, workflow.Info{ID: "e", Input: map[string]any{}},
		runner.Options{Resolver: resolver(t)})
	if err != nil {
		t.Fatal(err)
	}
	if wall := time.Since(start); wall > 15*time.Second {
		t.Fatalf("the task was not stopped at its timeout: %v", wall)
	}
	out, _ := res.Outcome.Output.(map[string]any)
	errOut, _ := out["error"].(map[string]any)
	if res.Status != asl.StatusSucceeded || errOut["Error"] != "States.Timeout" {
		t.Fatalf("status %s output %v", res.Status, res.Outcome.Output)
	}
}

// TestInterruptAborts: cancelling the context aborts the execution and stops
// its running tasks.
func TestInterruptAborts(t *testing.T) {
	m := machine(t, `{"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "baton:shell",
  "Parameters": {"command": ["sleep", "30"]}, "End": true}}}`)
	ctx, cancel := context.WithCancel(context.Background())
	started := false
	res, err := runner.Run(ctx, m, workflow.Info{ID: "e", Input: map[string]any{}}, runner.Options{
		Resolver: resolver(t),
		OnCommand: func(c workflow.Command) {
			if _, ok := c.(workflow.RunTask); ok && !started {
				started = true
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != asl.StatusAborted {
		t.Fatalf("status %s", res.Status)
	}
}

// TestStoppedTaskGetsSIGTERM: a job that times out gets SIGTERM first, so
// that its trap can clean up, and the run waits for it.
func TestStoppedTaskGetsSIGTERM(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "cleaned-up")
	m := machine(t, `{"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "baton:shell", "TimeoutSeconds": 1,
  "Parameters": {"script": "trap 'echo bye > \"$MARKER\"; exit 1' TERM; while :; do sleep 0.05; done", "env": {"MARKER": "`+marker+`"}}, "End": true}}}`)
	res, err := runner.Run(context.Background(), m, workflow.Info{ID: "e", Input: map[string]any{}}, runner.Options{Resolver: resolver(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != asl.StatusFailed || res.Outcome.Error != asl.ErrTimeout {
		t.Fatalf("status %s error %s", res.Status, res.Outcome.Error)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the job's TERM trap did not run before the run ended: %v", err)
	}
}
