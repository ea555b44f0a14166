package storetest

import (
	"time"

	"github.com/batonhq/baton/internal/store"
)

// closed commits the end of x (started with start(x, 1)) with status at
// stop.
func (e *env) closed(x *store.Execution, status string, stop time.Time) {
	e.Helper()
	done := clone(x)
	done.Status, done.StopDate, done.EventCount = status, stop, 2
	e.commit(&store.Transition{Execution: done, Events: []store.Event{event(2, "Execution"+status)}, DeleteAll: true})
}

var retentionTests = []test{
	{"DeletesClosedOnly", func(e *env) {
		const other = "arn:aws:states:us-east-1:999999999999:"
		var old []*store.Execution
		for i, status := range []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"} {
			x := running(smArnA, "old-"+status, at(i))
			e.commit(start(x, 1))
			e.closed(x, status, at(10+i))
			e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{chunk(x.Arn, "t", "S", 1, store.LogStdout, "old\n")}), "AppendLogs")
			old = append(old, x)
		}
		run := running(smArnA, "still-running", at(1))
		e.commit(start(run, 1))
		e.commit(&store.Transition{Execution: clone(run), AddTasks: []*store.Task{task(run.Arn, "tok-run")}})
		recent := running(smArnA, "recent", at(2))
		e.commit(start(recent, 1))
		e.closed(recent, "SUCCEEDED", at(100))
		foreign := running(smArnA, "foreign", at(3))
		foreign.Arn = other + "execution:alpha:foreign"
		foreign.StateMachineArn = other + "stateMachine:alpha"
		e.commit(start(foreign, 1))
		e.closed(foreign, "FAILED", at(11))

		n, err := e.s.DeleteClosedExecutions(e.ctx, region, at(50), 3)
		e.ok(err, "DeleteClosedExecutions")
		e.equal(n, 3, "a batch bounded by its limit")
		n, err = e.s.DeleteClosedExecutions(e.ctx, region, at(50), 3)
		e.ok(err, "DeleteClosedExecutions")
		e.equal(n, 1, "the rest")
		n, err = e.s.DeleteClosedExecutions(e.ctx, region, at(50), 3)
		e.ok(err, "DeleteClosedExecutions")
		e.equal(n, 0, "nothing left to delete")
		for _, x := range old {
			_, err := e.s.GetExecution(e.ctx, x.Arn)
			e.is(err, store.ErrNotFound, "GetExecution of deleted %s", x.Name)
			_, _, err = e.s.History(e.ctx, x.Arn, false, store.Page{})
			e.is(err, store.ErrNotFound, "History of deleted %s", x.Name)
			e.equal(len(e.readLogs(x.Arn, store.LogQuery{})), 0, "logs of deleted %s", x.Name)
		}
		e.equal(e.getExec(run.Arn).Status, "RUNNING", "a running execution is kept")
		_, err = e.s.GetTask(e.ctx, "tok-run")
		e.ok(err, "the running execution's task is kept")
		e.equal(e.getExec(recent.Arn).Status, "SUCCEEDED", "an execution stopped after the cutoff is kept")
		e.equal(e.getExec(foreign.Arn).Status, "FAILED", "another namespace's execution is kept")
		e.equal(len(e.allHistory(recent.Arn, false, 10)), 2, "a kept execution's history")
		// Running executions are never deleted, however old.
		n, err = e.s.DeleteClosedExecutions(e.ctx, region, at(100000), 100)
		e.ok(err, "DeleteClosedExecutions")
		e.equal(n, 1, "only the closed recent execution")
		e.equal(e.getExec(run.Arn).Status, "RUNNING", "a running execution after a late cutoff")
		// The running one still commits.
		done := clone(run)
		done.Status, done.StopDate, done.EventCount = "SUCCEEDED", at(200), 2
		e.commit(&store.Transition{Execution: done, Events: []store.Event{event(2, "ExecutionSucceeded")}, DeleteAll: true})
	}},
}
