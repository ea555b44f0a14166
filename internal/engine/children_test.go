package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func TestChildSync(t *testing.T) {
	w := newWorld(t)
	child := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"from child","ResultPath":"$.r","End":true}}}`
	def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	  "Parameters":{"StateMachineArn":%q,"Input":{"x":1}},"OutputPath":"$.Output","End":true}}}`, child)
	ex := w.start("parent", def, `{}`)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"r":"from child","x":1}` {
		t.Fatalf("output %s", done.Output)
	}
}

func TestStopParentStopsSyncChild(t *testing.T) {
	w := newWorld(t)
	child := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
	  "Parameters":{"StateMachineArn":%q,"Input":{}},"End":true}}}`, child)
	ex := w.start("parent2", def, `{}`)
	task := w.openTask(ex.Arn)
	childArn := "arn:aws:states:us-east-1:123456789012:execution:child:baton-" + task.Token[:32]
	w.wait(childArn, "RUNNING")
	// The engine learns the child's ARN once StartChild returns.
	deadline := time.Now().Add(10 * time.Second)
	if _, err := w.eng.Stop(context.Background(), ex.Arn, "Manual", "stop"); err != nil {
		t.Fatal(err)
	}
	w.wait(ex.Arn, "ABORTED")
	for {
		c, _ := w.st.GetExecution(context.Background(), childArn)
		if c != nil && c.Status == "ABORTED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child not stopped: %+v", c)
		}
		time.Sleep(2 * time.Millisecond) // polling with a deadline
	}
}

// A .sync child waiting on a timer survives a restart of the server: its
// parent is completed once by the child's end.
func TestSyncChildSurvivesRestart(t *testing.T) {
	w := newRWorld(t, nil)
	child := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	  "Parameters":{"StateMachineArn":%q,"Input":{"c":1}},"OutputPath":"$.Output","End":true}}}`, child)
	ex := w.start("sparent", def, `{}`)
	task := w.openTask(ex.Arn)
	childArn := "arn:aws:states:us-east-1:123456789012:execution:child:baton-" + task.Token[:32]
	w.wait(childArn, "RUNNING")
	w.restart()
	w.advance(30 * time.Second)
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `{"c":1}` {
		t.Fatalf("output %s", done.Output)
	}
	h := strings.Join(w.history(ex.Arn), ",")
	if strings.Count(h, "TaskSucceeded") != 1 {
		t.Fatalf("history %s", h)
	}
	execs, _, _ := w.st.ListExecutions(context.Background(), store.ExecutionFilter{}, store.Page{})
	if len(execs) != 2 {
		t.Fatalf("%d executions (a second child?)", len(execs))
	}
}
