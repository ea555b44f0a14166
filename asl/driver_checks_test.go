package asl_test

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

// driveChecked drives an execution: tasks answer according to their resource
// ("zz:ok" echoes the input, "zz:fail:E" fails with E, "zz:failonce:E" fails
// on attempt 0, "zz:failidx:E" fails when the input is an object with
// "fail": true, "zz:hang" never answers), lowest task id first; timers fire in
// time order. With snap, the execution goes through Marshal/Unmarshal after
// every call. It checks after every call that what the caller was asked to
// keep pending is exactly what the execution tracks.
type checkedRun struct {
	x      *asl.Execution
	events []string
	leaks  []string
}

func taskNum(id string) int {
	i := strings.LastIndexByte(id, '-')
	n, _ := strconv.Atoi(id[i+1:])
	return n
}

// driveOptions vary driveChecked's world.
type driveOptions struct {
	snap      bool // Marshal/Unmarshal the execution after every call
	failEvery int  // fail every n-th task whatever its resource (0: never)
	maxSteps  int  // fail the test past this many steps (default 5000)
}

func driveChecked(t *testing.T, m *asl.Machine, input any, o driveOptions) checkedRun {
	t.Helper()
	if o.maxSteps == 0 {
		o.maxSteps = 5000
	}
	var out asl.Output
	var p pending
	now := t0
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: input}, now, &out)
	var res checkedRun
	take := func() {
		p.take(&out)
		if !x.Done() {
			// Without snap, x keeps MarshalExecution's cache of its frames
			// from call to call, checked against a fresh encoding each
			// time (export_test.go).
			data, err := asl.MarshalExecution(x)
			if err != nil {
				t.Fatal(err)
			}
			if o.snap {
				x, err = asl.UnmarshalExecution(data)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		res.leaks = append(res.leaks, pendingMismatch(&p, x)...)
	}
	take()
	for n := 0; !x.Done(); n++ {
		if n > o.maxSteps {
			t.Fatal("the execution does not end")
		}
		var ids []string
		for id, tk := range p.tasks {
			if tk.Resource != "zz:hang" {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			sort.Slice(ids, func(i, j int) bool { return taskNum(ids[i]) < taskNum(ids[j]) })
			task := p.tasks[ids[0]]
			delete(p.tasks, task.TaskID)
			m.Apply(x, answer(task, n, o.failEvery), now, &out)
			take()
			continue
		}
		if len(p.timers) == 0 {
			t.Fatalf("execution %s waits for nothing", x.Status)
		}
		var next asl.ArmTimer
		first := true
		for _, tm := range p.timers {
			if first || tm.At.Before(next.At) || (tm.At.Equal(next.At) && taskNum(tm.TimerID) < taskNum(next.TimerID)) {
				next, first = tm, false
			}
		}
		delete(p.timers, next.TimerID)
		if next.At.After(now) {
			now = next.At
		}
		m.Apply(x, asl.TimerFired{TimerID: next.TimerID}, now, &out)
		take()
	}
	if len(p.tasks) != 0 || len(p.timers) != 0 {
		res.leaks = append(res.leaks, "after the end, caller still holds tasks/timers")
	}
	res.x, res.events = x, p.events
	return res
}

// answer is the fake world's reply to a task, by its resource (see above),
// or a failure on every failEvery-th step.
func answer(task asl.RunTask, step, failEvery int) asl.Event {
	r := task.Resource
	fail := func(name string) asl.Event { return asl.TaskFailed{TaskID: task.TaskID, Error: name, Cause: "c"} }
	switch {
	case failEvery > 0 && step%failEvery == failEvery-1:
		return fail("Fuzz.Error")
	case strings.HasPrefix(r, "zz:fail:"):
		return fail(strings.TrimPrefix(r, "zz:fail:"))
	case strings.HasPrefix(r, "zz:failonce:") && task.Attempt == 0:
		return fail(strings.TrimPrefix(r, "zz:failonce:"))
	case strings.HasPrefix(r, "zz:failidx:"):
		if mm, ok := task.Input.(map[string]any); ok && mm["fail"] == true {
			return fail(strings.TrimPrefix(r, "zz:failidx:"))
		}
	}
	return asl.TaskSucceeded{TaskID: task.TaskID, Output: task.Input}
}

// pendingMismatch compares what the caller was asked to keep pending with
// what the execution tracks.
func pendingMismatch(p *pending, x *asl.Execution) []string {
	var leaks []string
	for id := range p.tasks {
		if _, ok := x.Tasks[id]; !ok {
			leaks = append(leaks, "caller still has task "+id+" the execution forgot")
		}
	}
	for id := range x.Tasks {
		if _, ok := p.tasks[id]; !ok {
			leaks = append(leaks, "execution tracks task "+id+" the caller never got")
		}
		if f := x.Frames[x.Tasks[id]]; f == nil || f.TaskID != id {
			leaks = append(leaks, "task "+id+" points at a frame that is not running it")
		}
	}
	for id := range p.timers {
		if _, ok := x.Timers[id]; !ok {
			leaks = append(leaks, "caller still has timer "+id+" the execution forgot")
		}
	}
	for id := range x.Timers {
		if _, ok := p.timers[id]; !ok {
			leaks = append(leaks, "execution tracks timer "+id+" the caller never got")
		}
	}
	for id, f := range x.Frames {
		if f.Parent != 0 && x.Frames[f.Parent] == nil {
			leaks = append(leaks, "frame "+strconv.FormatInt(id, 10)+" has no parent")
		}
	}
	return leaks
}

// runChecked runs src with and without snapshots and reports leaks and
// differences.
func runChecked(t *testing.T, src, input string) checkedRun {
	t.Helper()
	m := compile(t, src)
	in, err := asl.ParseJSON([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	a := driveChecked(t, m, in, driveOptions{})
	b := driveChecked(t, m, in, driveOptions{snap: true})
	for _, l := range a.leaks {
		t.Errorf("leak: %s", l)
	}
	for _, l := range b.leaks {
		t.Errorf("leak (snapshots): %s", l)
	}
	if a.x.Status != b.x.Status || a.x.Error != b.x.Error || a.x.Cause != b.x.Cause ||
		string(asl.MarshalJSON(a.x.Output)) != string(asl.MarshalJSON(b.x.Output)) {
		t.Errorf("snapshot run differs: %s %s %s %s vs %s %s %s %s", a.x.Status, a.x.Error, a.x.Cause, asl.MarshalJSON(a.x.Output),
			b.x.Status, b.x.Error, b.x.Cause, asl.MarshalJSON(b.x.Output))
	}
	if !reflect.DeepEqual(a.events, b.events) {
		t.Errorf("snapshot events differ\n%v\n%v", a.events, b.events)
	}
	return a
}
