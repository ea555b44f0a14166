package asl_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
)

func compile(t *testing.T, src string) *asl.Machine {
	t.Helper()
	def, err := asl.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Compile(def, asl.Options{Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// pending collects what the interpreter asked for, as a caller would.
type pending struct {
	tasks  map[string]asl.RunTask
	timers map[string]asl.ArmTimer
	events []string
}

func (p *pending) take(out *asl.Output) {
	if p.tasks == nil {
		p.tasks, p.timers = map[string]asl.RunTask{}, map[string]asl.ArmTimer{}
	}
	for _, c := range out.Commands {
		switch c := c.(type) {
		case asl.RunTask:
			p.tasks[c.TaskID] = c
		case asl.CancelTask:
			delete(p.tasks, c.TaskID)
		case asl.ArmTimer:
			p.timers[c.TimerID] = c
		case asl.CancelTimer:
			delete(p.timers, c.TimerID)
		}
	}
	for _, e := range out.History {
		p.events = append(p.events, e.Type)
	}
	out.Reset()
}

func (p *pending) onlyTask(t *testing.T) asl.RunTask {
	t.Helper()
	if len(p.tasks) != 1 {
		t.Fatalf("want 1 pending task, have %d", len(p.tasks))
	}
	for _, c := range p.tasks {
		return c
	}
	panic("unreachable")
}

func (p *pending) timer(t *testing.T, purpose string) asl.ArmTimer {
	t.Helper()
	for _, c := range p.timers {
		if c.Purpose == purpose {
			return c
		}
	}
	t.Fatalf("no %s timer among %v", purpose, p.timers)
	return asl.ArmTimer{}
}

const taskWaitTask = `{
  "StartAt": "Extract",
  "States": {
    "Extract": {"Type": "Task", "Resource": "baton:shell", "ResultPath": "$.extract",
      "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 2, "MaxAttempts": 2}], "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 60, "Next": "Load"},
    "Load": {"Type": "Task", "Resource": "baton:shell", "Parameters": {"rows.$": "$.extract.rows", "try.$": "$$.State.RetryCount"}, "End": true}
  }
}`

// TestResumeFromSnapshot persists the execution after every step and goes on
// from the restored copy: the outcome is that of an uninterrupted run.
func TestResumeFromSnapshot(t *testing.T) {
	m := compile(t, taskWaitTask)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e1", Name: "e1", Input: map[string]any{"day": "2025-01-02"}}, t0, &out)
	p.take(&out)
	restore := func() {
		data, err := asl.MarshalExecution(x)
		if err != nil {
			t.Fatal(err)
		}
		x, err = asl.UnmarshalExecution(data)
		if err != nil {
			t.Fatal(err)
		}
	}
	restore()
	task := p.onlyTask(t)
	m.Apply(x, asl.TaskFailed{TaskID: task.TaskID, Error: "Transient", Cause: "try again"}, t0.Add(time.Second), &out)
	delete(p.tasks, task.TaskID)
	p.take(&out)
	restore()
	retry := p.timer(t, "retry")
	if want := t0.Add(3 * time.Second); !retry.At.Equal(want) {
		t.Errorf("retry at %v, want %v", retry.At, want)
	}
	m.Apply(x, asl.TimerFired{TimerID: retry.TimerID}, retry.At, &out)
	delete(p.timers, retry.TimerID)
	p.take(&out)
	restore()
	task = p.onlyTask(t)
	if task.Attempt != 1 {
		t.Errorf("attempt %d, want 1", task.Attempt)
	}
	m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: map[string]any{"rows": int64(42)}}, retry.At, &out)
	delete(p.tasks, task.TaskID)
	p.take(&out)
	restore()
	wait := p.timer(t, "wait")
	if want := retry.At.Add(60 * time.Second); !wait.At.Equal(want) {
		t.Errorf("wait until %v, want %v", wait.At, want)
	}
	m.Apply(x, asl.TimerFired{TimerID: wait.TimerID}, wait.At, &out)
	delete(p.timers, wait.TimerID)
	p.take(&out)
	restore()
	task = p.onlyTask(t)
	if want := map[string]any{"rows": int64(42), "try": int64(0)}; !reflect.DeepEqual(task.Input, want) {
		t.Errorf("Load input %#v, want %#v", task.Input, want)
	}
	m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: "done"}, wait.At, &out)
	// A result delivered twice is applied once.
	m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: "again"}, wait.At, &out)
	p.take(&out)
	if x.Status != asl.StatusSucceeded || x.Output != "done" {
		t.Fatalf("status %s output %v", x.Status, x.Output)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
		"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "WaitStateEntered", "WaitStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if !reflect.DeepEqual(p.events, want) {
		t.Errorf("events\n got %v\nwant %v", p.events, want)
	}
}

func TestTaskTimeoutRetriesThenCatches(t *testing.T) {
	m := compile(t, `{
  "StartAt": "Slow",
  "States": {
    "Slow": {"Type": "Task", "Resource": "baton:shell", "TimeoutSeconds": 30,
      "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 1}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Fallback"}], "End": true},
    "Fallback": {"Type": "Pass", "End": true}
  }
}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{"a": int64(1)}}, t0, &out)
	p.take(&out)
	for attempt := 0; attempt < 2; attempt++ {
		task := p.onlyTask(t)
		if task.Timeout != 30*time.Second {
			t.Fatalf("task timeout %v", task.Timeout)
		}
		tm := p.timer(t, "task-timeout")
		delete(p.timers, tm.TimerID)
		m.Apply(x, asl.TimerFired{TimerID: tm.TimerID}, tm.At, &out)
		p.take(&out)
		if len(p.tasks) != 0 {
			t.Fatal("the timed-out task was not cancelled")
		}
		if attempt == 0 {
			r := p.timer(t, "retry")
			delete(p.timers, r.TimerID)
			m.Apply(x, asl.TimerFired{TimerID: r.TimerID}, r.At, &out)
			p.take(&out)
		}
	}
	if x.Status != asl.StatusSucceeded {
		t.Fatalf("status %s %s", x.Status, x.Error)
	}
	want := map[string]any{"a": int64(1), "err": map[string]any{"Error": "States.Timeout", "Cause": ""}}
	if !reflect.DeepEqual(x.Output, want) {
		t.Errorf("output %#v", x.Output)
	}
	if n := strings.Count(strings.Join(p.events, " "), "TaskTimedOut"); n != 2 {
		t.Errorf("%d TaskTimedOut events, want 2: %v", n, p.events)
	}
}

func TestActivityHeartbeat(t *testing.T) {
	m := compile(t, `{"StartAt": "Work", "States": {"Work": {"Type": "Task",
  "Resource": "arn:aws:states:us-east-1:123456789012:activity:etl", "HeartbeatSeconds": 10, "End": true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	task := p.onlyTask(t)
	m.Apply(x, asl.TaskStarted{TaskID: task.TaskID, WorkerName: "w1"}, t0.Add(time.Second), &out)
	m.Apply(x, asl.TaskHeartbeat{TaskID: task.TaskID}, t0.Add(8*time.Second), &out)
	p.take(&out)
	hb := p.timer(t, "heartbeat")
	if want := t0.Add(18 * time.Second); !hb.At.Equal(want) {
		t.Fatalf("heartbeat deadline %v, want %v", hb.At, want)
	}
	m.Apply(x, asl.TimerFired{TimerID: hb.TimerID}, hb.At, &out)
	p.take(&out)
	if x.Status != asl.StatusFailed || x.Error != asl.ErrHeartbeatTimeout {
		t.Fatalf("status %s error %s", x.Status, x.Error)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityTimedOut", "ExecutionFailed"}
	if !reflect.DeepEqual(p.events, want) {
		t.Errorf("events %v", p.events)
	}
}

func TestStopAbortsAndCancels(t *testing.T) {
	m := compile(t, `{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
  {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "baton:shell", "End": true}}},
  {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "End": true}}}]}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	if len(p.tasks) != 1 || len(p.timers) != 1 {
		t.Fatalf("tasks %v timers %v", p.tasks, p.timers)
	}
	m.Apply(x, asl.Stop{Error: "Manual", Cause: "stopped by ops"}, t0, &out)
	p.take(&out)
	if x.Status != asl.StatusAborted || x.Error != "Manual" {
		t.Fatalf("status %s error %s", x.Status, x.Error)
	}
	if len(p.tasks) != 0 || len(p.timers) != 0 {
		t.Errorf("left pending: tasks %v timers %v", p.tasks, p.timers)
	}
	if p.events[len(p.events)-1] != "ExecutionAborted" {
		t.Errorf("last event %s", p.events[len(p.events)-1])
	}
}

func TestExecutionTimeout(t *testing.T) {
	m := compile(t, `{"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	tm := p.timer(t, "execution-timeout")
	if !tm.At.Equal(t0.Add(5 * time.Second)) {
		t.Fatalf("timeout at %v", tm.At)
	}
	m.Apply(x, asl.TimerFired{TimerID: tm.TimerID}, tm.At, &out)
	p.take(&out)
	if x.Status != asl.StatusTimedOut || x.Error != asl.ErrTimeout {
		t.Fatalf("status %s error %s", x.Status, x.Error)
	}
	if len(p.timers) != 1 { // the fired one is still in our map; the Wait timer was cancelled
		t.Errorf("timers left %v", p.timers)
	}
}

func TestCallbackToken(t *testing.T) {
	m := compile(t, `{"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
  "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	task := p.onlyTask(t)
	body := task.Input.(map[string]any)["MessageBody"].(map[string]any)
	if body["token"] == "" || body["token"] != task.Token {
		t.Fatalf("token in parameters %v, task token %q", body["token"], task.Token)
	}
	m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: map[string]any{"approved": true}}, t0, &out)
	if x.Status != asl.StatusSucceeded {
		t.Fatalf("status %s", x.Status)
	}
}

// TestSnapshotKeepsNumberForms: integers stay integers and 1.0 stays 1.0
// across a snapshot, so outputs render the same after a restart.
func TestSnapshotKeepsNumberForms(t *testing.T) {
	m := compile(t, `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}`)
	in, err := asl.ParseJSON([]byte(`{"i": 1, "f": 1.0, "g": 2.5, "big": 12345678901234567890, "a": [1.0, 2]}`))
	if err != nil {
		t.Fatal(err)
	}
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: in}, t0, &out)
	p.take(&out)
	data, err := asl.MarshalExecution(x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := asl.UnmarshalExecution(data)
	if err != nil {
		t.Fatal(err)
	}
	tm := p.timer(t, "wait")
	m.Apply(y, asl.TimerFired{TimerID: tm.TimerID}, tm.At, &out)
	if got, want := string(asl.MarshalJSON(y.Output)), string(asl.MarshalJSON(in)); got != want {
		t.Errorf("after restore: %s, want %s", got, want)
	}
	// The input itself was not modified by the snapshot.
	if _, ok := in.(map[string]any)["f"].(float64); !ok {
		t.Error("MarshalExecution changed the execution's values")
	}
}
