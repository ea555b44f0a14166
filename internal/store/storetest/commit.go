package storetest

import (
	"context"
	"fmt"
	"sync"

	"github.com/batonhq/baton/internal/store"
)

var commitTests = []test{
	{"ExistsAndNotFound", func(e *env) {
		x := running(smArnA, "x", at(1))
		e.commit(start(x, 1))
		e.is(e.s.Commit(e.ctx, []*store.Transition{start(running(smArnA, "x", at(2)), 1)}), store.ErrExists,
			"New on an existing execution")
		e.is(e.s.Commit(e.ctx, []*store.Transition{{Execution: running(smArnA, "nope", at(2))}}), store.ErrNotFound,
			"update of a missing execution")
		e.equal(e.getExec(x.Arn).StartDate, at(1), "execution after a failed New")
	}},
	{"AtomicBatch", func(e *env) {
		// An existing execution with a task and a timer.
		old := running(smArnA, "old", at(1))
		tr := start(old, 1)
		tr.AddTasks = []*store.Task{task(old.Arn, "tok-old")}
		tr.AddTimers = []store.Timer{{ExecutionArn: old.Arn, TimerID: "t1", At: at(5), Purpose: "wait"}}
		e.commit(tr)
		before := e.getExec(old.Arn)

		for _, c := range []struct {
			name string
			last *store.Transition
			want error
		}{
			{"last is New on an existing ARN", start(running(smArnA, "old", at(2)), 1), store.ErrExists},
			{"last updates a missing execution", &store.Transition{Execution: running(smArnA, "ghost", at(2))}, store.ErrNotFound},
			{"last adds a duplicate task", &store.Transition{Execution: clone(before),
				Events: []store.Event{event(0, "X")}, AddTasks: []*store.Task{task(old.Arn, "tok-new")}}, store.ErrExists},
			{"last has a wrong event id", &store.Transition{Execution: clone(before),
				Events: []store.Event{event(7, "X")}}, store.ErrConflict},
		} {
			upd := clone(before)
			upd.Status, upd.Snapshot = "SUCCEEDED", []byte("changed")
			batch := []*store.Transition{
				start(running(smArnA, "fresh", at(3)), 2),
				{
					Execution:    upd,
					Events:       []store.Event{event(2, "ExecutionSucceeded")},
					DeleteTasks:  []string{"tok-old"},
					DeleteTimers: []string{"t1"},
					AddTasks:     []*store.Task{task(old.Arn, "tok-new")},
				},
				c.last,
			}
			e.is(e.s.Commit(e.ctx, batch), c.want, "%s", c.name)

			_, err := e.s.GetExecution(e.ctx, execArn(smArnA, "fresh"))
			e.is(err, store.ErrNotFound, "%s: execution created by a failed batch", c.name)
			e.equal(e.getExec(old.Arn), before, "%s: execution updated by a failed batch", c.name)
			if evs := e.allHistory(old.Arn, false, 0); len(evs) != 1 {
				e.Errorf("%s: %d events after a failed batch, want 1", c.name, len(evs))
			}
			_, err = e.s.GetTask(e.ctx, "tok-old")
			e.ok(err, "%s: task deleted by a failed batch", c.name)
			_, err = e.s.GetTask(e.ctx, "tok-new")
			e.is(err, store.ErrNotFound, "%s: task added by a failed batch", c.name)
			if ts := e.timers(); len(ts) != 1 {
				e.Errorf("%s: %d timers after a failed batch, want 1", c.name, len(ts))
			}
		}
		// The store is still usable and ids continue from the stored state.
		upd := clone(before)
		upd.Status = "SUCCEEDED"
		e.commit(&store.Transition{Execution: upd, Events: []store.Event{event(2, "ExecutionSucceeded")}, DeleteAll: true})
		e.equal(e.getExec(old.Arn).EventCount, int64(2), "EventCount after a good batch")
	}},
	{"SameExecutionInOrder", func(e *env) {
		x := running(smArnA, "seq", at(1))
		t1 := start(clone(x), 2)
		t1.AddTasks = []*store.Task{task(x.Arn, "a")}
		s2 := clone(x)
		s2.Snapshot = []byte("two")
		t2 := &store.Transition{Execution: s2, Events: []store.Event{event(3, "TaskSucceeded")},
			DeleteTasks: []string{"a"}, AddTasks: []*store.Task{task(x.Arn, "b")},
			AddTimers: []store.Timer{{TimerID: "w", At: at(9), Purpose: "wait"}}}
		s3 := clone(x)
		s3.Snapshot = []byte("three")
		started := task(x.Arn, "b")
		started.State, started.WorkerName, started.StartedAt = store.TaskStarted, "worker-1", at(4)
		t3 := &store.Transition{Execution: s3, Events: []store.Event{event(0, "TaskStarted"), event(0, "Other")},
			StartTasks: []*store.Task{started}, DeleteTimers: []string{"w"}}
		e.commit(t1, t2, t3)

		got := e.getExec(x.Arn)
		if string(got.Snapshot) != "three" || got.EventCount != 5 {
			e.Errorf("after one batch of 3 transitions: snapshot %q, EventCount %d", got.Snapshot, got.EventCount)
		}
		if t3.Events[0].ID != 4 || t3.Events[1].ID != 5 || s3.EventCount != 5 {
			e.Errorf("assigned ids %d, %d and EventCount %d; want 4, 5, 5", t3.Events[0].ID, t3.Events[1].ID, s3.EventCount)
		}
		var types []string
		for _, ev := range e.allHistory(x.Arn, false, 0) {
			types = append(types, ev.Type)
		}
		e.equal(types, []string{"Ev", "Ev", "TaskSucceeded", "TaskStarted", "Other"}, "history of the batch")
		_, err := e.s.GetTask(e.ctx, "a")
		e.is(err, store.ErrNotFound, "task deleted in the batch")
		gotTask, err := e.s.GetTask(e.ctx, "b")
		e.ok(err, "GetTask")
		e.equal(gotTask, started, "task added then started in the batch")
		if ts := e.timers(); len(ts) != 0 {
			e.Errorf("timer added then deleted in the batch: %v", ts)
		}
	}},
	{"EventIDsContinue", func(e *env) {
		x := running(smArnA, "ids", at(1))
		e.commit(start(x, 2))
		for i := range 3 {
			u := clone(x)
			// The engine may give the ids, or leave them to the store.
			evs := []store.Event{event(int64(3+2*i), "Given"), event(0, "Assigned")}
			e.commit(&store.Transition{Execution: u, Events: evs})
			if evs[1].ID != int64(4+2*i) {
				e.Errorf("assigned id %d, want %d", evs[1].ID, 4+2*i)
			}
		}
		got := e.allHistory(x.Arn, false, 0)
		for i, ev := range got {
			if ev.ID != int64(i+1) {
				e.Fatalf("event %d has id %d", i, ev.ID)
			}
		}
		e.equal(e.getExec(x.Arn).EventCount, int64(8), "EventCount")
		u := clone(x)
		for _, bad := range []int64{8, 10, -1} {
			e.is(e.s.Commit(e.ctx, []*store.Transition{{Execution: u, Events: []store.Event{event(bad, "Bad")}}}),
				store.ErrConflict, "event id %d after 8", bad)
		}
		// A transition without events keeps the count.
		u.EventCount = 0
		e.commit(&store.Transition{Execution: u})
		e.equal(e.getExec(x.Arn).EventCount, int64(8), "EventCount after a transition without events")
	}},
	{"CancelledContext", func(e *env) {
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		x := running(smArnA, "cancelled", at(1))
		if err := e.s.Commit(ctx, []*store.Transition{start(x, 1)}); err == nil {
			e.Fatalf("Commit with a cancelled context succeeded")
		}
		_, err := e.s.GetExecution(e.ctx, x.Arn)
		e.is(err, store.ErrNotFound, "execution of a cancelled Commit")
	}},
	{"Concurrent", func(e *env) {
		const workers, execs, steps = 8, 6, 5
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				var xs []*store.Execution
				var batch []*store.Transition
				for i := range execs {
					x := running(smArnA, fmt.Sprintf("w%d-%d", w, i), at(w*100+i))
					xs = append(xs, x)
					tr := start(x, 1)
					tr.AddTasks = []*store.Task{task(x.Arn, fmt.Sprintf("w%d-%d-0", w, i))}
					batch = append(batch, tr)
				}
				if err := e.s.Commit(e.ctx, batch); err != nil {
					errs <- err
					return
				}
				for step := 1; step <= steps; step++ {
					batch = batch[:0]
					for i, x := range xs {
						u := clone(x)
						u.Snapshot = fmt.Appendf(nil, "step %d", step)
						batch = append(batch, &store.Transition{Execution: u,
							Events:      []store.Event{event(0, "A"), event(0, "B")},
							DeleteTasks: []string{fmt.Sprintf("w%d-%d-%d", w, i, step-1)},
							AddTasks:    []*store.Task{task(x.Arn, fmt.Sprintf("w%d-%d-%d", w, i, step))},
						})
					}
					if err := e.s.Commit(e.ctx, batch); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		// Readers run meanwhile.
		wg.Go(func() {
			for range 20 {
				if _, _, err := e.s.ListExecutions(e.ctx, store.ExecutionFilter{}, store.Page{}); err != nil {
					errs <- err
					return
				}
				if _, err := e.s.OpenTasks(e.ctx); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			e.Fatalf("concurrent Commit: %v", err)
		}
		for w := range workers {
			for i := range execs {
				x := e.getExec(execArn(smArnA, fmt.Sprintf("w%d-%d", w, i)))
				if x.EventCount != 1+2*steps || string(x.Snapshot) != fmt.Sprintf("step %d", steps) {
					e.Errorf("%s: EventCount %d, snapshot %q", x.Name, x.EventCount, x.Snapshot)
				}
			}
		}
		open, err := e.s.OpenTasks(e.ctx)
		e.ok(err, "OpenTasks")
		if len(open) != workers*execs {
			e.Errorf("%d open tasks, want %d", len(open), workers*execs)
		}
	}},
}

// task returns a queued builtin task of execution arn.
func task(arn, token string) *store.Task {
	return &store.Task{
		Token: token, ExecutionArn: arn, TaskID: "task-" + token, Kind: store.TaskBuiltin,
		Resource: "baton:shell", StateName: "Run", Input: `{"cmd":"true"}`, State: store.TaskQueued,
		Attempt: 1, TimeoutSec: 60, HeartbeatSec: 10, CreatedAt: at(3),
	}
}

// timers returns every armed timer.
func (e *env) timers() []store.Timer {
	e.Helper()
	var out []store.Timer
	e.ok(e.s.Timers(e.ctx, func(t store.Timer) error {
		out = append(out, t)
		return nil
	}), "Timers")
	return out
}
