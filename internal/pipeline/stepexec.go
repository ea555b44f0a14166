package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/value"
	"github.com/batonhq/baton/workflow"
)

// startStep runs a step whose trigger rule is met: its `when`, then its
// attempts, or its for_each items.
func (r *run) startStep(i int32, now time.Time, out *workflow.Output) {
	st := &r.st.Steps[i]
	st.Error, st.Cause, st.Reason = "", "", ""
	st.X = &inflight{}
	r.beginStep(i, false, now, out)
}

// beginStep evaluates a step's `when` and starts its attempt or its for_each
// items; entered is set when the step was entered before (a retry after
// its when or for_each failed to evaluate).
func (r *run) beginStep(i int32, entered bool, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	if n.when != nil {
		v, err := n.when.eval(&evalScope{r: r, field: "when"})
		if err == nil {
			if b, ok := v.(bool); !ok {
				err = &evalErr{cause: fmt.Sprintf("The field 'when' of step '%s' must give true or false, but gave %s", n.step.Name, clip(text(v)))}
			} else if !b {
				r.skip(i, ReasonWhen, fmt.Sprintf("Step '%s' was skipped: its when condition is false", n.step.Name), now, out)
				return
			}
		}
		if err != nil {
			if !entered {
				r.enter(i, now, out)
			}
			r.evalFailed(i, err.cause, now, out)
			return
		}
	}
	if !entered {
		r.enter(i, now, out)
	}
	if n.forEach != nil {
		r.startEach(i, now, out)
		return
	}
	r.attempt(i, -1, now, out)
}

// evalFailed fails the start of a step whose when or for_each could not be
// evaluated, with States.QueryEvaluationError, which its retry sees like
// any error: covered, the step begins again after the retry's delay.
func (r *run) evalFailed(i int32, cause string, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	st := &r.st.Steps[i]
	typ := "TaskFailed"
	if n.forEach != nil {
		typ = "MapStateFailed"
	}
	if ev := r.chainEvent(&st.Last, now, out, typ); ev != nil {
		ev.Error, ev.Cause = asl.ErrQueryEvaluationError, cause
		if n.forEach != nil {
			ev.Name = n.step.Name
		}
	}
	x := st.X
	if rp := n.retry; rp != nil && x != nil && rp.covers(asl.ErrQueryEvaluationError) && x.Retries < rp.retries {
		d := rp.delay(x.Retries, r.prog.opts.Rand)
		x.Retries++
		x.Timer = r.arm(ref{Node: i, Item: -1}, timerReeval, now.Add(d), out)
		st.State = stateRetrying
		delete(r.js.steps, i)
		return
	}
	st.X = nil
	r.stepDone(i, stateFailed, nil, asl.ErrQueryEvaluationError, cause, now, out)
}

// enter marks the step running with its *StateEntered event.
func (r *run) enter(i int32, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	st := &r.st.Steps[i]
	st.State = stateRunning
	delete(r.js.steps, i)
	typ := "TaskStateEntered"
	if n.forEach != nil {
		typ = "MapStateEntered"
	}
	st.Last = 0 // an entry follows what made the step run: the run's latest event
	if ev := r.chainEvent(&st.Last, now, out, typ); ev != nil {
		ev.Name, ev.Input, ev.HasInput = n.step.Name, r.st.Input.V, true
	}
}

// startEach evaluates a for_each step's items (or, after a redrive, keeps
// them and the outputs of those that succeeded) and starts the first ones.
func (r *run) startEach(i int32, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	st := &r.st.Steps[i]
	if st.Each == nil {
		v, err := n.forEach.eval(&evalScope{r: r, field: "for_each"})
		items, ok := v.([]any)
		if err == nil && !ok {
			err = &evalErr{cause: fmt.Sprintf("The field 'for_each' of step '%s' must give an array, but gave %s", n.step.Name, clip(text(v)))}
		}
		if err != nil {
			r.evalFailed(i, err.cause, now, out)
			return
		}
		st.Each = &each{Items: jv{items}, State: make([]uint8, len(items)), Outputs: make([]jv, len(items))}
	} else {
		e := st.Each
		for k, s := range e.State {
			if s != stateSucceeded {
				e.State[k], e.Outputs[k] = statePending, jv{}
			}
		}
		e.Next = 0
	}
	e := st.Each
	e.Active = map[int]*inflight{}
	if ev := r.chainEvent(&st.Last, now, out, "MapStateStarted"); ev != nil {
		ev.Name, ev.Length = n.step.Name, len(e.State)
	}
	if e.Done == len(e.State) {
		r.eachSucceeded(i, now, out)
		return
	}
	r.fillEach(i, now, out)
}

// fillEach starts pending items up to max_concurrency. Next only moves
// forward, so starting all the items of a step costs linear time. Every 64
// items it asks Output.Interrupt whether to give control back: then it
// sets Filling, no item starts until Continue, and a call stays short
// however many items a step has.
func (r *run) fillEach(i int32, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	st := &r.st.Steps[i]
	e := st.Each
	for e.Next < len(e.State) && (n.step.MaxConcurrency == 0 || len(e.Active) < n.step.MaxConcurrency) {
		if r.st.Filling {
			return
		}
		if r.ticks++; r.ticks%64 == 0 && out.Interrupt != nil && out.Interrupt() {
			r.st.Filling = true
			return
		}
		k := e.Next
		e.Next++
		if e.State[k] != statePending {
			continue
		}
		e.State[k] = stateRunning
		x := &inflight{Last: st.Last}
		e.Active[k] = x
		if ev := r.chainEvent(&x.Last, now, out, "MapIterationStarted"); ev != nil {
			ev.Name, ev.Index = n.step.Name, k
		}
		r.attempt(i, k, now, out)
		if st.State != stateRunning {
			return // the item failed at once, and the step with it
		}
	}
}

// attempt begins an attempt of a step or item: its task, and the timer of
// its timeout.
func (r *run) attempt(i int32, item int, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	rf := ref{Node: i, Item: int32(item)}
	r.st.Steps[i].Attempts++
	delete(r.js.steps, i)
	x := r.execOf(rf)
	if !r.dispatch(i, item, true, now, out) {
		return
	}
	if n.timeout > 0 {
		x.Timeout = r.arm(rf, timerTimeout, now.Add(n.timeout), out)
	}
}

// probe asks a wait_for step's next probe, after its poll interval.
func (r *run) probe(rf ref, now time.Time, out *workflow.Output) {
	r.dispatch(rf.Node, int(rf.Item), false, now, out)
}

// dispatch sends a step's task (with its scheduled and started events when
// record is set: a wait_for step records its first probe only). It reports
// false when the task's fields could not be evaluated, which failed the
// attempt.
func (r *run) dispatch(i int32, item int, record bool, now time.Time, out *workflow.Output) bool {
	n := r.prog.nodes[i]
	rf := ref{Node: i, Item: int32(item)}
	x := r.execOf(rf)
	input, err := r.taskInput(n, item)
	resource, task := n.resource, any(input)
	if err == nil && n.step.Type == StepActivity {
		resource, task, err = activityTask(n, input)
	}
	if err != nil {
		if ev := r.chainEvent(r.lastOf(rf), now, out, "TaskFailed"); ev != nil {
			ev.Error, ev.Cause = asl.ErrQueryEvaluationError, err.cause
		}
		r.attemptFailed(rf, asl.ErrQueryEvaluationError, err.cause, now, out)
		return false
	}
	id := r.newID("task-")
	if r.st.Tasks == nil {
		r.st.Tasks = map[string]ref{}
	}
	r.st.Tasks[id] = rf
	x.Task = id
	out.Commands = append(out.Commands, workflow.RunTask{TaskID: id, Resource: resource, Input: task,
		StateName: n.step.Name, Attempt: x.Retries, Timeout: n.timeout, Heartbeat: n.step.HeartbeatTimeout})
	r.armHeartbeat(rf, now, out)
	if record {
		if ev := r.chainEvent(r.lastOf(rf), now, out, "TaskScheduled"); ev != nil {
			ev.Task = &workflow.TaskDetails{ResourceType: "baton", Resource: resource[len("baton:"):], Region: r.st.Info.Region,
				Parameters: task, TimeoutSeconds: int64(n.timeout / time.Second), HeartbeatSeconds: int64(n.step.HeartbeatTimeout / time.Second)}
		}
		if ev := r.chainEvent(r.lastOf(rf), now, out, "TaskStarted"); ev != nil {
			ev.Task = &workflow.TaskDetails{ResourceType: "baton", Resource: resource[len("baton:"):]}
		}
	}
	return true
}

// activityTask is the task of an activity step: its resource names the
// activity (baton:step:activity:NAME, NAME a name or an activity ARN), so
// that the server queues it for that activity's workers, and its input is
// the step's input ({} when it has none), what the workers get.
func activityTask(n *cnode, spec map[string]any) (string, any, *evalErr) {
	name, _ := spec["activity"].(string)
	if !validActivity(name) {
		return "", nil, &evalErr{cause: fmt.Sprintf("The field 'activity' of step '%s' must be an activity name (1 to 80 letters, digits, '-' and '_') or an activity ARN, but was %s", n.step.Name, clip(name))}
	}
	input, ok := spec["input"]
	if !ok {
		input = map[string]any{}
	}
	return n.resource + ":" + name, input, nil
}

// validActivity tells whether s names an activity: a name as Step
// Functions allows them, or an activity ARN.
func validActivity(s string) bool {
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 7)
		return len(parts) == 7 && parts[2] == "states" && parts[5] == "activity" && validActivity(parts[6])
	}
	if s == "" || len(s) > 80 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Fields of the step task types that are strings: an expression's value
// there is written as text.
var stringFields = []string{"url", "method", "connection", "query", "from", "to", "path", "script", "shell", "activity", "workflow"}

// taskInput evaluates a step's fields into its steptask input.
func (r *run) taskInput(n *cnode, item int) (map[string]any, *evalErr) {
	sc := &evalScope{r: r}
	if item >= 0 {
		sc.item, sc.index, sc.hasItem = r.st.Steps[n.idx].Each.items()[item], item, true
	}
	v, err := n.spec.eval(sc)
	if err != nil {
		return nil, err
	}
	m := maps.Clone(v.(map[string]any))
	for _, k := range stringFields {
		if f, ok := m[k]; ok {
			m[k] = text(f)
		}
	}
	if c, ok := m["command"].([]any); ok {
		args := make([]any, len(c))
		for k, a := range c {
			args[k] = text(a)
		}
		m["command"] = args
	}
	if h, ok := m["headers"].(map[string]any); ok {
		hs := make(map[string]any, len(h))
		for k, a := range h {
			hs[k] = text(a)
		}
		m["headers"] = hs
	}
	if n.step.Type == StepWaitFor {
		since := r.st.Info.DataIntervalStart
		if since.IsZero() {
			since = r.st.Info.StartTime
		}
		if s, ok := m["since"].(string); ok {
			t, perr := time.Parse(time.RFC3339Nano, s)
			if perr != nil {
				return nil, &evalErr{cause: fmt.Sprintf("The field 'since' of step '%s' must be an RFC 3339 timestamp, but was %s", n.step.Name, clip(s))}
			}
			since = t
		}
		m["since"] = stamp(since)
	}
	m["pipeline"] = r.prog.pl.Name
	m["step"] = n.step.Name
	if item >= 0 {
		m["index"] = int64(item)
	}
	if len(n.envKeys) > 0 {
		env := make(map[string]any, len(n.envKeys))
		for _, k := range n.envKeys {
			ev, err := n.env[k].eval(sc.at("env/" + k))
			if err != nil {
				return nil, err
			}
			env[k] = text(ev)
		}
		m["env"] = env
	}
	return m, nil
}

// taskSucceeded handles a task's result. A wait_for probe that found
// nothing waits for its poll interval, with no task in flight.
func (r *run) taskSucceeded(rf ref, output any, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[rf.Node]
	x := r.execOf(rf)
	r.cancelTimer(&x.Beat, out)
	if n.step.Type == StepWaitFor {
		if o, _ := output.(map[string]any); o["found"] != true {
			x.Timer = r.arm(rf, timerPoll, now.Add(n.poll), out)
			return
		}
	}
	if lim := r.prog.opts.MaxPayloadBytes; lim > 0 {
		if size := value.Size(output, lim); size > lim {
			r.cancelTimer(&x.Timeout, out)
			cause := fmt.Sprintf("The output of step '%s' is larger than %d bytes, the payload limit of a step's output (raise the server's payload limit, or write large results to storage and output their location)", n.step.Name, lim)
			if ev := r.chainEvent(r.lastOf(rf), now, out, "TaskFailed"); ev != nil {
				ev.Error, ev.Cause = asl.ErrDataLimitExceeded, cause
			}
			r.attemptFailed(rf, asl.ErrDataLimitExceeded, cause, now, out)
			return
		}
	}
	r.cancelTimer(&x.Timeout, out)
	if ev := r.chainEvent(r.lastOf(rf), now, out, "TaskSucceeded"); ev != nil {
		ev.Output, ev.HasOutput = output, true
		ev.Task = &workflow.TaskDetails{ResourceType: "baton", Resource: n.resource[len("baton:"):]}
	}
	if rf.Item < 0 {
		r.st.Steps[rf.Node].X = nil
		r.stepDone(rf.Node, stateSucceeded, output, "", "", now, out)
		return
	}
	r.itemSucceeded(rf.Node, int(rf.Item), output, now, out)
}

// taskEnded records a failed or timed-out attempt and hands it to retry.
func (r *run) taskEnded(rf ref, errName, cause string, timedOut bool, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[rf.Node]
	x := r.execOf(rf)
	r.cancelTimer(&x.Timeout, out)
	r.cancelTimer(&x.Timer, out)
	r.cancelTimer(&x.Beat, out)
	typ := "TaskFailed"
	if timedOut {
		typ = "TaskTimedOut"
	}
	if ev := r.chainEvent(r.lastOf(rf), now, out, typ); ev != nil {
		ev.Error, ev.Cause = errName, cause
		ev.Task = &workflow.TaskDetails{ResourceType: "baton", Resource: n.resource[len("baton:"):]}
	}
	r.attemptFailed(rf, errName, cause, now, out)
}

// attemptFailed retries the attempt when the step's retry covers the
// error and has retries left, else ends the step (or the item) failed.
func (r *run) attemptFailed(rf ref, errName, cause string, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[rf.Node]
	x := r.execOf(rf)
	if rp := n.retry; rp != nil && rp.covers(errName) && x.Retries < rp.retries && !waitTimedOut(n, errName, rp) {
		d := rp.delay(x.Retries, r.prog.opts.Rand)
		x.Retries++
		x.Timer = r.arm(rf, timerRetry, now.Add(d), out)
		if rf.Item < 0 {
			r.st.Steps[rf.Node].State = stateRetrying
			delete(r.js.steps, rf.Node)
		}
		return
	}
	state := stateFailed
	if errName == asl.ErrTimeout || errName == asl.ErrHeartbeatTimeout {
		state = stateTimedOut
	}
	if rf.Item < 0 {
		r.st.Steps[rf.Node].X = nil
		r.stepDone(rf.Node, state, nil, errName, cause, now, out)
		return
	}
	r.itemFailed(rf.Node, int(rf.Item), state, errName, cause, now, out)
}

// waitTimedOut reports a wait_for step whose wait timed out, which a retry
// runs again only when its `on` names States.Timeout itself: that timeout
// is the step's answer (the data did not come in time), not a transient
// failure that States.ALL, or a retry without `on` (defaults.retry), would
// make it wait for all over again.
func waitTimedOut(n *cnode, errName string, rp *retryPolicy) bool {
	return n.step.Type == StepWaitFor && errName == asl.ErrTimeout && !slices.Contains(rp.on, asl.ErrTimeout)
}

func (r *run) itemSucceeded(i int32, k int, output any, now time.Time, out *workflow.Output) {
	st := &r.st.Steps[i]
	e := st.Each
	x := r.execOf(ref{Node: i, Item: int32(k)})
	e.State[k], e.Outputs[k] = stateSucceeded, jv{output}
	delete(e.Active, k)
	e.Done++
	if ev := r.chainEvent(&x.Last, now, out, "MapIterationSucceeded"); ev != nil {
		ev.Name, ev.Index = r.prog.nodes[i].step.Name, k
	}
	st.Last = x.Last // the step's next event follows its latest item
	if e.Done == len(e.State) {
		r.eachSucceeded(i, now, out)
		return
	}
	r.fillEach(i, now, out)
}

// eachSucceeded ends a for_each step: its output is its items' outputs.
func (r *run) eachSucceeded(i int32, now time.Time, out *workflow.Output) {
	e := r.st.Steps[i].Each
	outputs := make([]any, len(e.Outputs))
	for k, o := range e.Outputs {
		outputs[k] = o.V
	}
	if ev := r.chainEvent(&r.st.Steps[i].Last, now, out, "MapStateSucceeded"); ev != nil {
		ev.Name = r.prog.nodes[i].step.Name
	}
	r.stepDone(i, stateSucceeded, outputs, "", "", now, out)
}

// itemFailed fails a for_each step when one of its items fails (after its
// retries), as a Map state without tolerance does: the other items are
// cancelled, and a redrive runs again the items that did not succeed.
func (r *run) itemFailed(i int32, k int, state uint8, errName, cause string, now time.Time, out *workflow.Output) {
	name := r.prog.nodes[i].step.Name
	st := &r.st.Steps[i]
	e := st.Each
	x := r.execOf(ref{Node: i, Item: int32(k)})
	e.State[k] = state
	delete(e.Active, k)
	if ev := r.chainEvent(&x.Last, now, out, "MapIterationFailed"); ev != nil {
		ev.Name, ev.Index, ev.Error, ev.Cause = name, k, errName, cause
	}
	st.Last = x.Last
	r.abortItems(i, now, out)
	if ev := r.chainEvent(&st.Last, now, out, "MapStateFailed"); ev != nil {
		ev.Name = name
	}
	r.stepDone(i, state, nil, errName, fmt.Sprintf("Item %d failed: %s", k, cause), now, out)
}

// abortItems cancels a for_each step's items in flight, in index order;
// they are pending again, for a redrive.
func (r *run) abortItems(i int32, now time.Time, out *workflow.Output) {
	st := &r.st.Steps[i]
	e := st.Each
	for _, k := range slices.Sorted(maps.Keys(e.Active)) {
		x := e.Active[k]
		r.cancelExec(x, out)
		e.State[k] = statePending
		if ev := r.chainEvent(&x.Last, now, out, "MapIterationAborted"); ev != nil {
			ev.Name, ev.Index = r.prog.nodes[i].step.Name, k
		}
		st.Last = x.Last
	}
	e.Active = map[int]*inflight{}
	e.Next = 0
}

// stepDone ends a step (not skipped) with its *StateExited event.
func (r *run) stepDone(i int32, state uint8, output any, errName, cause string, now time.Time, out *workflow.Output) {
	n := r.prog.nodes[i]
	st := &r.st.Steps[i]
	st.Output, st.Error, st.Cause = jv{output}, errName, cause
	typ := "TaskStateExited"
	if n.forEach != nil {
		typ = "MapStateExited"
	}
	if ev := r.chainEvent(&st.Last, now, out, typ); ev != nil {
		ev.Name = n.step.Name
		if state == stateSucceeded {
			ev.Output, ev.HasOutput = output, true
		}
	}
	if state != stateSucceeded && !n.step.AllowFailure {
		r.fail(errName, fmt.Sprintf("Step '%s' failed: %s", n.step.Name, cause))
	}
	r.setFinal(i, state)
}

// ---- redrive, retry from a step ----

// Redrive runs again the steps of a FAILED, TIMED_OUT or ABORTED run that
// did not succeed (for_each steps: their items that did not succeed),
// keeping the outputs of those that did, then the handlers.
func (r *run) Redrive(now time.Time, out *workflow.Output) error {
	switch r.st.Status {
	case workflow.StatusFailed, workflow.StatusTimedOut, workflow.StatusAborted:
		if r.st.BadInput {
			return fmt.Errorf("%w: the run's input did not match the pipeline's params, and a redrive keeps the input: start a new run with a good one", workflow.ErrNotRedrivable)
		}
	default:
		return fmt.Errorf("%w: the run is %s; only a FAILED, TIMED_OUT or ABORTED run can be redriven", workflow.ErrNotRedrivable, r.st.Status)
	}
	for _, i := range r.prog.lists[listDAG] {
		if r.st.Steps[i].State != stateSucceeded {
			r.reset(i, true)
		}
	}
	r.restart(now, out)
	return nil
}

// RetryFrom runs again a step and every step downstream of it in the same
// run, as new attempts, once the run has ended; the other steps keep their
// outcomes (steps a stop cut short run again too).
func (r *run) RetryFrom(step string, now time.Time, out *workflow.Output) error {
	i, ok := r.prog.byName[step]
	if !ok || r.prog.nodes[i].list != listDAG {
		return fmt.Errorf("%w: the pipeline has no step %q (handlers run again with any retry)", workflow.ErrUnknownStep, step)
	}
	if r.st.BadInput {
		return fmt.Errorf("%w: the run's input did not match the pipeline's params: start a new run with a good one", workflow.ErrNotRedrivable)
	}
	if r.st.Status == workflow.StatusRunning {
		return fmt.Errorf("%w: the run is still RUNNING; wait for its end, or stop it, then retry from %s", workflow.ErrNotRedrivable, step)
	}
	// Steps a stop cut short never ended: they run again too.
	for _, k := range r.prog.lists[listDAG] {
		if r.st.Steps[k].State == stateStopped {
			r.reset(k, false)
		}
	}
	seen := map[int32]bool{i: true}
	todo := []int32{i}
	for len(todo) > 0 {
		j := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		r.reset(j, false)
		for _, d := range r.prog.nodes[j].downs {
			if !seen[d] {
				seen[d] = true
				todo = append(todo, d)
			}
		}
	}
	r.restart(now, out)
	return nil
}

// reset makes a step pending again; a for_each step may keep its items.
func (r *run) reset(i int32, keepItems bool) {
	st := &r.st.Steps[i]
	*st = stepState{Attempts: st.Attempts, Each: st.Each}
	if !keepItems {
		st.Each = nil
	}
}

// restart sets a finished run RUNNING again, with its handlers reset.
func (r *run) restart(now time.Time, out *workflow.Output) {
	for l := listOnFailure; l <= listOnExit; l++ {
		for _, i := range r.prog.lists[l] {
			r.reset(i, false)
		}
	}
	r.st.Status, r.st.Heading, r.st.Filling = workflow.StatusRunning, "", false
	r.st.Failed, r.st.Error, r.st.Cause, r.st.Output = false, "", "", jv{}
	r.st.Redrives++
	for _, k := range r.prog.lists[listDAG] {
		st := &r.st.Steps[k]
		if (st.State == stateFailed || st.State == stateTimedOut) && !r.prog.nodes[k].step.AllowFailure {
			r.fail(st.Error, fmt.Sprintf("Step '%s' failed: %s", r.prog.nodes[k].step.Name, st.Cause))
			break
		}
	}
	r.recount()
	if ev := r.event(now, out, "ExecutionRedriven"); ev != nil {
		ev.Redrives = r.st.Redrives
	}
	r.armRunTimeout(now, out)
	r.startList(listDAG)
	r.drain(now, out)
	r.settle(now, out)
}
