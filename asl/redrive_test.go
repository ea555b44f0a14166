package asl_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
)

// world drives an execution on a fake clock: answer replies to each task
// (nil: the task hangs); timers fire in time order when no task can be
// answered, the execution timeout last.
type world struct {
	t      *testing.T
	m      *asl.Machine
	x      *asl.Execution
	p      pending
	out    asl.Output
	now    time.Time
	hist   []asl.HistoryEvent
	answer func(asl.RunTask) asl.Event
	hung   map[string]bool
	snap   bool // Marshal/Unmarshal the execution after every call, even when done
}

func newWorld(t *testing.T, src string, answer func(asl.RunTask) asl.Event) *world {
	return &world{t: t, m: compile(t, src), now: t0, answer: answer, hung: map[string]bool{}}
}

func (w *world) take() {
	w.hist = append(w.hist, w.out.History...)
	w.p.take(&w.out)
	if w.snap {
		data, err := asl.MarshalExecution(w.x)
		if err != nil {
			w.t.Fatal(err)
		}
		if w.x, err = asl.UnmarshalExecution(data); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) start(input string) {
	in, err := asl.ParseJSON([]byte(input))
	if err != nil {
		w.t.Fatal(err)
	}
	w.x = w.m.Start(asl.ExecutionInfo{ID: "arn:e", Name: "e", Input: in}, w.now, &w.out)
	w.take()
	w.run(false)
}

// run answers tasks and fires timers until the execution ends or waits for
// a hung task; with timeouts, the execution timeout may fire too.
func (w *world) run(timeouts bool) {
	for n := 0; !w.x.Done(); n++ {
		if n > 1000 {
			w.t.Fatal("the execution does not end")
		}
		var ids []string
		for id := range w.p.tasks {
			if !w.hung[id] {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			sort.Slice(ids, func(i, j int) bool { return taskNum(ids[i]) < taskNum(ids[j]) })
			task := w.p.tasks[ids[0]]
			ev := w.answer(task)
			if ev == nil {
				w.hung[task.TaskID] = true
				continue
			}
			delete(w.p.tasks, task.TaskID)
			w.m.Apply(w.x, ev, w.now, &w.out)
			w.take()
			continue
		}
		var next *asl.ArmTimer
		for _, tm := range w.p.timers {
			if tm.Purpose == "execution-timeout" && !timeouts {
				continue
			}
			if next == nil || tm.At.Before(next.At) {
				next = &tm
			}
		}
		if next == nil {
			return
		}
		delete(w.p.timers, next.TimerID)
		if next.At.After(w.now) {
			w.now = next.At
		}
		w.m.Apply(w.x, asl.TimerFired{TimerID: next.TimerID}, w.now, &w.out)
		w.take()
	}
}

func (w *world) redrive(at time.Time) {
	w.t.Helper()
	w.now = at
	w.hist = nil
	w.p.events = nil
	if err := w.m.Redrive(w.x, at, &w.out); err != nil {
		w.t.Fatal(err)
	}
	w.take()
	w.run(false)
}

// names lists the events as "Type" or "Type:Name" when they have a name.
func names(h []asl.HistoryEvent) []string {
	var s []string
	for _, e := range h {
		switch {
		case strings.HasPrefix(e.Type, "MapIteration"):
			s = append(s, e.Type+":"+e.Name+"#"+strconv.Itoa(e.Index))
		case e.Name != "":
			s = append(s, e.Type+":"+e.Name)
		default:
			s = append(s, e.Type)
		}
	}
	return s
}

func expectEvents(t *testing.T, h []asl.HistoryEvent, want ...string) {
	t.Helper()
	if got := names(h); !reflect.DeepEqual(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

// flaky fails a resource's first n calls with "Boom", then echoes the input.
func flaky(n int) (func(asl.RunTask) asl.Event, map[string]int) {
	calls := map[string]int{}
	return func(task asl.RunTask) asl.Event {
		calls[task.Resource]++
		if task.Resource == "zz:hang" {
			return nil
		}
		if strings.HasPrefix(task.Resource, "zz:flaky") && calls[task.Resource] <= n {
			return asl.TaskFailed{TaskID: task.TaskID, Error: "Boom", Cause: "try again"}
		}
		if m, ok := task.Input.(map[string]any); ok && m["fail"] == true && calls[task.Resource+"/"+string(asl.MarshalJSON(m))] == 0 {
			calls[task.Resource+"/"+string(asl.MarshalJSON(m))]++
			return asl.TaskFailed{TaskID: task.TaskID, Error: "Boom", Cause: "item"}
		}
		return asl.TaskSucceeded{TaskID: task.TaskID, Output: task.Input}
	}, calls
}

func TestRedriveFailedTask(t *testing.T) {
	answer, calls := flaky(3)
	var inputs []any
	var attempts []int
	w := newWorld(t, `{"StartAt": "Init", "States": {
  "Init": {"Type": "Pass", "Assign": {"v": 7}, "Result": {"n": 1}, "Next": "Work"},
  "Work": {"Type": "Task", "Resource": "zz:flaky", "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}], "Next": "Done"},
  "Done": {"Type": "Pass", "Parameters": {"v.$": "$v", "n.$": "$.n", "rc.$": "$$.Execution.RedriveCount", "rt.$": "$$.Execution.RedriveTime"}, "End": true}}}`,
		func(task asl.RunTask) asl.Event {
			inputs = append(inputs, task.Input)
			attempts = append(attempts, task.Attempt)
			return answer(task)
		})
	w.start(`{}`)
	if w.x.Status != asl.StatusFailed || w.x.Error != "Boom" {
		t.Fatalf("status %s %s", w.x.Status, w.x.Error)
	}
	at := t0.Add(time.Hour)
	w.redrive(at)
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s %s", w.x.Status, w.x.Error, w.x.Cause)
	}
	want := map[string]any{"v": int64(7), "n": int64(1), "rc": int64(1), "rt": "2025-01-02T04:04:05.000Z"}
	if !reflect.DeepEqual(w.x.Output, want) {
		t.Errorf("output %s", asl.MarshalJSON(w.x.Output))
	}
	// Attempts 0, 1 fail; the redrive starts again at attempt 0 (fails, then
	// is retried: the retrier's count restarted) and 1 succeeds.
	if !reflect.DeepEqual(attempts, []int{0, 1, 0, 1}) || calls["zz:flaky"] != 4 {
		t.Errorf("attempts %v, calls %d", attempts, calls["zz:flaky"])
	}
	for _, in := range inputs {
		if !reflect.DeepEqual(in, map[string]any{"n": int64(1)}) {
			t.Errorf("task input %s", asl.MarshalJSON(in))
		}
	}
	expectEvents(t, w.hist, "ExecutionRedriven", "TaskStateEntered:Work", "TaskScheduled", "TaskStarted", "TaskFailed",
		"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited:Work", "PassStateEntered:Done", "PassStateExited:Done",
		"ExecutionSucceeded")
	if w.x.Info.RedriveCount != 1 || !w.x.Info.RedriveTime.Equal(at) {
		t.Errorf("info %+v", w.x.Info)
	}
	first := w.hist[0]
	if first.ID != w.hist[1].PreviousEventID || !first.Timestamp.Equal(at) {
		t.Errorf("ExecutionRedriven %+v, next %+v", first, w.hist[1])
	}
	b, _ := json.Marshal(first)
	if !strings.Contains(string(b), `"executionRedrivenEventDetails":{"redriveCount":1}`) {
		t.Errorf("event %s", b)
	}
	if w.x.Frames != nil {
		t.Errorf("a succeeded execution keeps %d frames", len(w.x.Frames))
	}
}

const parallelOneFails = `{"StartAt": "Fan", "States": {
  "Fan": {"Type": "Parallel", "Next": "After", "Branches": [
    {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "zz:ok", "End": true}}},
    {"StartAt": "B1", "States": {
      "B1": {"Type": "Pass", "Result": {"b": 1}, "Next": "B2"},
      "B2": {"Type": "Task", "Resource": "zz:flaky", "Next": "B3"},
      "B3": {"Type": "Pass", "End": true}}}]},
  "After": {"Type": "Pass", "End": true}}}`

func TestRedriveParallelRerunsOnlyTheFailedBranch(t *testing.T) {
	answer, calls := flaky(1)
	w := newWorld(t, parallelOneFails, answer)
	w.start(`{"a": 1}`)
	if w.x.Status != asl.StatusFailed {
		t.Fatalf("status %s", w.x.Status)
	}
	w.redrive(t0.Add(time.Minute))
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s", w.x.Status, w.x.Cause)
	}
	expectEvents(t, w.hist, "ExecutionRedriven", "TaskStateEntered:B2", "TaskScheduled", "TaskStarted", "TaskSucceeded",
		"TaskStateExited:B2", "PassStateEntered:B3", "PassStateExited:B3", "ParallelStateSucceeded", "ParallelStateExited:Fan",
		"PassStateEntered:After", "PassStateExited:After", "ExecutionSucceeded")
	if calls["zz:ok"] != 1 || calls["zz:flaky"] != 2 {
		t.Errorf("calls %v", calls)
	}
	if got := string(asl.MarshalJSON(w.x.Output)); got != `[{"a":1},{"b":1}]` {
		t.Errorf("output %s", got)
	}
}

// TestRedriveParallelAbortedBranch: a branch aborted because another failed
// runs again from where it was.
func TestRedriveParallelAbortedBranch(t *testing.T) {
	hang := true
	answer, _ := flaky(1)
	w := newWorld(t, `{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A2"}, "A2": {"Type": "Task", "Resource": "zz:slow", "End": true}}},
    {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "zz:flaky", "End": true}}},
    {"StartAt": "C", "States": {"C": {"Type": "Pass", "Result": "c", "End": true}}}]}}}`,
		func(task asl.RunTask) asl.Event {
			if task.Resource == "zz:slow" && hang {
				return nil
			}
			return answer(task)
		})
	w.start(`{}`)
	if w.x.Status != asl.StatusFailed || len(w.p.tasks) != 0 {
		t.Fatalf("status %s, tasks %v", w.x.Status, w.p.tasks)
	}
	hang = false
	w.redrive(t0.Add(time.Minute))
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s", w.x.Status, w.x.Cause)
	}
	got := names(w.hist)
	if slices.Contains(got, "PassStateEntered:A") || slices.Contains(got, "PassStateEntered:C") ||
		!slices.Contains(got, "TaskStateEntered:A2") || !slices.Contains(got, "TaskStateEntered:B") {
		t.Errorf("events %q", got)
	}
	if got := string(asl.MarshalJSON(w.x.Output)); got != `[{},{},"c"]` {
		t.Errorf("output %s", got)
	}
}

const mapOneFails = `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 1, "End": true,
  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "zz:item", "End": true}}}}}}`

func TestRedriveMapRerunsOnlyTheFailedIteration(t *testing.T) {
	answer, calls := flaky(0)
	var ran []string
	w := newWorld(t, mapOneFails, func(task asl.RunTask) asl.Event {
		ran = append(ran, string(asl.MarshalJSON(task.Input)))
		return answer(task)
	})
	w.start(`[{"i": 0}, {"i": 1, "fail": true}, {"i": 2}]`)
	if w.x.Status != asl.StatusFailed || calls["zz:item"] != 2 {
		t.Fatalf("status %s, calls %v", w.x.Status, calls)
	}
	w.redrive(t0.Add(time.Minute))
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s", w.x.Status, w.x.Cause)
	}
	expectEvents(t, w.hist, "ExecutionRedriven",
		"MapIterationStarted:Each#1", "TaskStateEntered:Work", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited:Work", "MapIterationSucceeded:Each#1",
		"MapIterationStarted:Each#2", "TaskStateEntered:Work", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited:Work", "MapIterationSucceeded:Each#2",
		"MapStateSucceeded", "MapStateExited:Each", "ExecutionSucceeded")
	want := []string{`{"i":0}`, `{"fail":true,"i":1}`, `{"fail":true,"i":1}`, `{"i":2}`}
	if !reflect.DeepEqual(ran, want) {
		t.Errorf("tasks ran on %q", ran)
	}
	if got := string(asl.MarshalJSON(w.x.Output)); got != `[{"i":0},{"fail":true,"i":1},{"i":2}]` {
		t.Errorf("output %s", got)
	}
}

// TestRedriveMapToleratedFailures: iterations whose failures were tolerated
// run again too, within MaxConcurrency.
func TestRedriveMapToleratedFailures(t *testing.T) {
	answer, _ := flaky(0)
	running, most := 0, 0
	w := newWorld(t, `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 2, "ToleratedFailureCount": 2, "End": true,
  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "zz:item", "End": true}}}}}}`, answer)
	w.start(`[{"i":0,"fail":true},{"i":1,"fail":true},{"i":2,"fail":true},{"i":3}]`)
	if w.x.Status != asl.StatusFailed || w.x.Error != asl.ErrExceedToleratedFailureThreshold {
		t.Fatalf("status %s %s", w.x.Status, w.x.Error)
	}
	w.answer = func(task asl.RunTask) asl.Event {
		running = len(w.p.tasks)
		most = max(most, running)
		return answer(task)
	}
	w.redrive(t0.Add(time.Minute))
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s", w.x.Status, w.x.Cause)
	}
	if most > 2 {
		t.Errorf("%d tasks at once, MaxConcurrency is 2", most)
	}
	if got := string(asl.MarshalJSON(w.x.Output)); got != `[{"fail":true,"i":0},{"fail":true,"i":1},{"fail":true,"i":2},{"i":3}]` {
		t.Errorf("output %s", got)
	}
}

func TestRedriveTimedOut(t *testing.T) {
	slow := true
	w := newWorld(t, `{"TimeoutSeconds": 10, "StartAt": "P", "States": {
  "P": {"Type": "Pass", "Result": 1, "Next": "T"},
  "T": {"Type": "Task", "Resource": "zz:slow", "End": true}}}`, func(task asl.RunTask) asl.Event {
		if slow {
			return nil
		}
		return asl.TaskSucceeded{TaskID: task.TaskID, Output: "ok"}
	})
	w.start(`{}`)
	w.run(true)
	if w.x.Status != asl.StatusTimedOut {
		t.Fatalf("status %s", w.x.Status)
	}
	slow = false
	at := t0.Add(time.Hour)
	w.now = at
	w.hist, w.p.events = nil, nil
	if err := w.m.Redrive(w.x, at, &w.out); err != nil {
		t.Fatal(err)
	}
	w.take()
	tm := w.p.timer(t, "execution-timeout")
	if !tm.At.Equal(at.Add(10 * time.Second)) {
		t.Errorf("execution timeout re-armed at %v, want %v", tm.At, at.Add(10*time.Second))
	}
	task := w.p.onlyTask(t)
	if task.StateName != "T" || task.Input != int64(1) {
		t.Errorf("task %+v", task)
	}
	w.run(false)
	if w.x.Status != asl.StatusSucceeded || w.x.Output != "ok" {
		t.Fatalf("after redrive: %s %v", w.x.Status, w.x.Output)
	}
}

func TestRedriveAborted(t *testing.T) {
	answer, _ := flaky(0)
	w := newWorld(t, `{"StartAt": "P", "States": {
  "P": {"Type": "Pass", "Assign": {"k": "v"}, "Next": "W"},
  "W": {"Type": "Wait", "Seconds": 60, "Next": "T"},
  "T": {"Type": "Task", "Resource": "zz:ok", "Parameters": {"k.$": "$k"}, "End": true}}}`, answer)
	in, _ := asl.ParseJSON([]byte(`{"x": 1.5}`))
	w.x = w.m.Start(asl.ExecutionInfo{ID: "e", Input: in}, t0, &w.out)
	w.take()
	w.m.Apply(w.x, asl.Stop{Error: "Ops", Cause: "stopped"}, t0.Add(time.Second), &w.out)
	w.take()
	if w.x.Status != asl.StatusAborted {
		t.Fatalf("status %s", w.x.Status)
	}
	w.redrive(t0.Add(time.Hour))
	if w.x.Status != asl.StatusSucceeded {
		t.Fatalf("after redrive: %s %s", w.x.Status, w.x.Cause)
	}
	expectEvents(t, w.hist, "ExecutionRedriven", "WaitStateEntered:W", "WaitStateExited:W", "TaskStateEntered:T",
		"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited:T", "ExecutionSucceeded")
	if got := string(asl.MarshalJSON(w.x.Output)); got != `{"k":"v"}` {
		t.Errorf("output %s", got)
	}
	if w.now != t0.Add(time.Hour+time.Minute) {
		t.Errorf("the Wait state did not wait again from the redrive: now %v", w.now)
	}
}

func TestRedriveTwice(t *testing.T) {
	answer, calls := flaky(2)
	w := newWorld(t, `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "zz:flaky", "End": true}}}`, answer)
	w.start(`{"a": 1}`)
	w.redrive(t0.Add(time.Minute))
	if w.x.Status != asl.StatusFailed {
		t.Fatalf("first redrive: %s", w.x.Status)
	}
	w.redrive(t0.Add(2 * time.Minute))
	if w.x.Status != asl.StatusSucceeded || calls["zz:flaky"] != 3 || w.x.Info.RedriveCount != 2 {
		t.Fatalf("second redrive: %s, calls %v, count %d", w.x.Status, calls, w.x.Info.RedriveCount)
	}
	if w.hist[0].Type != "ExecutionRedriven" || w.hist[0].Redrives != 2 {
		t.Errorf("first event %+v", w.hist[0])
	}
}

// TestRedriveAfterSnapshot runs nested fan-outs with snapshots after every
// call, including of the failed execution, and compares with a run without.
func TestRedriveAfterSnapshot(t *testing.T) {
	src := `{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 2, "End": true,
      "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "zz:item", "ResultSelector": {"r.$": "$"}, "End": true}}}}}},
    {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "zz:ok", "End": true}}}]}}}`
	input := `[{"i": 0.5}, {"i": 1.0, "fail": true}, {"i": 2}, {"i": 3, "fail": true}]`
	var results [2]*world
	for k, snap := range []bool{false, true} {
		answer, _ := flaky(0)
		w := newWorld(t, src, answer)
		w.snap = snap
		w.start(input)
		if w.x.Status != asl.StatusFailed {
			t.Fatalf("snap=%v: status %s", snap, w.x.Status)
		}
		w.redrive(t0.Add(time.Minute))
		if w.x.Status == asl.StatusFailed { // the second failing item, if it had not started
			w.redrive(t0.Add(2 * time.Minute))
		}
		if w.x.Status != asl.StatusSucceeded {
			t.Fatalf("snap=%v: after redrive %s %s", snap, w.x.Status, w.x.Cause)
		}
		results[k] = w
	}
	a, b := results[0], results[1]
	if !reflect.DeepEqual(names(a.hist), names(b.hist)) {
		t.Errorf("events differ\n%q\n%q", names(a.hist), names(b.hist))
	}
	want := `[[{"r":{"i":0.5}},{"r":{"fail":true,"i":1.0}},{"r":{"i":2}},{"r":{"fail":true,"i":3}}],[{"i":0.5},{"fail":true,"i":1.0},{"i":2},{"fail":true,"i":3}]]`
	for _, w := range results {
		if got := string(asl.MarshalJSON(w.x.Output)); got != want {
			t.Errorf("snap=%v output\n got %s\nwant %s", w.snap, got, want)
		}
	}
}

func TestRedriveRefused(t *testing.T) {
	m := compile(t, `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "zz:ok", "End": true}}}`)
	var out asl.Output
	var p pending
	x := m.Start(asl.ExecutionInfo{ID: "e", Input: map[string]any{}}, t0, &out)
	p.take(&out)
	if err := m.Redrive(x, t0, &out); !errors.Is(err, asl.ErrNotRedrivable) {
		t.Errorf("RUNNING: %v", err)
	}
	m.Apply(x, asl.TaskSucceeded{TaskID: p.onlyTask(t).TaskID, Output: 1}, t0, &out)
	out.Reset()
	if err := m.Redrive(x, t0, &out); !errors.Is(err, asl.ErrNotRedrivable) || x.Status != asl.StatusSucceeded || len(out.History) != 0 {
		t.Errorf("SUCCEEDED: %v, %s, %d events", err, x.Status, len(out.History))
	}
	data, _ := asl.MarshalExecution(x)
	if strings.Contains(string(data), `"frames"`) {
		t.Errorf("a succeeded execution's snapshot keeps frames: %s", data)
	}
}
