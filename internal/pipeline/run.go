package pipeline

import (
	"fmt"
	"strconv"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/workflow"
)

// run is one execution of a pipeline: a pure function of (state, event,
// time) to (new state, commands, history), like asl's executions.
type run struct {
	prog *program
	st   runState

	// Derived from st, rebuilt by Restore.
	cnt   []counts // per step: its final upstreams by outcome
	final [4]int   // per list: steps in a final state
	js    jsCache
	queue []int32 // steps whose upstreams changed, to decide
	over  bool    // the history passed its limit in this call
	ticks int     // for_each items started, to ask Output.Interrupt every 64
}

// counts are the final states of a step's direct upstreams.
type counts struct{ done, succ, fail, skip int32 }

// jsCache holds variables converted for the JSONata engine.
type jsCache struct {
	input, run, env any
	steps           map[int32]any
}

// Start begins a run: params are checked and defaulted, then the steps
// without upstreams start.
func (p *program) Start(info workflow.Info, now time.Time, out *workflow.Output) workflow.Instance {
	r := &run{prog: p}
	r.st = runState{Status: workflow.StatusRunning, Steps: make([]stepState, len(p.nodes)), Info: p.runInfo(info, now)}
	r.recount()
	if ev := r.event(now, out, "ExecutionStarted"); ev != nil {
		ev.Input, ev.HasInput = info.Input, true
		ev.Task = &workflow.TaskDetails{RoleArn: info.RoleArn}
	}
	input, err := r.params(info.Input)
	if err != "" {
		r.st.BadInput = true
		r.st.Error, r.st.Cause = asl.ErrRuntime, err
		r.finish(workflow.StatusFailed, now, out)
		return r
	}
	r.st.Input = jv{input}
	if info.Queued {
		r.st.Status = workflow.StatusQueued // its steps start with Dequeue
		return r
	}
	r.begin(now, out)
	return r
}

// begin starts the DAG of a run that may run: its timeout, then the steps
// without upstreams.
func (r *run) begin(now time.Time, out *workflow.Output) {
	r.armRunTimeout(now, out)
	r.startList(listDAG)
	r.drain(now, out)
	r.settle(now, out)
}

// MaxActiveRuns implements workflow.Limited.
func (p *program) MaxActiveRuns() (int, string) { return p.pl.MaxActiveRuns, p.pl.OnLimit }

// applyQueued feeds an event to a QUEUED run: Dequeue lets it run; a stop
// ends it ABORTED at once (nothing of it ran, so no handler runs).
func (r *run) applyQueued(ev workflow.Event, now time.Time, out *workflow.Output) {
	switch e := ev.(type) {
	case workflow.Dequeue:
		r.st.Status = workflow.StatusRunning
		r.begin(now, out)
	case workflow.Stop:
		r.st.Error, r.st.Cause = e.Error, e.Cause
		r.finish(workflow.StatusAborted, now, out)
	}
}

// runInfo is what a run keeps of its Info.
func (p *program) runInfo(info workflow.Info, now time.Time) runInfo {
	in := runInfo{ID: info.ID, Name: info.Name, WorkflowID: info.WorkflowID, WorkflowName: info.WorkflowName,
		Namespace: info.Namespace, Version: info.Version, Region: info.Region, StartTime: info.StartTime,
		LogicalDate: info.LogicalDate, DataIntervalStart: info.DataIntervalStart, Trigger: jv{info.Trigger}}
	if in.StartTime.IsZero() {
		in.StartTime = now
	}
	if in.WorkflowName == "" {
		in.WorkflowName = p.pl.Name
	}
	if in.Namespace == "" {
		in.Namespace = p.pl.Namespace
	}
	return in
}

func (r *run) armRunTimeout(now time.Time, out *workflow.Output) {
	if t := r.prog.pl.Timeout; t > 0 {
		r.st.RunTimer = r.arm(ref{Node: -1, Item: -1}, timerRun, now.Add(t), out)
	}
}

// recount rebuilds the counts of final upstreams and of final steps.
func (r *run) recount() {
	r.cnt = make([]counts, len(r.prog.nodes))
	r.final = [4]int{}
	r.js = jsCache{}
	for i, n := range r.prog.nodes {
		if e := r.st.Steps[i].Each; e != nil && e.Active == nil {
			e.Active = map[int]*inflight{}
		}
		s := r.st.Steps[i].State
		if final(s) {
			r.final[n.list]++
			for _, d := range n.downs {
				r.cnt[d].add(s)
			}
		}
	}
}

func (c *counts) add(s uint8) {
	c.done++
	switch {
	case s == stateSucceeded:
		c.succ++
	case s == stateSkipped:
		c.skip++
	default:
		c.fail++
	}
}

// Status is RUNNING until the run and its handlers are done.
func (r *run) Status() string { return r.st.Status }

// Result is the outcome of a finished run.
func (r *run) Result() workflow.Result {
	return workflow.Result{Output: r.st.Output.V, Error: r.st.Error, Cause: r.st.Cause}
}

func (r *run) Tasks(fn func(taskID, token string)) {
	for id := range r.st.Tasks {
		fn(id, "")
	}
}

func (r *run) HasTask(taskID string) bool { _, ok := r.st.Tasks[taskID]; return ok }

func (r *run) Timers(fn func(timerID string)) {
	for id := range r.st.Timers {
		fn(id)
	}
}

// Continue starts the for_each items an interrupted call left (the only
// unbounded work of a call: a step's items starting; see fillEach).
func (r *run) Continue(now time.Time, out *workflow.Output) {
	if !r.Interrupted() {
		r.st.Filling = false
		return
	}
	r.st.Filling = false
	for i := range r.st.Steps {
		if st := &r.st.Steps[i]; st.State == stateRunning && st.Each != nil && st.Each.Active != nil {
			r.fillEach(int32(i), now, out)
		}
	}
	r.drain(now, out)
	r.settle(now, out)
}

// Interrupted reports whether a call left for_each items to start.
func (r *run) Interrupted() bool { return r.st.Filling && r.st.Status == workflow.StatusRunning }

// Apply feeds one event.
func (r *run) Apply(ev workflow.Event, now time.Time, out *workflow.Output) {
	if r.st.Status == workflow.StatusQueued {
		r.applyQueued(ev, now, out)
		return
	}
	if r.st.Status != workflow.StatusRunning {
		return
	}
	switch e := ev.(type) {
	case workflow.TaskSucceeded:
		if rf, ok := r.takeTask(e.TaskID); ok {
			r.taskSucceeded(rf, e.Output, now, out)
		}
	case workflow.TaskFailed:
		if rf, ok := r.takeTask(e.TaskID); ok {
			r.taskEnded(rf, e.Error, e.Cause, false, now, out)
		}
	case workflow.TaskHeartbeat:
		if rf, ok := r.st.Tasks[e.TaskID]; ok {
			r.armHeartbeat(rf, now, out)
		}
	case workflow.TaskStarted:
		// pipeline tasks are recorded started when scheduled
	case workflow.TimerFired:
		t, ok := r.st.Timers[e.TimerID]
		if !ok {
			return
		}
		delete(r.st.Timers, e.TimerID)
		r.timerFired(e.TimerID, t, now, out)
	case workflow.Stop:
		r.stop(e, now, out)
	}
	r.drain(now, out)
	r.settle(now, out)
}

// takeTask removes a task in flight.
func (r *run) takeTask(id string) (ref, bool) {
	rf, ok := r.st.Tasks[id]
	if ok {
		delete(r.st.Tasks, id)
		r.execOf(rf).Task = ""
	}
	return rf, ok
}

// execOf is the attempt in flight of a step or item.
func (r *run) execOf(rf ref) *inflight {
	st := &r.st.Steps[rf.Node]
	if rf.Item < 0 {
		if st.X == nil {
			st.X = &inflight{}
		}
		return st.X
	}
	x := st.Each.Active[int(rf.Item)]
	if x == nil {
		x = &inflight{}
		st.Each.Active[int(rf.Item)] = x
	}
	return x
}

func (r *run) timerFired(id string, t timer, now time.Time, out *workflow.Output) {
	switch t.Kind {
	case timerRun:
		r.st.RunTimer = ""
		r.runTimedOut(now, out)
	case timerGrace:
		r.st.Grace = ""
		r.cancelAll(now, out)
		r.finish(r.st.Heading, now, out)
	case timerRetry:
		x := r.execOf(t.ref)
		x.Timer = ""
		if t.Item < 0 {
			r.st.Steps[t.Node].State = stateRunning
		}
		r.attempt(t.Node, int(t.Item), now, out)
	case timerPoll:
		r.execOf(t.ref).Timer = ""
		r.probe(t.ref, now, out)
	case timerReeval:
		st := &r.st.Steps[t.Node]
		if st.X != nil {
			st.X.Timer = ""
		}
		st.State = stateRunning
		delete(r.js.steps, t.Node)
		r.beginStep(t.Node, true, now, out)
	case timerTimeout, timerHeartbeat:
		x := r.execOf(t.ref)
		n := r.prog.nodes[t.Node]
		errName, cause := asl.ErrTimeout, fmt.Sprintf("Step '%s' did not end within its timeout of %s", n.step.Name, n.timeout)
		if t.Kind == timerHeartbeat {
			x.Beat = ""
			errName, cause = asl.ErrHeartbeatTimeout, fmt.Sprintf("Step '%s' sent no heartbeat for %s", n.step.Name, n.step.HeartbeatTimeout)
		} else {
			x.Timeout = ""
		}
		if x.Task != "" {
			out.Commands = append(out.Commands, workflow.CancelTask{TaskID: x.Task})
			delete(r.st.Tasks, x.Task)
			x.Task = ""
		}
		r.taskEnded(t.ref, errName, cause, true, now, out)
	}
}

// armHeartbeat (re)arms the heartbeat timer of an activity step's task.
func (r *run) armHeartbeat(rf ref, now time.Time, out *workflow.Output) {
	hb := r.prog.nodes[rf.Node].step.HeartbeatTimeout
	if hb <= 0 {
		return
	}
	x := r.execOf(rf)
	r.cancelTimer(&x.Beat, out)
	x.Beat = r.arm(rf, timerHeartbeat, now.Add(hb), out)
}

// settle ends the call: a history past its limit fails the run.
func (r *run) settle(now time.Time, out *workflow.Output) {
	if r.over && r.st.Status == workflow.StatusRunning {
		r.over = false
		r.cancelAll(now, out)
		r.st.Error = asl.ErrRuntime
		r.st.Cause = fmt.Sprintf("The run's history reached %d events, the limit of a pipeline run (raise it with baton server --max-pipeline-history-events, or split the pipeline)", r.prog.opts.MaxHistoryEvents)
		r.finish(workflow.StatusFailed, now, out)
	}
}

// event appends a history event.
func (r *run) event(now time.Time, out *workflow.Output, typ string) *workflow.HistoryEvent {
	r.st.Events++
	if m := r.prog.opts.MaxHistoryEvents; m > 0 && r.st.Events > m {
		r.over = true
	}
	if out.FlushHistory != nil && len(out.History) >= workflow.HistoryBatch {
		out.FlushHistory(out.History)
		clear(out.History)
		out.History = out.History[:0]
	}
	out.History = append(out.History, workflow.HistoryEvent{ID: r.st.Events, PreviousEventID: r.st.Events - 1, Timestamp: now, Type: typ})
	return &out.History[len(out.History)-1]
}

// chainEvent appends an event of a step or a for_each item. Its previous
// event is the last one of the same step or item (*last), as Step Functions
// links the events of one branch, so that readers of a history with steps
// running side by side can tell which step an event belongs to; a step's
// first event follows the run's latest one. *last moves to the new event.
func (r *run) chainEvent(last *int64, now time.Time, out *workflow.Output, typ string) *workflow.HistoryEvent {
	prev := *last
	if prev == 0 {
		prev = r.st.Events
	}
	ev := r.event(now, out, typ)
	ev.PreviousEventID = prev
	*last = ev.ID
	return ev
}

// lastOf is the event chain of a step (rf.Item < 0) or of an item.
func (r *run) lastOf(rf ref) *int64 {
	if rf.Item < 0 {
		return &r.st.Steps[rf.Node].Last
	}
	return &r.execOf(rf).Last
}

func (r *run) newID(prefix string) string {
	r.st.Seq++
	return prefix + strconv.FormatInt(r.st.Seq, 10)
}

func (r *run) arm(rf ref, kind uint8, at time.Time, out *workflow.Output) string {
	id := r.newID("timer-")
	if r.st.Timers == nil {
		r.st.Timers = map[string]timer{}
	}
	r.st.Timers[id] = timer{ref: rf, Kind: kind}
	out.Commands = append(out.Commands, workflow.ArmTimer{TimerID: id, At: at, Purpose: timerPurposes[kind]})
	return id
}

func (r *run) cancelTimer(id *string, out *workflow.Output) {
	if *id == "" {
		return
	}
	delete(r.st.Timers, *id)
	out.Commands = append(out.Commands, workflow.CancelTimer{TimerID: *id})
	*id = ""
}

// cancelExec cancels an attempt's task and timers.
func (r *run) cancelExec(x *inflight, out *workflow.Output) {
	if x == nil {
		return
	}
	if x.Task != "" {
		delete(r.st.Tasks, x.Task)
		out.Commands = append(out.Commands, workflow.CancelTask{TaskID: x.Task})
		x.Task = ""
	}
	r.cancelTimer(&x.Timer, out)
	r.cancelTimer(&x.Timeout, out)
	r.cancelTimer(&x.Beat, out)
}

// ---- scheduling ----

// startList makes the steps of list l the current ones, queued for drain
// to decide.
func (r *run) startList(l uint8) {
	r.st.Phase = l
	for _, i := range r.prog.lists[l] {
		if r.st.Steps[i].State == statePending {
			r.queue = append(r.queue, i)
		}
	}
}

// drain decides every queued step, then moves the run on when the current
// list is done.
func (r *run) drain(now time.Time, out *workflow.Output) {
	for {
		for k := 0; k < len(r.queue); k++ { // in order: steps start in file order
			r.decide(r.queue[k], now, out)
		}
		r.queue = r.queue[:0]
		if r.st.Status != workflow.StatusRunning || r.st.Phase == listDone {
			return
		}
		if r.final[r.st.Phase] < len(r.prog.lists[r.st.Phase]) {
			return
		}
		r.nextPhase(now, out)
	}
}

// decide starts or skips a pending step whose trigger rule is decided.
func (r *run) decide(i int32, now time.Time, out *workflow.Output) {
	st := &r.st.Steps[i]
	n := r.prog.nodes[i]
	if st.State != statePending || n.list != r.st.Phase {
		return
	}
	run, reason := rule(n.step.TriggerRule, r.cnt[i], int32(len(n.deps)))
	switch {
	case run:
		r.startStep(i, now, out)
	case reason != "":
		r.skip(i, reason, fmt.Sprintf("Step '%s' was skipped: its trigger rule %s can no longer be met (%s)", n.step.Name, n.step.TriggerRule, upstreamSummary(r.cnt[i], int32(len(n.deps)))), now, out)
	}
}

func upstreamSummary(c counts, total int32) string {
	return fmt.Sprintf("upstream: %d succeeded, %d failed, %d skipped, %d not done", c.succ, c.fail, c.skip, total-c.done)
}

// rule applies a trigger rule to the final states of a step's direct
// upstreams: run, or skip with a reason, or neither yet (PIPELINE.md's
// table; timed_out counts as failed).
func rule(name string, c counts, total int32) (run bool, skip string) {
	all := c.done == total
	switch name {
	case RuleAllFailed:
		switch {
		case c.succ > 0:
			return false, ReasonUpstreamSucceeded
		case c.skip > 0:
			return false, ReasonUpstreamSkipped
		}
		return all, ""
	case RuleAllDone, RuleAlways:
		return all, ""
	case RuleOneSuccess:
		switch {
		case c.succ > 0:
			return true, ""
		case all && c.fail > 0:
			return false, ReasonUpstreamFailed
		case all:
			return false, ReasonUpstreamSkipped
		}
	case RuleOneFailed:
		switch {
		case c.fail > 0:
			return true, ""
		case all && c.skip > 0:
			return false, ReasonUpstreamSkipped
		case all:
			return false, ReasonUpstreamSucceeded
		}
	case RuleNoneFailed:
		if c.fail > 0 {
			return false, ReasonUpstreamFailed
		}
		return all, ""
	case RuleNoneFailedMinOneSuccess:
		switch {
		case c.fail > 0:
			return false, ReasonUpstreamFailed
		case all && c.succ == 0 && total > 0:
			return false, ReasonUpstreamSkipped
		}
		return all, ""
	default: // all_success
		switch {
		case c.fail > 0:
			return false, ReasonUpstreamFailed
		case c.skip > 0:
			return false, ReasonUpstreamSkipped
		}
		return all, ""
	}
	return false, ""
}

// skip ends a step as skipped, with its StepSkipped event.
func (r *run) skip(i int32, reason, cause string, now time.Time, out *workflow.Output) {
	st := &r.st.Steps[i]
	st.Reason = reason
	st.Last = 0
	if ev := r.chainEvent(&st.Last, now, out, "StepSkipped"); ev != nil {
		ev.Name, ev.Error, ev.Cause = r.prog.nodes[i].step.Name, reason, cause
	}
	r.setFinal(i, stateSkipped)
}

// setFinal records a step's final state and tells its downstream steps.
func (r *run) setFinal(i int32, s uint8) {
	st := &r.st.Steps[i]
	st.State = s
	delete(r.js.steps, i)
	n := r.prog.nodes[i]
	r.final[n.list]++
	for _, d := range n.downs {
		r.cnt[d].add(s)
		r.queue = append(r.queue, d)
	}
}

// nextPhase moves on once the current list of steps is done: the DAG,
// then on_failure or on_success, then on_exit, then the end.
func (r *run) nextPhase(now time.Time, out *workflow.Output) {
	switch r.st.Phase {
	case listDAG:
		heading := workflow.StatusSucceeded
		if r.st.Failed {
			heading = workflow.StatusFailed
		} else {
			r.runOutput()
			if r.st.Failed {
				heading = workflow.StatusFailed
			}
		}
		r.st.Heading = heading
		if heading == workflow.StatusSucceeded {
			r.startList(listOnSuccess)
		} else {
			r.startList(listOnFailure)
		}
	case listOnSuccess:
		if r.st.Failed {
			// A failing on_success handler makes the run FAILED: the
			// on_failure handlers are for that (PIPELINE.md).
			r.st.Heading = workflow.StatusFailed
			r.startList(listOnFailure)
			break
		}
		r.startList(listOnExit)
	case listOnFailure:
		r.startList(listOnExit)
	case listOnExit:
		status := r.st.Heading
		if status == workflow.StatusSucceeded && r.st.Failed {
			status = workflow.StatusFailed
		}
		r.finish(status, now, out)
	}
}

// runOutput computes the run's output once the DAG succeeded: the
// pipeline's output expression, or the succeeded steps' outputs by name.
func (r *run) runOutput() {
	if r.prog.output != nil {
		v, err := r.prog.output.eval(&evalScope{r: r, field: "output"})
		if err != nil {
			r.fail(asl.ErrQueryEvaluationError, err.cause)
			return
		}
		r.st.Output = jv{v}
		return
	}
	o := map[string]any{}
	for _, i := range r.prog.lists[listDAG] {
		if st := &r.st.Steps[i]; st.State == stateSucceeded {
			o[r.prog.nodes[i].step.Name] = st.Output.V
		}
	}
	r.st.Output = jv{o}
}

// fail records that the run will be FAILED, with its first error (a
// stopped or timed-out run keeps the error that says so).
func (r *run) fail(errName, cause string) {
	if !r.st.Failed && r.st.Heading != workflow.StatusAborted && r.st.Heading != workflow.StatusTimedOut {
		r.st.Failed = true
		r.st.Error, r.st.Cause = errName, cause
	}
}

// finish ends the run with status.
func (r *run) finish(status string, now time.Time, out *workflow.Output) {
	r.cancelTimer(&r.st.RunTimer, out)
	r.cancelTimer(&r.st.Grace, out)
	r.st.Status = status
	r.st.Phase = listDone
	r.queue = r.queue[:0]
	if status != workflow.StatusSucceeded {
		r.st.Output = jv{}
	}
	var ev *workflow.HistoryEvent
	switch status {
	case workflow.StatusSucceeded:
		if ev = r.event(now, out, "ExecutionSucceeded"); ev != nil {
			ev.Output, ev.HasOutput = r.st.Output.V, true
		}
		r.st.Error, r.st.Cause = "", ""
		return
	case workflow.StatusFailed:
		ev = r.event(now, out, "ExecutionFailed")
	case workflow.StatusTimedOut:
		ev = r.event(now, out, "ExecutionTimedOut")
	case workflow.StatusAborted:
		ev = r.event(now, out, "ExecutionAborted")
	}
	if ev != nil {
		ev.Error, ev.Cause = r.st.Error, r.st.Cause
	}
}

// ---- stop, timeout ----

// stop aborts the run: its tasks are cancelled and its on_exit handlers
// run within the grace period; a second stop, or a stop once on_exit runs,
// ends the run at once.
func (r *run) stop(e workflow.Stop, now time.Time, out *workflow.Output) {
	r.st.Heading = workflow.StatusAborted
	r.st.Error, r.st.Cause = e.Error, e.Cause
	r.cancelTimer(&r.st.RunTimer, out) // the grace period bounds what is left
	r.interrupt(now, out)
}

// runTimedOut ends the run TIMED_OUT after its on_failure (when the DAG
// was running) and on_exit handlers, within the grace period.
func (r *run) runTimedOut(now time.Time, out *workflow.Output) {
	r.st.Heading = workflow.StatusTimedOut
	r.st.Error = asl.ErrTimeout
	r.st.Cause = fmt.Sprintf("The pipeline did not end within its timeout of %s", r.prog.pl.Timeout)
	r.interrupt(now, out)
}

// interrupt cancels what runs and moves to the handlers the heading status
// calls for, bounded by the grace period.
func (r *run) interrupt(now time.Time, out *workflow.Output) {
	phase := r.st.Phase
	r.cancelAll(now, out)
	next := uint8(listOnExit)
	if phase == listDAG && r.st.Heading == workflow.StatusTimedOut {
		next = listOnFailure
	}
	if phase >= listOnExit {
		r.finish(r.st.Heading, now, out)
		return
	}
	if r.st.Grace == "" && len(r.prog.lists[next])+len(r.prog.lists[listOnExit]) > 0 {
		r.st.Grace = r.arm(ref{Node: -1, Item: -1}, timerGrace, now.Add(r.prog.opts.HandlerGrace), out)
	}
	if next == listOnFailure {
		r.startList(listOnFailure)
	} else {
		r.startList(listOnExit)
	}
}

// cancelAll cancels every task and step timer; running steps end stopped.
func (r *run) cancelAll(now time.Time, out *workflow.Output) {
	for i := range r.st.Steps {
		st := &r.st.Steps[i]
		if st.State != stateRunning && st.State != stateRetrying {
			continue
		}
		r.cancelExec(st.X, out)
		st.X = nil
		name := r.prog.nodes[i].step.Name
		typ := "TaskStateAborted"
		if st.Each != nil {
			typ = "MapStateAborted"
			r.abortItems(int32(i), now, out)
		}
		if ev := r.chainEvent(&st.Last, now, out, typ); ev != nil {
			ev.Name = name
		}
		r.setFinal(int32(i), stateStopped)
	}
	r.queue = r.queue[:0]
}

// ---- params ----

// params checks the run input against the params and fills in defaults; a
// problem is returned as text naming the param.
func (r *run) params(input any) (any, string) {
	if len(r.prog.params) == 0 {
		return input, ""
	}
	obj, ok := input.(map[string]any)
	switch {
	case input == nil:
		obj = map[string]any{}
	case !ok:
		return nil, "The run input must be a JSON object of the pipeline's params (" + paramNames(r.prog.params) + ")"
	}
	out := make(map[string]any, len(obj)+len(r.prog.params))
	for k, v := range obj {
		out[k] = v
	}
	for _, d := range r.prog.params {
		v, given := obj[d.name]
		if !given {
			if d.def == nil {
				return nil, fmt.Sprintf("The param '%s' is required (it has no default): give it in the run input", d.name)
			}
			dv, err := d.def.eval(&evalScope{r: r, field: "params/" + d.name + "/default"})
			if err != nil {
				return nil, err.cause
			}
			v = dv
		}
		if d.p.Type != "" && !matchesType(v, d.p.Type) {
			return nil, fmt.Sprintf("The param '%s' must be of type %s, but was %s", d.name, d.p.Type, clip(text(v)))
		}
		if d.p.Enum != nil && !enumHas(d.p.Enum, v) {
			return nil, fmt.Sprintf("The param '%s' must be one of %s, but was %s", d.name, clip(text(d.p.Enum)), clip(text(v)))
		}
		out[d.name] = v
	}
	return out, ""
}

func enumHas(enum []any, v any) bool {
	for _, e := range enum {
		if text(e) == text(v) {
			return true
		}
	}
	return false
}

func paramNames(ps []paramDef) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.name
	}
	return s
}

// runVar is $run.
func (r *run) runVar() map[string]any {
	in := r.st.Info
	logical := in.LogicalDate
	if logical.IsZero() {
		logical = in.StartTime
	}
	start := in.DataIntervalStart
	if start.IsZero() {
		start = logical
	}
	m := map[string]any{
		"id": in.ID, "name": in.Name, "namespace": in.Namespace, "pipeline": in.WorkflowName,
		"version": in.Version, "logical_date": stamp(logical), "data_interval_start": stamp(start),
		"data_interval_end": stamp(logical), "scheduled_time": nil, "trigger": in.Trigger.V,
	}
	if !in.LogicalDate.IsZero() && in.Trigger.V != nil {
		// Only a run something started by itself (a schedule's slot) was
		// scheduled; a backfill given its date by hand was not.
		m["scheduled_time"] = stamp(in.LogicalDate)
	}
	return m
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
