package engine

import (
	"context"
	"testing"

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
	computing := func() bool {
		l := w.e.live[ex.Arn]
		return l != nil && l.stepping != nil
	}
	w.until("the result is being applied", computing)
	// Other executions do not wait for it.
	other := w.start("other", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	w.waitStatus(other.Arn, "SUCCEEDED")
	still := false
	w.inLoop(func() { still = computing() })
	if !still {
		t.Fatal("the other execution waited for the computation")
	}
	stopped, err := w.e.Stop(ctx, ex.Arn, "Halt", "stuck")
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status != "ABORTED" {
		t.Fatalf("the Stop waited for the computation: %s", stopped.Status)
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
