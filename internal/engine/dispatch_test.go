package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/tasks"
)

// A Parallel state whose one branch schedules a task (with a timeout timer)
// while another branch fails in the same transition: the task is scheduled
// and cancelled in one transition, so neither it nor its timer reaches the
// store, and a restart does not run it. (Found in review: the store applies
// deletions before additions, so both once stayed and the task ran again.)
func TestTaskCancelledInTheTransitionThatSchedulesItIsNeverStored(t *testing.T) {
	w := newWorld(t)
	var runs atomic.Int32
	w.execs["zz:side"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		runs.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:side","TimeoutSeconds":100,"End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"W"}],"End":true},
	 "W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	ex := w.start("samecancel", def, `{}`)
	w.wait(ex.Arn, "RUNNING")
	eventually(t, "the Wait state", func() bool {
		h := w.history(ex.Arn)
		return h[len(h)-1] == "WaitStateEntered"
	})
	if ts := w.tasksOf(ex.Arn); len(ts) != 0 {
		t.Errorf("the cancelled task is still open in the store: %+v", ts[0])
	}
	if tm := w.timersOf(ex.Arn); len(tm) != 1 {
		t.Errorf("want only the Wait timer, have %+v", tm)
	}
	before := runs.Load()
	w.restart()
	// After a restart the cancelled task must not run again.
	w.advance(time.Hour)
	w.wait(ex.Arn, "SUCCEEDED")
	if n := runs.Load(); n > before {
		t.Errorf("the cancelled task ran again after the restart (%d runs, %d before)", n, before)
	}
}

// A built-in task scheduled and cancelled in the same transition never
// reaches the worker pool, so it holds no worker and keeps its execution
// out of memory. (Found in review: it once ran to its end, uncancelled.)
func TestTaskCancelledInTheTransitionThatSchedulesItNeverRuns(t *testing.T) {
	w := newWorld(t)
	started := make(chan struct{}, 10)
	var cancelled atomic.Bool
	release := make(chan struct{})
	defer close(release)
	w.execs["zz:side"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			cancelled.Store(true)
			return nil, ctx.Err()
		case <-release:
			return "late", nil
		}
	})
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"zz:side","End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`
	ex := w.start("samecancel2", def, `{}`)
	w.wait(ex.Arn, "FAILED")
	select {
	case <-started:
	case <-time.After(time.Second): // no run at all is the correct outcome
		return
	}
	// It ran although its execution had failed: at least it must be cancelled.
	deadline := time.Now().Add(time.Second)
	for !cancelled.Load() {
		if time.Now().After(deadline) {
			t.Fatal("a task of a FAILED execution was started and is never cancelled")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// Same with an ending execution: the timer of a task scheduled in the
// transition that fails the execution is not left in the store.
func TestTaskOfTheFinalTransitionIsNeverStored(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"P","States":{
	 "P":{"Type":"Parallel","Branches":[
	   {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":100,"End":true}}},
	   {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`
	ex := w.start("endcancel", def, `{}`)
	w.wait(ex.Arn, "FAILED")
	if tm := w.timersOf(ex.Arn); len(tm) != 0 {
		t.Errorf("timers of a FAILED execution left in the store: %+v", tm)
	}
}

func TestNoExecutorFailsTask(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:nope","End":true}}}`
	ex := w.start("noexec", def, `{}`)
	done := w.wait(ex.Arn, "FAILED")
	if done.Error != engine.ErrNoExecutor {
		t.Fatalf("error %s: %s", done.Error, done.Cause)
	}
}
