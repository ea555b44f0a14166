package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/store"
)

// step runs the interpreter on l (run calls Start, Apply or Redrive) and
// queues the resulting transition, tr, which the caller may have prepared
// with the tasks and timers the event retires.
func (e *Engine) step(l *live, now time.Time, tr *store.Transition, run func(out *asl.Output)) {
	out := &e.out
	out.Reset()
	e.stepStart = time.Now()
	run(out)
	if l.x != nil && l.x.Interrupted() {
		l.m.Apply(l.x, asl.Stop{Error: ErrRunaway, Cause: fmt.Sprintf("the execution ran for %s without waiting for a task or a timer (a loop of Pass or Choice states?); Baton stopped it so that other executions can run", e.cfg.MaxStepTime)}, now, out)
	}
	e.record(l, now, out, tr)
}

// record turns what the interpreter produced into a transition and effects.
func (e *Engine) record(l *live, now time.Time, out *asl.Output, tr *store.Transition) {
	x := l.x
	transitions := 0
	if !l.express {
		tr.Events = make([]store.Event, 0, len(out.History))
		for i := range out.History {
			h := &out.History[i]
			body, _ := h.MarshalJSON()
			tr.Events = append(tr.Events, store.Event{ID: h.ID, Type: h.Type, Timestamp: h.Timestamp, Previous: h.PreviousEventID, Body: body})
			if strings.HasSuffix(h.Type, "StateEntered") {
				transitions++
			}
		}
	}
	for _, c := range out.Commands {
		switch c := c.(type) {
		case asl.RunTask:
			e.schedule(l, now, c, tr)
		case asl.CancelTask:
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
			if cancel, ok := e.running[tok]; ok {
				cancel()
			}
			e.stopChild(l, tok)
		case asl.ArmTimer:
			tr.AddTimers = append(tr.AddTimers, store.Timer{ExecutionArn: l.arn, TimerID: c.TimerID, At: c.At, Purpose: c.Purpose})
			e.timers.add(l.arn, c.TimerID, c.At)
		case asl.CancelTimer:
			if !dropTimer(tr, c.TimerID) {
				tr.DeleteTimers = append(tr.DeleteTimers, c.TimerID)
			}
			e.timers.remove(l.arn, c.TimerID)
		}
	}
	row := l.row
	row.Status = x.Status
	row.EventCount = x.LastEvent
	if x.Done() {
		row.StopDate = now
		row.Error, row.Cause = x.Error, x.Cause
		row.Output = ""
		if x.Status == asl.StatusSucceeded {
			row.Output = string(asl.MarshalJSON(x.Output))
		}
		tr.DeleteAll = true
		// What this transition added goes too: DeleteAll covers only what
		// was stored before.
		for _, t := range tr.AddTimers {
			e.timers.remove(l.arn, t.TimerID)
		}
		tr.AddTasks, tr.AddTimers, tr.StartTasks = nil, nil, nil
		for tid, tok := range l.tokens {
			if cancel, ok := e.running[tok]; ok {
				cancel()
			}
			e.stopChild(l, tok)
			e.forgetToken(l, tok)
			e.dropQueued(tok)
			delete(l.tokens, tid)
		}
		e.timers.removeAll(l.arn, x)
	}
	if l.express {
		if !x.Done() {
			return
		}
		// An Express execution is stored once, when it ends.
		cp := *row
		tr.Execution, tr.New = &cp, true
		e.add(l, tr, transitions)
		e.ended(l)
		return
	}
	snap, err := asl.MarshalExecution(x)
	if err != nil {
		// Cannot happen for interpreter data; keep the previous snapshot
		// rather than lose the transition.
		e.log.Error("snapshot", "execution", l.arn, "err", err)
	}
	cp := *row
	cp.Snapshot = snap
	tr.Execution = &cp
	e.add(l, tr, transitions)
	if x.Done() {
		e.ended(l)
	}
}

// tokenFor returns the token of a task: the interpreter's own for callback
// resources (it is in $$.Task.Token), else one derived from the execution
// and task ids, which a reloaded execution can compute again.
func tokenFor(arn, taskID, own string) string {
	if own != "" {
		return own
	}
	h := sha256.Sum256([]byte(arn + "\x00" + taskID))
	return hex.EncodeToString(h[:24])
}

// tokensOf rebuilds the task tokens of a reloaded execution.
func tokensOf(arn string, x *asl.Execution) map[string]string {
	m := make(map[string]string, len(x.Tasks))
	for tid, fid := range x.Tasks {
		own := ""
		if f := x.Frames[fid]; f != nil {
			own = f.Token
		}
		m[tid] = tokenFor(arn, tid, own)
	}
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
