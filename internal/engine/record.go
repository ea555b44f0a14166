package engine

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// record turns what a call of the interpreter produced into a transition
// and effects. It runs on the loop.
func (e *Engine) record(s *stepRun) {
	l, now, out, tr := s.l, s.now, &s.out, s.tr
	x := l.x
	transitions := s.transitions
	tr.Events = s.events
	for _, c := range out.Commands {
		switch c := c.(type) {
		case workflow.RunTask:
			e.schedule(l, now, c, tr)
		case workflow.CancelTask:
			tok := l.tokens[c.TaskID]
			delete(l.tokens, c.TaskID)
			if tok == "" {
				continue
			}
			if !dropTask(tr, tok) {
				tr.DeleteTasks = append(tr.DeleteTasks, tok)
			}
			e.forgetToken(l, tok)
			e.dropQueued(tok)
			if r, ok := e.running[tok]; ok {
				r.cancel()
			}
			e.stopChild(l, tok)
		case workflow.ArmTimer:
			tr.AddTimers = append(tr.AddTimers, store.Timer{ExecutionArn: l.arn, TimerID: c.TimerID, At: c.At, Purpose: c.Purpose})
			e.timers.add(l.arn, c.TimerID, c.At)
		case workflow.CancelTimer:
			if !dropTimer(tr, c.TimerID) {
				tr.DeleteTimers = append(tr.DeleteTimers, c.TimerID)
			}
			e.timers.remove(l.arn, c.TimerID)
		}
	}
	ended := done(x)
	if !l.express && !ended {
		// A run cut into slices keeps a stored timer while work is left, so
		// that it goes on after a restart.
		switch left := x.Interrupted(); {
		case left && !l.continues:
			tr.AddTimers = append(tr.AddTimers, store.Timer{ExecutionArn: l.arn, TimerID: continueTimer, At: now, Purpose: "continue"})
			l.continues = true
		case !left && l.continues:
			tr.DeleteTimers = append(tr.DeleteTimers, continueTimer)
			l.continues = false
		}
	}
	row := l.row
	before := row.Status
	row.Status = x.Status()
	e.moved(l, before, row.Status)
	if n := len(out.History); n > 0 {
		row.EventCount = out.History[n-1].ID
	}
	if ended {
		l.continues = false
		row.StopDate = now
		if !s.stopAt.IsZero() {
			row.StopDate = s.stopAt // the runaway guard stopped it then
		}
		res := x.Result()
		row.Error, row.Cause = res.Error, res.Cause
		row.Output = ""
		if row.Status == workflow.StatusSucceeded {
			row.Output = string(workflow.MarshalJSON(res.Output))
		}
		tr.DeleteAll = true
		// What this transition added goes too: DeleteAll covers only what
		// was stored before.
		for _, t := range tr.AddTimers {
			e.timers.remove(l.arn, t.TimerID)
		}
		tr.AddTasks, tr.AddTimers, tr.StartTasks = nil, nil, nil
		for tid, tok := range l.tokens {
			if r, ok := e.running[tok]; ok {
				r.cancel()
			}
			e.stopChild(l, tok)
			e.forgetToken(l, tok)
			e.dropQueued(tok)
			delete(l.tokens, tid)
		}
		e.timers.removeAll(l.arn, x)
	}
	if l.express {
		if !ended {
			return
		}
		// An Express execution is stored once, when it ends.
		cp := *row
		tr.Execution, tr.New = &cp, true
		e.busEvents(tr, before, nil)
		e.add(l, tr, transitions)
		e.ended(l)
		return
	}
	if s.snapErr != nil {
		// Cannot happen for interpreter data; keep the previous snapshot
		// rather than lose the transition.
		e.log.Error("snapshot", "execution", l.arn, "err", s.snapErr)
	}
	cp := *row
	cp.Snapshot = s.snap
	tr.Execution = &cp
	from := before
	if tr.New {
		from = ""
	}
	e.busEvents(tr, from, tr.Events)
	e.add(l, tr, transitions)
	if ended {
		e.ended(l)
	}
}

// tokenFor returns the token of a task: the interpreter's own when it has
// one (a callback resource's, which the workflow passed on), else one
// derived from the execution and task ids, which a reloaded execution can
// compute again.
func tokenFor(arn, taskID, own string) string {
	if own != "" {
		return own
	}
	h := sha256.Sum256([]byte(arn + "\x00" + taskID))
	return hex.EncodeToString(h[:24])
}

// tokensOf rebuilds the task tokens of a reloaded execution.
func tokensOf(arn string, x workflow.Instance) map[string]string {
	m := map[string]string{}
	x.Tasks(func(tid, own string) { m[tid] = tokenFor(arn, tid, own) })
	return m
}

func (e *Engine) forgetToken(l *live, tok string) {
	if !l.express {
		return
	}
	e.tokensMu.Lock()
	delete(e.memTasks, tok)
	e.tokensMu.Unlock()
}

// dropTask removes a task added earlier in the same transition; it reports
// whether it did (the task then never reaches the store).
func dropTask(tr *store.Transition, tok string) bool {
	for i, t := range tr.AddTasks {
		if t.Token == tok {
			tr.AddTasks = append(tr.AddTasks[:i], tr.AddTasks[i+1:]...)
			return true
		}
	}
	return false
}

// dropTimer removes a timer armed earlier in the same transition.
func dropTimer(tr *store.Transition, id string) bool {
	for i, t := range tr.AddTimers {
		if t.TimerID == id {
			tr.AddTimers = append(tr.AddTimers[:i], tr.AddTimers[i+1:]...)
			return true
		}
	}
	return false
}

// busEvents adds to tr the bus events of its execution's change (see
// Config.BusEvents).
func (e *Engine) busEvents(tr *store.Transition, from string, history []store.Event) {
	if e.cfg.BusEvents == nil {
		return
	}
	if evs := e.cfg.BusEvents(tr.Execution, from, history, tr.AddTasks); len(evs) > 0 {
		tr.Outbox = append(tr.Outbox, evs...)
	}
}
