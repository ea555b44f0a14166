package storetest

import (
	"errors"
	"fmt"
	"slices"

	"github.com/batonhq/baton/internal/store"
)

var taskTests = []test{
	{"AddStartDelete", func(e *env) {
		x := running(smArnA, "t", at(1))
		tr := start(x, 1)
		a := task(x.Arn, "tok-a")
		b := task(x.Arn, "tok-b")
		b.Kind, b.ActivityArn, b.Resource = store.TaskActivity, actArnA, "arn:aws:states:::activity:alpha"
		tr.AddTasks = []*store.Task{a, b}
		e.commit(tr)
		got, err := e.s.GetTask(e.ctx, "tok-b")
		e.ok(err, "GetTask")
		e.equal(got, b, "GetTask")

		sb := *b
		sb.State, sb.WorkerName, sb.StartedAt = store.TaskStarted, "worker-7", at(8)
		// Only State, WorkerName and StartedAt change.
		arg := sb
		arg.Input, arg.Attempt = "ignored", 99
		e.commit(&store.Transition{Execution: clone(x), StartTasks: []*store.Task{&arg}})
		got, err = e.s.GetTask(e.ctx, "tok-b")
		e.ok(err, "GetTask")
		e.equal(got, &sb, "GetTask after start")

		e.commit(&store.Transition{Execution: clone(x), DeleteTasks: []string{"tok-a", "unknown-token"}})
		_, err = e.s.GetTask(e.ctx, "tok-a")
		e.is(err, store.ErrNotFound, "GetTask after delete")
		_, err = e.s.GetTask(e.ctx, "unknown-token")
		e.is(err, store.ErrNotFound, "GetTask unknown")

		e.is(e.s.Commit(e.ctx, []*store.Transition{{Execution: clone(x), AddTasks: []*store.Task{task(x.Arn, "tok-b")}}}),
			store.ErrExists, "AddTasks of a duplicate token")
		e.is(e.s.Commit(e.ctx, []*store.Transition{{Execution: clone(x), StartTasks: []*store.Task{task(x.Arn, "tok-a")}}}),
			store.ErrNotFound, "StartTasks of a done task")
		// A token is unique across executions too.
		y := running(smArnA, "u", at(1))
		ty := start(y, 1)
		ty.AddTasks = []*store.Task{task(y.Arn, "tok-b")}
		e.is(e.s.Commit(e.ctx, []*store.Transition{ty}), store.ErrExists, "AddTasks of another execution's token")
		// Deleting another execution's task by token does nothing.
		e.commit(start(y, 1))
		e.commit(&store.Transition{Execution: clone(y), DeleteTasks: []string{"tok-b"}})
		_, err = e.s.GetTask(e.ctx, "tok-b")
		e.ok(err, "task deleted through another execution")
	}},
	{"OpenTasksOfRunning", func(e *env) {
		var want []string
		for i, status := range []string{"RUNNING", "SUCCEEDED", "RUNNING", "FAILED", "PENDING_REDRIVE"} {
			x := running(smArnA, fmt.Sprintf("x%d", i), at(i))
			tr := start(x, 1)
			for j := range 2 {
				tok := fmt.Sprintf("tok-%d-%d", i, j)
				tr.AddTasks = append(tr.AddTasks, task(x.Arn, tok))
				if status == "RUNNING" {
					want = append(want, tok)
				}
			}
			e.commit(tr)
			if status != "RUNNING" {
				// Ended without DeleteAll: its tasks stay but are not open.
				u := clone(x)
				u.Status = status
				e.commit(&store.Transition{Execution: u})
			}
		}
		got, err := e.s.OpenTasks(e.ctx)
		e.ok(err, "OpenTasks")
		var toks []string
		for _, t := range got {
			toks = append(toks, t.Token)
			e.equal(t, task(t.ExecutionArn, t.Token), "open task")
		}
		slices.Sort(toks)
		e.equal(toks, want, "OpenTasks")
	}},
	{"DeleteAll", func(e *env) {
		x := running(smArnA, "end", at(1))
		keep := running(smArnA, "keep", at(1))
		tr := start(x, 1)
		tr.AddTasks = []*store.Task{task(x.Arn, "x1"), task(x.Arn, "x2")}
		tr.AddTimers = []store.Timer{{TimerID: "a", At: at(5)}, {TimerID: "b", At: at(6)}}
		tk := start(keep, 1)
		tk.AddTasks = []*store.Task{task(keep.Arn, "k1")}
		tk.AddTimers = []store.Timer{{TimerID: "a", At: at(5)}}
		e.commit(tr, tk)

		u := clone(x)
		u.Status, u.StopDate = "SUCCEEDED", at(9)
		e.commit(&store.Transition{Execution: u, Events: []store.Event{event(2, "ExecutionSucceeded")}, DeleteAll: true})
		for _, tok := range []string{"x1", "x2"} {
			_, err := e.s.GetTask(e.ctx, tok)
			e.is(err, store.ErrNotFound, "GetTask %s after DeleteAll", tok)
		}
		_, err := e.s.GetTask(e.ctx, "k1")
		e.ok(err, "task of another execution after DeleteAll")
		e.equal(e.timers(), []store.Timer{{ExecutionArn: keep.Arn, TimerID: "a", At: at(5)}}, "timers after DeleteAll")

		// DeleteAll applies before the transition's own additions.
		y := running(smArnA, "y", at(1))
		ty := start(y, 0)
		ty.AddTasks = []*store.Task{task(y.Arn, "y1")}
		e.commit(ty)
		uy := clone(y)
		e.commit(&store.Transition{Execution: uy, DeleteAll: true,
			AddTasks:  []*store.Task{task(y.Arn, "y2")},
			AddTimers: []store.Timer{{TimerID: "late", At: at(7)}}})
		_, err = e.s.GetTask(e.ctx, "y1")
		e.is(err, store.ErrNotFound, "task before DeleteAll")
		_, err = e.s.GetTask(e.ctx, "y2")
		e.ok(err, "task added with DeleteAll")
		if len(e.timers()) != 2 {
			e.Errorf("timers: %v", e.timers())
		}
	}},
}

var timerTests = []test{
	{"AddReplaceDelete", func(e *env) {
		x := running(smArnA, "tm", at(1))
		y := running(smArnA, "tm2", at(1))
		tr := start(x, 1)
		tr.AddTimers = []store.Timer{
			{ExecutionArn: x.Arn, TimerID: "wait", At: at(10), Purpose: "wait"},
			{ExecutionArn: x.Arn, TimerID: "hb", At: at(11), Purpose: "heartbeat"},
		}
		ty := start(y, 1)
		ty.AddTimers = []store.Timer{{ExecutionArn: y.Arn, TimerID: "wait", At: at(12), Purpose: "wait"}}
		e.commit(tr, ty)
		e.equal(sortTimers(e.timers()), []store.Timer{
			{ExecutionArn: x.Arn, TimerID: "hb", At: at(11), Purpose: "heartbeat"},
			{ExecutionArn: x.Arn, TimerID: "wait", At: at(10), Purpose: "wait"},
			{ExecutionArn: y.Arn, TimerID: "wait", At: at(12), Purpose: "wait"},
		}, "timers")

		e.commit(&store.Transition{Execution: clone(x),
			AddTimers:    []store.Timer{{ExecutionArn: x.Arn, TimerID: "wait", At: at(20), Purpose: "retry"}},
			DeleteTimers: []string{"hb", "unknown"}})
		e.equal(sortTimers(e.timers()), []store.Timer{
			{ExecutionArn: x.Arn, TimerID: "wait", At: at(20), Purpose: "retry"},
			{ExecutionArn: y.Arn, TimerID: "wait", At: at(12), Purpose: "wait"},
		}, "timers after replace and delete")
	}},
	{"CallbackErrorStops", func(e *env) {
		x := running(smArnA, "tm", at(1))
		tr := start(x, 1)
		for i := range 50 {
			tr.AddTimers = append(tr.AddTimers, store.Timer{TimerID: fmt.Sprint(i), At: at(i)})
		}
		e.commit(tr)
		e.equal(len(e.timers()), 50, "number of timers")
		stop := errors.New("stop")
		calls := 0
		err := e.s.Timers(e.ctx, func(store.Timer) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		e.is(err, stop, "Timers with a failing callback")
		e.equal(calls, 3, "callback calls")
	}},
}

func sortTimers(ts []store.Timer) []store.Timer {
	slices.SortFunc(ts, func(a, b store.Timer) int {
		if a.ExecutionArn != b.ExecutionArn {
			if a.ExecutionArn < b.ExecutionArn {
				return -1
			}
			return 1
		}
		if a.TimerID < b.TimerID {
			return -1
		}
		if a.TimerID > b.TimerID {
			return 1
		}
		return 0
	})
	return ts
}
