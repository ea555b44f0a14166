package storetest

import (
	"github.com/batonhq/baton/internal/store"
)

var lifecycleTests = []test{
	{"ReopenKeepsEverything", func(e *env) {
		sm := stateMachine("alpha")
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		v := &store.Version{StateMachineArn: sm.Arn, Type: store.TypeStandard}
		e.ok(e.s.CreateVersion(e.ctx, v), "CreateVersion")
		e.ok(e.s.TagResource(e.ctx, sm.Arn, map[string]string{"k": "v"}), "TagResource")
		x := running(sm.Arn, "persist", at(1))
		tr := start(x, 3)
		tr.AddTasks = []*store.Task{task(x.Arn, "tok")}
		tr.AddTimers = []store.Timer{{ExecutionArn: x.Arn, TimerID: "t", At: at(4), Purpose: "wait"}}
		e.commit(tr)
		want := e.getExec(x.Arn)

		e.ok(e.s.Close(), "Close")
		e.ok(e.s.Close(), "Close twice")
		e.s = e.reopen()

		got, err := e.s.GetStateMachine(e.ctx, sm.Arn)
		e.ok(err, "GetStateMachine after reopen")
		e.equal(got, sm, "state machine after reopen")
		tags, err := e.s.ListTags(e.ctx, sm.Arn)
		e.ok(err, "ListTags")
		e.equal(tags, map[string]string{"k": "v"}, "tags after reopen")
		e.equal(e.getExec(x.Arn), want, "execution after reopen")
		e.equal(len(e.allHistory(x.Arn, false, 0)), 3, "history after reopen")
		_, err = e.s.GetTask(e.ctx, "tok")
		e.ok(err, "task after reopen")
		e.equal(e.timers(), tr.AddTimers, "timers after reopen")

		// Numbering goes on from the stored state.
		v2 := &store.Version{StateMachineArn: sm.Arn, Type: store.TypeStandard}
		e.ok(e.s.CreateVersion(e.ctx, v2), "CreateVersion after reopen")
		e.equal(v2.Number, int64(2), "version number after reopen")
		u := clone(x)
		evs := []store.Event{event(0, "After")}
		e.commit(&store.Transition{Execution: u, Events: evs})
		e.equal(evs[0].ID, int64(4), "event id after reopen")
		e.is(e.s.Commit(e.ctx, []*store.Transition{start(running(sm.Arn, "persist", at(2)), 0)}), store.ErrExists,
			"New on an execution stored before reopen")
	}},
}
