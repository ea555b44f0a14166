package engine

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

// TestStopAbandonsAComputingCall: a Stop of an execution inside one long
// computation (a JSONata expression that recurses exponentially, which the
// interpreter cannot cut) answers without waiting for it: the execution is
// stopped from its last stored state, the result being applied is refused
// as no longer open, and what the computation produces is thrown away.
func TestStopAbandonsAComputingCall(t *testing.T) {
	w := newIWorld(t)
	def := `{"QueryLanguage":"JSONata","StartAt":"Gate","States":{
	  "Gate":{"Type":"Task","Resource":"` + iAct + `","Next":"Bomb"},
	  "Bomb":{"Type":"Pass","Output":"{% ($f := function($n){ $n > 18 ? 1 : $f($n+1) + $f($n+1) }; $f(0)) %}","End":true}}}`
	ex := w.start("bomb", def)
	ctx := context.Background()
	task, err := w.e.GetActivityTask(ctx, iAct, "w")
	if err != nil || task == nil {
		t.Fatalf("%v %v", task, err)
	}
	sent := make(chan error, 1)
	go func() { sent <- w.e.SendTaskSuccess(ctx, task.Token, `{}`) }()
	w.until("the result is being applied", func() bool {
		l := w.e.live[ex.Arn]
		return l != nil && l.stepping != nil
	})
	stopped, err := w.e.Stop(ctx, ex.Arn, "Halt", "stuck")
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status != "ABORTED" {
		t.Fatalf("the Stop waited for the computation: %s", stopped.Status)
	}
	// Other executions do not wait for the computation, which goes on
	// (abandoned) until it ends.
	other := w.start("other", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	w.waitStatus(other.Arn, "SUCCEEDED")
	computing := false
	w.inLoop(func() { computing = w.e.detached > 0 })
	if !computing {
		t.Fatal("the other execution waited for the computation")
	}
	if err := <-sent; err == nil {
		t.Fatal("the result of the abandoned call was accepted")
	} else if e, ok := apierr.As(err); !ok || e.Code != apierr.TaskTimedOut {
		t.Fatalf("SendTaskSuccess: %v", err)
	}
	row, err := w.st.GetExecution(ctx, ex.Arn)
	if err != nil || row.Status != "ABORTED" || row.Error != "Halt" {
		t.Fatalf("%+v %v", row, err)
	}
}

// TestNotReadyWhileTheLoopIsStuck: readiness is honest. While one round of
// the loop takes longer than the stall limit (here a blocked input stands in
// for what used to block it: an interpreter call run on the loop), the
// engine says it is not ready, and says it is again once the loop goes on.
func TestNotReadyWhileTheLoopIsStuck(t *testing.T) {
	w := newIWorld(t)
	w.e.stall = 50 * time.Millisecond
	if !w.e.Ready() {
		t.Fatal("not ready at the start")
	}
	release := make(chan struct{})
	if err := w.e.send(context.Background(), func() { <-release }); err != nil {
		t.Fatal(err)
	}
	readyIs := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for w.e.Ready() != want {
			if time.Now().After(deadline) {
				t.Fatalf("Ready() stayed %v", !want)
			}
			time.Sleep(time.Millisecond) // polling with a deadline
		}
	}
	readyIs(false)
	close(release)
	readyIs(true)
}
