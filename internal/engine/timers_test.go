package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitSurvivesRestart(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	ex := w.start("wait", def, `{"k":"v"}`)
	w.openNothing(ex.Arn)
	w.restart()
	w.advance(time.Hour)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"k":"v"}` {
		t.Fatalf("output %s", done.Output)
	}
	if n := strings.Count(strings.Join(w.history(ex.Arn), ","), "WaitStateExited"); n != 1 {
		t.Fatalf("WaitStateExited %d times", n)
	}
}

// A timer fires for an execution that is not in memory and loading it fails
// once (a transient store error): the load is retried and the timer
// applied, instead of being dropped with the failed load (which left the
// execution RUNNING until a restart).
func TestTimerKeptWhenLoadingItsExecutionFails(t *testing.T) {
	w := newRWorld(t, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	ex := w.start("flaky-load", def, `{}`)
	w.wait(ex.Arn, "RUNNING")
	var fail atomic.Bool
	fail.Store(true)
	var failed atomic.Int32
	w.hs.SetHook("GetExecution", func(ctx context.Context, arn string) error {
		if arn == ex.Arn && fail.CompareAndSwap(true, false) {
			failed.Add(1)
			return errors.New("database is locked (SQLITE_BUSY)")
		}
		return nil
	})
	// The execution is idle (evicted) once stored: wait until the engine
	// waits on the clock for the Wait timer.
	w.advance(60 * time.Second)
	eventually(t, "the failed load", func() bool { return failed.Load() == 1 })
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, _ := w.st.GetExecution(context.Background(), ex.Arn)
		if got != nil && got.Status == "SUCCEEDED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a transient load error lost the timer: the execution is %s (timers armed in the engine: %d)", got.Status, w.clk.Waiters())
		}
		w.clk.Advance(time.Second)   // a retry of the load, if any, may use the clock
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}
