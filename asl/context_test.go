package asl_test

import (
	"testing"

	"github.com/batonhq/baton/asl"
)

// $$.Task exists only in the Task state that has a token; after a
// .waitForTaskToken Task, the token stays on the frame and shows up in the
// context object of the following (non-Task) states.
func TestContextTaskTokenLeaksIntoNextState(t *testing.T) {
	m := compile(t, `{"StartAt":"Ask","States":{
 "Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"Next":"Show"},
 "Show":{"Type":"Pass","Parameters":{"ctx.$":"$$"},"End":true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	task := p.onlyTask(t)
	m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: map[string]any{}}, t0, &out)
	if x.Status != asl.StatusSucceeded {
		t.Fatalf("status %s %s", x.Status, x.Cause)
	}
	ctx := x.Output.(map[string]any)["ctx"].(map[string]any)
	if _, ok := ctx["Task"]; ok {
		t.Errorf("Pass state's context object has Task: %s", asl.MarshalJSON(ctx["Task"]))
	}
}

// A TaskStarted delivered twice is recorded twice (every other task event
// is deduplicated).
func TestDuplicateActivityStarted(t *testing.T) {
	m := compile(t, `{"StartAt": "Work", "States": {"Work": {"Type": "Task",
  "Resource": "arn:aws:states:us-east-1:123456789012:activity:etl", "End": true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	task := p.onlyTask(t)
	m.Apply(x, asl.TaskStarted{TaskID: task.TaskID, WorkerName: "w1"}, t0, &out)
	m.Apply(x, asl.TaskStarted{TaskID: task.TaskID, WorkerName: "w1"}, t0, &out)
	p.take(&out)
	n := 0
	for _, e := range p.events {
		if e == "ActivityStarted" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d ActivityStarted events for one task: %v", n, p.events)
	}
}
