package service

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

func TestActivities(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	c, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "work", Tags: []Tag{{Key: "k", Value: "v"}}})
	if err != nil || c.ActivityArn != actArn+"work" {
		t.Fatalf("CreateActivity = %+v, %v", c, err)
	}
	again, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "work"})
	if err != nil || again.ActivityArn != c.ActivityArn {
		t.Fatalf("idempotent CreateActivity = %+v, %v", again, err)
	}
	_, err = e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "work", Tags: []Tag{{Key: "k", Value: "other"}}})
	wantCode(t, err, apierr.ActivityAlreadyExists)
	if _, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "again"}); err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.DescribeActivity(ctx, &DescribeActivityInput{ActivityArn: c.ActivityArn})
	if err != nil || d.Name != "work" || d.CreationDate.IsZero() {
		t.Fatalf("DescribeActivity = %+v, %v", d, err)
	}
	l, err := e.svc.ListActivities(ctx, &ListActivitiesInput{MaxResults: 1})
	if err != nil || len(l.Activities) != 1 || l.Activities[0].Name != "again" || l.NextToken == "" {
		t.Fatalf("ListActivities = %+v, %v", l, err)
	}
	if _, err := e.svc.DeleteActivity(ctx, &DeleteActivityInput{ActivityArn: actArn + "again"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.DescribeActivity(ctx, &DescribeActivityInput{ActivityArn: actArn + "again"})
	wantCode(t, err, apierr.ActivityDoesNotExist)

	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"create null", func() error { _, err := e.svc.CreateActivity(ctx, &CreateActivityInput{}); return err }, apierr.ValidationException},
		{"create bad name", func() error {
			_, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "a\tb"})
			return err
		}, apierr.InvalidName},
		{"describe bad arn", func() error {
			_, err := e.svc.DescribeActivity(ctx, &DescribeActivityInput{ActivityArn: smArn + "x"})
			return err
		}, apierr.InvalidArn},
		{"describe null", func() error { _, err := e.svc.DescribeActivity(ctx, &DescribeActivityInput{}); return err }, apierr.ValidationException},
		{"list bad token", func() error {
			_, err := e.svc.ListActivities(ctx, &ListActivitiesInput{NextToken: "nope"})
			return err
		}, apierr.InvalidToken},
		{"delete unknown", func() error {
			_, err := e.svc.DeleteActivity(ctx, &DeleteActivityInput{ActivityArn: actArn + "nope"})
			return err
		}, ""},
		{"delete bad arn", func() error {
			_, err := e.svc.DeleteActivity(ctx, &DeleteActivityInput{ActivityArn: "nope"})
			return err
		}, apierr.InvalidArn},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}

func TestTasks(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{MaxPayloadBytes: 50})
	arn, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	// No task: empty output.
	got, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: arn.ActivityArn, WorkerName: "w1"})
	if err != nil || got.TaskToken != "" || got.Input != "" {
		t.Fatalf("GetActivityTask (none) = %+v, %v", got, err)
	}
	e.eng.task = &store.Task{Token: "tok", Input: `{"x":1}`}
	got, err = e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: arn.ActivityArn, WorkerName: "w1"})
	if err != nil || got.TaskToken != "tok" || got.Input != `{"x":1}` || e.eng.polls[1] != arn.ActivityArn+" w1" {
		t.Fatalf("GetActivityTask = %+v, %v", got, err)
	}
	if _, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: "good-token", Output: `{"ok":true}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendTaskFailure(ctx, &SendTaskFailureInput{TaskToken: "good-token", Error: "E", Cause: "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendTaskHeartbeat(ctx, &SendTaskHeartbeatInput{TaskToken: "good-token"}); err != nil {
		t.Fatal(err)
	}
	if e.eng.successes[0] != `good-token {"ok":true}` || e.eng.failures[0] != "good-token E C" || e.eng.heartbeats[0] != "good-token" {
		t.Fatalf("engine calls: %v %v %v", e.eng.successes, e.eng.failures, e.eng.heartbeats)
	}
	long := strings.Repeat("t", maxTaskTokenLen+1)
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"poll null", func() error { _, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{}); return err }, apierr.ValidationException},
		{"poll unknown", func() error {
			_, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: actArn + "nope"})
			return err
		}, apierr.ActivityDoesNotExist},
		{"poll bad arn", func() error {
			_, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: smArn + "sm"})
			return err
		}, apierr.InvalidArn},
		{"poll long worker", func() error {
			_, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: arn.ActivityArn, WorkerName: strings.Repeat("w", 81)})
			return err
		}, apierr.ValidationException},
		{"success null", func() error { _, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{}); return err }, apierr.ValidationException},
		{"success bad output", func() error {
			_, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: "good-token", Output: "nope"})
			return err
		}, apierr.InvalidOutput},
		{"success large output", func() error {
			_, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: "good-token", Output: `"` + strings.Repeat("x", 60) + `"`})
			return err
		}, apierr.ValidationException},
		{"success bad token", func() error {
			_, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: "bad", Output: "{}"})
			return err
		}, apierr.InvalidToken},
		{"success long token", func() error {
			_, err := e.svc.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: long, Output: "{}"})
			return err
		}, apierr.ValidationException},
		{"failure bad token", func() error {
			_, err := e.svc.SendTaskFailure(ctx, &SendTaskFailureInput{TaskToken: "bad"})
			return err
		}, apierr.InvalidToken},
		{"failure long error", func() error {
			_, err := e.svc.SendTaskFailure(ctx, &SendTaskFailureInput{TaskToken: "good-token", Error: strings.Repeat("e", 257)})
			return err
		}, apierr.ValidationException},
		{"failure null", func() error { _, err := e.svc.SendTaskFailure(ctx, &SendTaskFailureInput{}); return err }, apierr.ValidationException},
		{"heartbeat bad token", func() error {
			_, err := e.svc.SendTaskHeartbeat(ctx, &SendTaskHeartbeatInput{TaskToken: "bad"})
			return err
		}, apierr.InvalidToken},
		{"heartbeat null", func() error { _, err := e.svc.SendTaskHeartbeat(ctx, &SendTaskHeartbeatInput{}); return err }, apierr.ValidationException},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
}

func TestTestState(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	state := `{"Type":"Pass","Next":"Next"}`
	out, err := e.svc.TestState(ctx, &TestStateInput{Definition: state, Input: `{"a":1}`, InspectionLevel: "DEBUG"})
	if err != nil || out.Status != "SUCCEEDED" || out.Output != `{"a":1}` || out.NextState != "Next" || out.InspectionData == nil {
		t.Fatalf("TestState = %+v, %v", out, err)
	}
	out, err = e.svc.TestState(ctx, &TestStateInput{Definition: state})
	if err != nil || out.Output != "{}" {
		t.Fatalf("default input: %+v, %v", out, err)
	}
	// A task of this server's executors runs on the engine; others need a
	// mock.
	out, err = e.svc.TestState(ctx, &TestStateInput{Definition: `{"Type":"Task","Resource":"baton:shell","End":true}`, Input: `{"a":1}`})
	if err != nil || out.Status != "SUCCEEDED" || out.Output != `{"input":{"a":1},"ran":"baton:shell"}` || len(e.eng.tests) != 1 {
		t.Fatalf("built-in task: %+v, %v (engine ran %v)", out, err, e.eng.tests)
	}
	out, err = e.svc.TestState(ctx, &TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::activity:a","End":true}`})
	if err != nil || out.Status != "FAILED" || out.Error != "States.Runtime" || !strings.Contains(out.Cause, "give a mock result") || len(e.eng.tests) != 1 {
		t.Fatalf("activity without a mock: %+v, %v", out, err)
	}
	out, err = e.svc.TestState(ctx, &TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::activity:a","End":true}`,
		Mock: &MockInput{Result: `{"m":1}`}})
	if err != nil || out.Status != "SUCCEEDED" || out.Output != `{"m":1}` {
		t.Fatalf("mocked activity: %+v, %v", out, err)
	}
	for _, tt := range []struct {
		name string
		in   TestStateInput
		code string
	}{
		{"null", TestStateInput{}, apierr.ValidationException},
		{"not json", TestStateInput{Definition: "Type: Pass"}, apierr.InvalidDefinition},
		{"bad input", TestStateInput{Definition: state, Input: "{"}, apierr.InvalidExecutionInput},
		{"bad level", TestStateInput{Definition: state, InspectionLevel: "LOUD"}, apierr.ValidationException},
		{"bad variables", TestStateInput{Definition: state, Variables: "[1]"}, apierr.InvalidExecutionInput},
		{"bad context", TestStateInput{Definition: state, Context: "nope"}, apierr.InvalidExecutionInput},
		{"mock both", TestStateInput{Definition: state, Mock: &MockInput{Result: "{}", ErrorOutput: &MockErrorOutput{Error: "E"}}}, apierr.ValidationException},
		{"mock bad result", TestStateInput{Definition: state, Mock: &MockInput{Result: "{"}}, apierr.ValidationException},
		{"mock bad mode", TestStateInput{Definition: state, Mock: &MockInput{Result: "{}", FieldValidationMode: "LAX"}}, apierr.ValidationException},
		{"bad role", TestStateInput{Definition: state, RoleArn: "r"}, apierr.InvalidArn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.TestState(ctx, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
}

// TestActivityPollCancelled: a poll whose request ends (the server shuts
// down) answers "no task", not an error the worker would not retry.
func TestActivityPollCancelled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	arn, err := e.svc.CreateActivity(ctx, &CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	e.eng.err = fmt.Errorf("waiting for a task: %w", context.Canceled)
	got, err := e.svc.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: arn.ActivityArn, WorkerName: "w1"})
	if err != nil || got.TaskToken != "" {
		t.Fatalf("GetActivityTask (cancelled) = %+v, %v", got, err)
	}
}
