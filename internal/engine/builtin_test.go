package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

func TestBuiltinTaskAndRetry(t *testing.T) {
	w := newWorld(t)
	var calls atomic.Int32
	w.execs["zz:flaky"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if calls.Add(1) < 3 {
			return nil, &tasks.Failure{Name: "Flaky", Cause: "try again"}
		}
		return map[string]any{"attempt": r.Attempt}, nil
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:flaky","Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":5}],"End":true}}}`
	ex := w.start("flaky", def, `{}`)
	w.advance(time.Second)
	w.advance(2 * time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"attempt":2}` {
		t.Fatalf("output %s", done.Output)
	}
}

// TestBuiltinTaskLostInCrash: a built-in task running when the server dies
// fails with States.TaskFailed (cause Baton.TaskLost) after the restart; the
// state's Retry decides whether it runs again.
func TestBuiltinTaskLostInCrash(t *testing.T) {
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprint("retry=", retry), func(t *testing.T) {
			w := newWorld(t)
			var runs atomic.Int32
			block := make(chan struct{})
			defer close(block)
			w.execs["zz:slow"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
				if runs.Add(1) == 1 {
					select {
					case <-block:
					case <-ctx.Done():
						return nil, ctx.Err()
					}
				}
				return "done", nil
			})
			retrier := ""
			if retry {
				retrier = `,"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":2}]`
			}
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:slow","End":true` + retrier + `}}}`
			ex := w.start("crash", def, `{}`)
			w.openTask(ex.Arn)
			deadline := time.Now().Add(10 * time.Second)
			for runs.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // polling with a deadline
			}
			w.restart()
			if !retry {
				done := w.wait(ex.Arn, "FAILED")
				if done.Error != "States.TaskFailed" || done.Cause != engine.LostTaskCause || runs.Load() != 1 {
					t.Fatalf("%s: %s after %d runs", done.Error, done.Cause, runs.Load())
				}
				return
			}
			w.advance(time.Second)
			done := w.wait(ex.Arn, "SUCCEEDED")
			if done.Output != `"done"` || runs.Load() != 2 {
				t.Fatalf("output %s after %d runs", done.Output, runs.Load())
			}
		})
	}
}

// A built-in task that times out: its late result is ignored, the retry's
// result is applied, and the first run's context is cancelled.
func TestBuiltinResultAfterTimeoutIgnored(t *testing.T) {
	w := newWorld(t)
	var n atomic.Int32
	firstCancelled := make(chan struct{})
	w.execs["zz:slow"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if n.Add(1) == 1 {
			<-ctx.Done()
			close(firstCancelled)
			return "late", nil // ignores the cancellation: a late result
		}
		return "retry", nil
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:slow","TimeoutSeconds":5,
	  "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`
	ex := w.start("bto", def, `{}`)
	eventually(t, "the first run", func() bool { return n.Load() == 1 })
	w.advance(5 * time.Second)
	<-firstCancelled
	w.advance(time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `"retry"` {
		t.Fatalf("output %s", done.Output)
	}
	h := strings.Join(w.history(ex.Arn), ",")
	if strings.Count(h, "TaskSucceeded") != 1 || strings.Count(h, "TaskTimedOut") != 1 {
		t.Fatalf("history %s", h)
	}
}

// RunTestTask runs a task of a state tested on its own (TestState) on the
// executor of its resource.
func TestRunTestTask(t *testing.T) {
	w := newWorld(t)
	w.execs["zz:echo"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		if r.Timeout <= 0 || r.Timeout > 5*time.Minute {
			return nil, fmt.Errorf("timeout %s", r.Timeout)
		}
		return map[string]any{"got": r.Input}, nil
	})
	w.execs["zz:fail"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		return nil, &tasks.Failure{Name: "Custom", Cause: "why"}
	})
	w.execs["zz:err"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		return nil, errors.New("broken \n")
	})
	for _, tt := range []struct {
		resource string
		want     engine.TaskOutcome
	}{
		{"zz:echo", engine.TaskOutcome{OK: true, Output: map[string]any{"got": "in"}}},
		{"zz:fail", engine.TaskOutcome{Error: "Custom", Cause: "why"}},
		{"zz:err", engine.TaskOutcome{Error: engine.ErrTaskFailed, Cause: "broken"}},
		{"zz:none", engine.TaskOutcome{Error: engine.ErrNoExecutor, Cause: (&tasks.NoExecutorError{Resource: "zz:none"}).Error()}},
	} {
		got := w.eng.RunTestTask(context.Background(), workflow.RunTask{Resource: tt.resource, Input: "in", Timeout: time.Hour})
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.resource, got, tt.want)
		}
	}
}
