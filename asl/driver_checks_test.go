package asl_test

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

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

func driveChecked(t *testing.T, m *asl.Machine, input any, snap bool, stopAfter int) checkedRun {
	t.Helper()
	var out asl.Output
	now := t0
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: input}, now, &out)
	tasks := map[string]asl.RunTask{}
	timers := map[string]asl.ArmTimer{}
	var res checkedRun
	take := func() {
		for _, c := range out.Commands {
			switch c := c.(type) {
			case asl.RunTask:
				tasks[c.TaskID] = c
			case asl.CancelTask:
				delete(tasks, c.TaskID)
			case asl.ArmTimer:
				timers[c.TimerID] = c
			case asl.CancelTimer:
				delete(timers, c.TimerID)
			}
		}
		for _, e := range out.History {
			res.events = append(res.events, e.Type)
		}
		out.Reset()
		if snap && !x.Done() {
			data, err := asl.MarshalExecution(x)
			if err != nil {
				t.Fatal(err)
			}
			x, err = asl.UnmarshalExecution(data)
			if err != nil {
				t.Fatal(err)
			}
		}
		// Consistency: caller's pending view == execution's.
		for id := range tasks {
			if _, ok := x.Tasks[id]; !ok {
				res.leaks = append(res.leaks, "caller still has task "+id+" the execution forgot")
			}
		}
		for id := range x.Tasks {
			if _, ok := tasks[id]; !ok {
				res.leaks = append(res.leaks, "execution tracks task "+id+" the caller never got")
			}
			if f := x.Frames[x.Tasks[id]]; f == nil || f.TaskID != id {
				res.leaks = append(res.leaks, "task "+id+" points at a frame that is not running it")
			}
		}
		for id := range timers {
			if _, ok := x.Timers[id]; !ok {
				res.leaks = append(res.leaks, "caller still has timer "+id+" the execution forgot")
			}
		}
		for id := range x.Timers {
			if _, ok := timers[id]; !ok {
				res.leaks = append(res.leaks, "execution tracks timer "+id+" the caller never got")
			}
		}
		for id, f := range x.Frames {
			if f.Parent != 0 && x.Frames[f.Parent] == nil {
				res.leaks = append(res.leaks, "frame "+strconv.FormatInt(id, 10)+" has no parent")
			}
		}
	}
	take()
	for n := 0; !x.Done(); n++ {
		if n > 5000 {
			t.Fatal("the execution does not end")
		}
		if stopAfter > 0 && n == stopAfter {
			m.Apply(x, asl.Stop{Error: "Stop", Cause: "test"}, now, &out)
			take()
			break
		}
		var ids []string
		for id, tk := range tasks {
			if tk.Resource != "zz:hang" {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			sort.Slice(ids, func(i, j int) bool { return taskNum(ids[i]) < taskNum(ids[j]) })
			task := tasks[ids[0]]
			delete(tasks, task.TaskID)
			r := task.Resource
			var ev asl.Event = asl.TaskSucceeded{TaskID: task.TaskID, Output: task.Input}
			switch {
			case strings.HasPrefix(r, "zz:fail:"):
				ev = asl.TaskFailed{TaskID: task.TaskID, Error: strings.TrimPrefix(r, "zz:fail:"), Cause: "c"}
			case strings.HasPrefix(r, "zz:failonce:") && task.Attempt == 0:
				ev = asl.TaskFailed{TaskID: task.TaskID, Error: strings.TrimPrefix(r, "zz:failonce:"), Cause: "c"}
			case strings.HasPrefix(r, "zz:failidx:"):
				if mm, ok := task.Input.(map[string]any); ok && mm["fail"] == true {
					ev = asl.TaskFailed{TaskID: task.TaskID, Error: strings.TrimPrefix(r, "zz:failidx:"), Cause: "c"}
				}
			}
			m.Apply(x, ev, now, &out)
			take()
			continue
		}
		if len(timers) == 0 {
			t.Fatalf("execution %s waits for nothing", x.Status)
		}
		var next asl.ArmTimer
		first := true
		for _, tm := range timers {
			if first || tm.At.Before(next.At) || (tm.At.Equal(next.At) && taskNum(tm.TimerID) < taskNum(next.TimerID)) {
				next, first = tm, false
			}
		}
		delete(timers, next.TimerID)
		if next.At.After(now) {
			now = next.At
		}
		m.Apply(x, asl.TimerFired{TimerID: next.TimerID}, now, &out)
		take()
	}
	if len(tasks) != 0 || len(timers) != 0 {
		res.leaks = append(res.leaks, "after the end, caller still holds tasks/timers")
	}
	res.x = x
	return res
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
	a := driveChecked(t, m, in, false, 0)
	b := driveChecked(t, m, in, true, 0)
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
	_ = time.Second
	return a
}
