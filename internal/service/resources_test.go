package service

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

func TestTaskClassifier(t *testing.T) {
	classify := TaskClassifier("eu-west-3", "111122223333")
	for _, tt := range []struct {
		resource string
		want     engine.TaskClass
	}{
		{"baton:shell", engine.TaskClass{Kind: store.TaskBuiltin}},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", engine.TaskClass{Kind: store.TaskBuiltin}},
		{"arn:aws:states:us-east-1:123456789012:activity:work", engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:aws:states:us-east-1:123456789012:activity:work"}},
		{"arn:aws:states:::activity:work", engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:aws:states:eu-west-3:111122223333:activity:work"}},
		{"arn:aws:states:::states:startExecution", engine.TaskClass{Kind: store.TaskChild}},
		{"arn:aws:states:::states:startExecution.sync", engine.TaskClass{Kind: store.TaskChild, WaitChild: true}},
		{"arn:aws:states:::states:startExecution.sync:2", engine.TaskClass{Kind: store.TaskChild, WaitChild: true}},
		{"arn:aws:states:::states:startExecution.waitForTaskToken", engine.TaskClass{Kind: store.TaskChild, Callback: true}},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", engine.TaskClass{Kind: store.TaskCallback, Run: "arn:aws:states:::sqs:sendMessage"}},
		{"baton:shell.waitForTaskToken", engine.TaskClass{Kind: store.TaskCallback, Run: "baton:shell"}},
		{"baton:step:activity:work", engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:aws:states:eu-west-3:111122223333:activity:work"}},
		{"baton:step:activity:arn:aws:states:us-east-1:123456789012:activity:work", engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:aws:states:us-east-1:123456789012:activity:work"}},
		{"baton:step:workflow", engine.TaskClass{Kind: store.TaskChild, WaitChild: true}},
	} {
		if got := classify("", tt.resource); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.resource, got, tt.want)
		}
	}
}

func TestChildOutcome(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	child := &store.Execution{Arn: "c", StateMachineArn: "sm", Name: "n", Status: workflow.StatusSucceeded,
		StartDate: start, StopDate: start.Add(time.Second), Input: `{"i":1}`, Output: `{"o":2}`}
	failed := *child
	failed.Status, failed.Error, failed.Cause, failed.Output = workflow.StatusFailed, "E", "C", ""
	const sx = "arn:aws:states:::states:startExecution"
	for _, tt := range []struct {
		name, resource string
		child          *store.Execution
		err            error
		want           string // the outcome as JSON
	}{
		{"started", sx, child, nil, `{"ok":true,"out":{"ExecutionArn":"c","StartDate":"2026-01-02T03:04:05.600Z"}}`},
		{"sync", sx + ".sync", child, nil, `{"ok":true,"out":{"ExecutionArn":"c","Input":"{\"i\":1}","InputDetails":{"Included":true},"Name":"n","Output":"{\"o\":2}","OutputDetails":{"Included":true},"StartDate":"2026-01-02T03:04:05.600Z","StateMachineArn":"sm","Status":"SUCCEEDED","StopDate":"2026-01-02T03:04:06.600Z"}}`},
		{"sync:2", sx + ".sync:2", child, nil, `{"ok":true,"out":{"ExecutionArn":"c","Input":{"i":1},"InputDetails":{"Included":true},"Name":"n","Output":{"o":2},"OutputDetails":{"Included":true},"StartDate":"2026-01-02T03:04:05.600Z","StateMachineArn":"sm","Status":"SUCCEEDED","StopDate":"2026-01-02T03:04:06.600Z"}}`},
		{"sync failed", sx + ".sync", &failed, nil, `{"cause":"{\"Cause\":\"C\",\"Error\":\"E\",\"ExecutionArn\":\"c\",\"Input\":\"{\\\"i\\\":1}\",\"InputDetails\":{\"Included\":true},\"Name\":\"n\",\"StartDate\":\"2026-01-02T03:04:05.600Z\",\"StateMachineArn\":\"sm\",\"Status\":\"FAILED\",\"StopDate\":\"2026-01-02T03:04:06.600Z\"}","error":"States.TaskFailed"}`},
		{"refused", sx, nil, apierr.New(apierr.StateMachineDoesNotExist, "no"), `{"cause":"no","error":"StepFunctions.StateMachineDoesNotExistException"}`},
		{"refused exception", sx, nil, apierr.New(apierr.ValidationException, "bad"), `{"cause":"bad","error":"StepFunctions.ValidationException"}`},
		{"failed", sx, nil, errTest, `{"cause":"boom","error":"States.TaskFailed"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := ChildOutcome(tt.resource, tt.child, tt.err)
			m := map[string]any{}
			if o.OK {
				m["ok"], m["out"] = true, o.Output
			} else {
				m["error"], m["cause"] = o.Error, o.Cause
			}
			if got := string(workflow.MarshalJSON(m)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

var errTest = testError("boom")

type testError string

func (e testError) Error() string { return string(e) }

// CreateStateMachine records its definition as ASL, its versions keep the
// language, and executions of either go to the engine with it.
func TestStateMachinesAreASL(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	out := e.mkSM(t, &CreateStateMachineInput{Name: "lang", Definition: passDef, Publish: true})
	sm, err := e.st.GetStateMachine(ctx, out.StateMachineArn)
	if err != nil || sm.Language != "asl" {
		t.Fatalf("state machine: %+v, %v", sm, err)
	}
	v, err := e.st.GetVersion(ctx, out.StateMachineVersionArn)
	if err != nil || v.Language != "asl" {
		t.Fatalf("version: %+v, %v", v, err)
	}
	for _, arn := range []string{out.StateMachineArn, out.StateMachineVersionArn} {
		if _, err := e.svc.StartExecution(ctx, &StartExecutionInput{StateMachineArn: arn}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range e.eng.starts {
		if r.Language != "asl" {
			t.Errorf("start of %s: language %q", r.StateMachineArn, r.Language)
		}
	}
}

// TestTaskClassifierInNamespaces: an activity named without an account is the one of
// the execution's namespace (its ARN's account); one with is as named.
func TestTaskClassifierInNamespaces(t *testing.T) {
	classify := TaskClassifier("eu-west-3", "111122223333")
	const teamExec = "arn:aws:states:eu-west-3:704205287169:execution:etl:r1"
	const defaultExec = "arn:aws:states:eu-west-3:111122223333:execution:etl:r1"
	for _, tt := range []struct {
		exec, resource, queue string
	}{
		{teamExec, "arn:aws:states:::activity:work", "arn:aws:states:eu-west-3:704205287169:activity:work"},
		{teamExec, "baton:step:activity:work", "arn:aws:states:eu-west-3:704205287169:activity:work"},
		{teamExec, "arn:aws:states:us-east-1:123456789012:activity:work", "arn:aws:states:us-east-1:123456789012:activity:work"},
		{defaultExec, "baton:step:activity:work", "arn:aws:states:eu-west-3:111122223333:activity:work"},
	} {
		if got := classify(tt.exec, tt.resource); got.Kind != store.TaskActivity || got.Queue != tt.queue {
			t.Errorf("%s in %s: %+v, want the queue %s", tt.resource, tt.exec, got, tt.queue)
		}
	}
}
