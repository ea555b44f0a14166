package asl

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// Start begins an execution: it records ExecutionStarted, arms the
// execution's timeout and runs the machine until every thread waits for a
// task or a timer, or the execution ends. What the caller must do next is in
// out.Commands; the history events in out.History.
func (m *Machine) Start(info ExecutionInfo, now time.Time, out *Output) *Execution {
	if info.StartTime.IsZero() {
		info.StartTime = now
	}
	x := &Execution{Info: info, Status: StatusRunning, Frames: map[int64]*Frame{}}
	started := m.event(x, nil, now, out, "ExecutionStarted")
	if started != nil {
		started.Input, started.HasInput = info.Input, true
		if info.RoleArn != "" {
			started.Task = &TaskDetails{RoleArn: info.RoleArn}
		}
	}
	if m.def.TimeoutSeconds != nil {
		m.arm(x, 0, timerExecution, info.StartTime.Add(time.Duration(*m.def.TimeoutSeconds)*time.Second), out)
	}
	root := m.newFrame(x, 0, m.root, 0, info.Input)
	x.Root = root.ID
	m.enter(x, root, m.root.startAt, info.Input, now, out)
	if lim := m.opts.MaxPayloadBytes; lim > 0 {
		if n := value.Size(info.Input, lim); n <= lim {
			root.InSize = n
		}
	}
	m.drain(x, now, out)
	return x
}

// Apply feeds one event to a running execution and runs it until it waits
// again or ends. Events for unknown or stale tasks and timers are ignored, so
// that a result delivered twice is applied once.
func (m *Machine) Apply(x *Execution, ev Event, now time.Time, out *Output) {
	if x.Done() {
		return
	}
	switch e := ev.(type) {
	case TaskSucceeded:
		f := m.taskFrame(x, e.TaskID)
		if f == nil {
			return
		}
		m.resume(x, f, m.taskSucceeded(x, f, e.Output, now, out))
	case TaskFailed:
		f := m.taskFrame(x, e.TaskID)
		if f == nil {
			return
		}
		m.resume(x, f, m.taskFailed(x, f, &Failure{Error: e.Error, Cause: e.Cause}, "Failed", now, out))
	case TaskStarted:
		f := m.taskFrame(x, e.TaskID)
		if f == nil {
			return
		}
		s := m.stateOf(f)
		if s.taskEvents == taskEventsActivity && !f.Started {
			f.Started = true // a start reported twice is recorded once
			if ev := m.event(x, f, now, out, "ActivityStarted"); ev != nil {
				ev.Task = &TaskDetails{WorkerName: e.WorkerName}
			}
		}
	case TaskHeartbeat:
		f := m.taskFrame(x, e.TaskID)
		if f == nil || f.HeartbeatTimer == "" {
			return
		}
		m.cancelTimer(x, f.HeartbeatTimer, out)
		f.HeartbeatTimer = m.arm(x, f.ID, timerHeartbeat, now.Add(time.Duration(f.Heartbeat)*time.Second), out)
	case TimerFired:
		ref, ok := x.Timers[e.TimerID]
		if !ok {
			return
		}
		delete(x.Timers, e.TimerID)
		if ref.Kind == timerExecution {
			m.finishExecution(x, StatusTimedOut, nil, &Failure{Error: ErrTimeout, Cause: "The execution timed out."}, now, out)
			return
		}
		f := x.Frames[ref.Frame]
		if f == nil {
			return
		}
		x.touch(f.ID)
		switch ref.Kind {
		case timerWait:
			f.TimerID = ""
			m.resume(x, f, m.waitDone(x, f, now, out))
		case timerRetry:
			f.TimerID = ""
			m.retryNow(x, f, now, out)
		case timerTaskTimeout:
			f.TimeoutTimer = ""
			m.resume(x, f, m.taskFailed(x, f, &Failure{Error: ErrTimeout}, "TimedOut", now, out))
		case timerHeartbeat:
			f.HeartbeatTimer = ""
			m.resume(x, f, m.taskFailed(x, f, &Failure{Error: ErrHeartbeatTimeout}, "TimedOut", now, out))
		}
	case Stop:
		m.finishExecution(x, StatusAborted, nil, &Failure{Error: e.Error, Cause: e.Cause}, now, out)
		return
	}
	m.drain(x, now, out)
}

// resume queues a frame that moved to a new state outside advance.
func (m *Machine) resume(x *Execution, f *Frame, moved bool) {
	if moved {
		x.queue = append(x.queue, f.ID)
	}
}

// drain advances every runnable frame until none is left.
func (m *Machine) drain(x *Execution, now time.Time, out *Output) {
	x.interrupted = false
	for len(x.queue) > 0 && !x.Done() && !x.interrupted {
		id := x.queue[0]
		x.queue = x.queue[1:]
		if f := x.Frames[id]; f != nil {
			x.touch(id)
			m.advance(x, f, now, out)
		}
	}
	if !x.interrupted {
		x.queue = x.queue[:0]
	}
}

func (m *Machine) taskFrame(x *Execution, taskID string) *Frame {
	id, ok := x.Tasks[taskID]
	if !ok {
		return nil
	}
	f := x.Frames[id]
	if f == nil || f.TaskID != taskID || f.Phase != phaseTask {
		return nil
	}
	x.touch(id)
	return f
}

func (m *Machine) newID(x *Execution) int64 {
	x.Seq++
	return x.Seq
}

// timerPurposes names timer kinds for ArmTimer.Purpose.
var timerPurposes = [...]string{timerWait: "wait", timerRetry: "retry", timerTaskTimeout: "task-timeout", timerHeartbeat: "heartbeat", timerExecution: "execution-timeout"}

// arm creates a timer and asks the caller to fire it at at.
func (m *Machine) arm(x *Execution, frame int64, kind timerKind, at time.Time, out *Output) string {
	id := m.newTimer(x, frame, kind)
	out.Commands = append(out.Commands, ArmTimer{TimerID: id, At: at, Purpose: timerPurposes[kind]})
	return id
}

func (m *Machine) newTimer(x *Execution, frame int64, kind timerKind) string {
	id := "timer-" + strconv.FormatInt(m.newID(x), 10)
	if x.Timers == nil {
		x.Timers = map[string]timerRef{}
	}
	x.Timers[id] = timerRef{Frame: frame, Kind: kind}
	return id
}

func (m *Machine) cancelTimer(x *Execution, id string, out *Output) {
	if id == "" {
		return
	}
	delete(x.Timers, id)
	out.Commands = append(out.Commands, CancelTimer{TimerID: id})
}

func (m *Machine) newFrame(x *Execution, parent int64, g *graph, index int, input any) *Frame {
	f := &Frame{ID: m.newID(x), Parent: parent, Graph: g.key, Index: index, Input: input}
	x.Frames[f.ID] = f
	x.touch(f.ID)
	return f
}

func (m *Machine) stateOf(f *Frame) *state { return m.graphs[f.Graph].states[f.State] }

// event appends a history event and returns it for its details, or nil when
// history is off.
func (m *Machine) event(x *Execution, f *Frame, now time.Time, out *Output, typ string) *HistoryEvent {
	x.LastEvent++
	if m.opts.NoHistory {
		return nil
	}
	prev := x.LastEvent - 1
	switch {
	case f != nil && f.PrevEvent != 0:
		prev = f.PrevEvent
	case f != nil && f.Parent == 0:
		prev = 0 // the first state's entry, as in AWS histories
	}
	if f != nil {
		f.PrevEvent = x.LastEvent
	}
	if out.FlushHistory != nil && len(out.History) >= HistoryBatch {
		out.FlushHistory(out.History)
		clear(out.History)
		out.History = out.History[:0]
	}
	out.History = append(out.History, HistoryEvent{ID: x.LastEvent, PreviousEventID: prev, Timestamp: now, Type: typ})
	return &out.History[len(out.History)-1]
}

// enter makes s the frame's current state with the given raw input.
func (m *Machine) enter(x *Execution, f *Frame, s *state, input any, now time.Time, out *Output) {
	f.State = s.name
	f.Input = input
	f.InSize = 0 // unknown unless the caller knows it
	f.Token = ""
	f.Effective = nil
	f.Entered = now
	f.RetryCount = 0
	f.Attempts = f.Attempts[:0]
	f.Phase = phaseEnter
	f.Redo = nil
	if ev := m.event(x, f, now, out, s.enteredType); ev != nil {
		ev.Name, ev.Input, ev.HasInput = s.name, input, true
	}
	f.EnteredID = x.LastEvent
	x.queue = append(x.queue, f.ID)
}

// env returns the evaluation environment of a frame's current state.
func (m *Machine) env(x *Execution, f *Frame, input any) jsonpath.Env {
	if f.env.Context == nil {
		// Built once per frame: the closures only capture what stays the same.
		f.env = jsonpath.Env{
			Context:  func() any { return m.contextObject(x, f, nil) },
			Var:      func(name string) (any, bool) { return lookupVar(x, f, name) },
			MaxBytes: m.builtBound(),
		}
	}
	e := f.env
	e.Input = input
	return e
}

// builtBound bounds the strings intrinsic functions build: the payload
// limit, or without one the JSONata memory limit (jsonpath.Env.MaxBytes).
func (m *Machine) builtBound() int {
	if m.opts.MaxPayloadBytes > 0 {
		return m.opts.MaxPayloadBytes
	}
	return int(m.jsLimits.MaxBytes)
}

func lookupVar(x *Execution, f *Frame, name string) (any, bool) {
	for f != nil {
		if v, ok := f.Vars[name]; ok {
			return v, true
		}
		if f.Parent == 0 {
			return nil, false
		}
		f = x.Frames[f.Parent]
	}
	return nil, false
}

// mapItem is the $$.Map.Item of an ItemSelector evaluation.
type mapItem struct {
	index int
	value any
}

func (m *Machine) contextObject(x *Execution, f *Frame, item *mapItem) any {
	exec := map[string]any{
		"Id":           x.Info.ID,
		"Input":        x.Info.Input,
		"Name":         x.Info.Name,
		"RoleArn":      x.Info.RoleArn,
		"StartTime":    formatTime(x.Info.StartTime),
		"RedriveCount": int64(x.Info.RedriveCount),
	}
	if x.Info.RedriveCount > 0 {
		exec["RedriveTime"] = formatTime(x.Info.RedriveTime)
	}
	st := map[string]any{"EnteredTime": formatTime(f.Entered), "Name": f.State}
	if k := m.stateOf(f).kind; k == kindTask || k == kindParallel || k == kindMap {
		st["RetryCount"] = int64(f.RetryCount) // AWS shows it only where Retry applies
	}
	ctx := map[string]any{
		"Execution":    exec,
		"State":        st,
		"StateMachine": map[string]any{"Id": x.Info.StateMachineID, "Name": x.Info.StateMachineName},
	}
	if f.Token != "" {
		ctx["Task"] = map[string]any{"Token": f.Token}
	}
	if item != nil {
		ctx["Map"] = map[string]any{"Item": map[string]any{"Index": int64(item.index), "Value": item.value}}
	}
	return ctx
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// advance runs a frame from its phase until it blocks or ends.
func (m *Machine) advance(x *Execution, f *Frame, now time.Time, out *Output) {
	for !x.Done() {
		if m.opts.MaxHistoryEvents > 0 && x.LastEvent >= m.opts.MaxHistoryEvents {
			m.finishExecution(x, StatusFailed, nil, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", m.opts.MaxHistoryEvents)}, now, out)
			return
		}
		if x.steps++; x.steps&63 == 0 && m.interrupt(x, out) {
			// Give control back with the frame still runnable; the caller
			// stops the execution (a machine can loop forever legally).
			x.queue = append(x.queue, f.ID)
			x.interrupted = true
			return
		}
		s := m.stateOf(f)
		switch f.Phase {
		case phaseEnter:
			if !m.runState(x, f, s, now, out) {
				return
			}
		case phaseJoin:
			m.join(x, f, s, now, out)
			if f.Phase != phaseEnter {
				return
			}
		default:
			return
		}
	}
}

// runState does the work of the current state. It returns true when the
// frame moved to another state and should keep running.
func (m *Machine) runState(x *Execution, f *Frame, s *state, now time.Time, out *Output) bool {
	if s.js != nil {
		return m.runJSONata(x, f, s, now, out)
	}
	switch s.kind {
	case kindPass:
		eff, fail := m.effectiveInput(x, f, s, f.Input, true)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		result := eff
		if s.hasResult {
			result = s.result
		}
		return m.complete(x, f, s, result, now, out)
	case kindTask:
		return m.dispatch(x, f, s, now, out)
	case kindChoice:
		eff, fail := m.effectiveInput(x, f, s, f.Input, false)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		env := m.env(x, f, eff)
		for _, r := range s.choices {
			ok, fail := r.eval(env)
			if fail != nil {
				return m.fail(x, f, s, fail, now, out)
			}
			if ok {
				return m.choose(x, f, s, eff, r.assign, r.nextState, now, out)
			}
		}
		if s.defaultNext == nil {
			return m.fail(x, f, s, &Failure{Error: ErrNoChoiceMatched, Cause: "No Matches!"}, now, out)
		}
		return m.choose(x, f, s, eff, s.assign, s.defaultNext, now, out)
	case kindWait:
		eff, fail := m.effectiveInput(x, f, s, f.Input, false)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		at, fail := m.waitUntil(x, f, s, eff, now)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		f.Effective = eff
		f.Phase = phaseWait
		f.TimerID = m.arm(x, f.ID, timerWait, at, out)
		return false
	case kindSucceed:
		eff, fail := m.effectiveInput(x, f, s, f.Input, false)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		return m.choose(x, f, s, eff, nil, nil, now, out)
	case kindFail:
		m.frameFailed(x, f, m.failState(x, f, s), now, out)
		return false
	case kindParallel:
		eff, fail := m.effectiveInput(x, f, s, f.Input, true)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		f.Effective = eff
		if fail := m.startParallel(x, f, s, now, out); fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		return f.Phase == phaseEnter
	case kindMap:
		eff, fail := m.effectiveInput(x, f, s, f.Input, false)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		f.Effective = eff
		if fail := m.startMap(x, f, s, now, out); fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		return f.Phase == phaseEnter
	}
	return false
}

// choose ends a Choice or Succeed state: its output is its effective input
// through OutputPath, and "$" in Assign is the effective input.
func (m *Machine) choose(x *Execution, f *Frame, s *state, eff any, assign *template, next *state, now time.Time, out *Output) bool {
	output, fail := m.applyOutputPath(x, f, s, eff)
	if fail != nil {
		return m.fail(x, f, s, fail, now, out)
	}
	if m.overLimit(x, f, s, output, m.selectionBound(f, s), now, out) {
		return false
	}
	return m.exit(x, f, s, output, eff, assign, next, now, out)
}

// selectionBound bounds the output of a state that only selects from its
// input (Choice, Succeed, Wait): the input's size, when its paths cannot
// repeat or import anything.
func (m *Machine) selectionBound(f *Frame, s *state) int {
	if !s.selectsOnly {
		return 0
	}
	return f.InSize
}

// effectiveInput applies InputPath and, when withParams, Parameters.
func (m *Machine) effectiveInput(x *Execution, f *Frame, s *state, raw any, withParams bool) (any, *Failure) {
	eff := raw
	switch {
	case s.inputNull:
		eff = map[string]any{}
	case s.inputPath != nil:
		v, err := s.inputPath.Get(m.env(x, f, raw))
		if err != nil {
			return nil, pathFailure(s.inputPath, err)
		}
		eff = v
	}
	if withParams && s.params != nil {
		v, fail := s.params.eval(m.env(x, f, eff))
		if fail != nil {
			return nil, fail
		}
		eff = v
	}
	return eff, nil
}

// pathFailure is the States.Runtime error of a path that could not be
// applied; the jsonpath package words the cause as AWS does.
func pathFailure(p *jsonpath.Path, err error) *Failure {
	msg := err.Error()
	if !strings.HasPrefix(msg, "Invalid path") {
		msg = fmt.Sprintf("Invalid path '%s' : %s", p.String(), msg)
	}
	return &Failure{Error: ErrRuntime, Cause: msg}
}

// complete finishes a state that produced a result (Pass, Task, Parallel,
// Map): ResultSelector, ResultPath, OutputPath, Assign (on the raw result),
// then the transition.
func (m *Machine) complete(x *Execution, f *Frame, s *state, result any, now time.Time, out *Output) bool {
	if s.js != nil {
		return m.jsonataComplete(x, f, s, result, now, out)
	}
	raw := result // "$" in Assign is the result before ResultSelector (the spec's "result", not its "effective result")
	if s.resultSel != nil {
		v, fail := s.resultSel.eval(m.env(x, f, result))
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		result = v
	}
	combined, fail := m.applyResultPath(x, f, s.resultPath, s.resultNull, f.Input, result)
	if fail != nil {
		return m.fail(x, f, s, fail, now, out)
	}
	output, fail := m.applyOutputPath(x, f, s, combined)
	if fail != nil {
		return m.fail(x, f, s, fail, now, out)
	}
	if m.overLimit(x, f, s, output, m.outputBound(f, s), now, out) {
		return false
	}
	return m.exit(x, f, s, output, raw, s.assign, s.next, now, out)
}

// outputBound is an upper bound of the JSON size of the output complete
// builds, from what is known of the input and the state's templates; 0 when
// it cannot be told without walking the output.
func (m *Machine) outputBound(f *Frame, s *state) int {
	if !s.selectsOnly {
		return 0
	}
	if !s.mayGrow {
		return f.InSize // a selection from the input
	}
	in := f.InSize
	var result int
	switch {
	case s.kind != kindPass:
		result = 0 // a task's or branches' result: unknown
	case s.hasResult:
		result = s.resultSize
	case s.params != nil:
		result = s.params.bound(in)
	default:
		result = in
	}
	if s.resultSel != nil {
		result = s.resultSel.bound(result)
	}
	switch {
	case s.resultNull:
		return in
	case s.resultPath == nil || s.resultPath.IsIdentity():
		return result
	case in > 0 && result > 0:
		return in + result + 6*len(s.resultPath.String()) + 8 // new keys, quotes, braces and escapes
	}
	return 0
}

// overLimit fails the execution with States.DataLimitExceeded, as AWS does,
// when a state's output is larger than MaxPayloadBytes. bound is what is
// known of the output's size (0: nothing); the output is walked only when
// the bound does not settle it. The size it learns goes with the output to
// the next state.
func (m *Machine) overLimit(x *Execution, f *Frame, s *state, output any, bound int, now time.Time, out *Output) bool {
	lim := m.opts.MaxPayloadBytes
	if lim > 0 && (bound <= 0 || bound > lim) {
		bound = value.Size(output, lim)
		if bound > lim {
			m.frameFailed(x, f, &Failure{Error: ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", s.name)}, now, out)
			return true
		}
	}
	// A value of n bytes is at most n/2 levels deep: only a larger one is
	// walked. Outputs that wrap their input (ResultPath, a loop) grow one
	// level a turn without any template or expression building them. An
	// output that is the state's input itself (a Pass, a Choice, a Wait)
	// was checked when it was made: walking it again at every state made a
	// chain of Pass states over a 60 KB input 450 times slower.
	if (bound <= 0 || bound > 2*value.MaxDepth) && !sameValue(output, f.Input) && value.TooDeep(output, value.MaxDepth) {
		m.frameFailed(x, f, tooDeep(fmt.Sprintf("The state '%s'", s.name)), now, out)
		return true
	}
	if lim > 0 {
		f.outSize = bound
	}
	return false
}

func (m *Machine) applyResultPath(x *Execution, f *Frame, p *jsonpath.Path, null bool, raw, result any) (any, *Failure) {
	switch {
	case null:
		return raw, nil
	case p == nil || p.IsIdentity():
		return result, nil
	}
	v, err := jsonpath.Set(raw, p, result)
	if err != nil {
		return nil, &Failure{Error: ErrResultPathMatchFailure, Cause: fmt.Sprintf("Unable to apply ResultPath \"%s\" to input \"%s\"", p.String(), value.MarshalString(raw))}
	}
	return v, nil
}

func (m *Machine) applyOutputPath(x *Execution, f *Frame, s *state, v any) (any, *Failure) {
	switch {
	case s.outputNull:
		return map[string]any{}, nil
	case s.outputPath == nil:
		return v, nil
	}
	r, err := s.outputPath.Get(m.env(x, f, v))
	if err != nil {
		return nil, pathFailure(s.outputPath, err)
	}
	return r, nil
}

// exit evaluates Assign (with "$" bound to assignInput), records the state's
// exit, and moves to next (or ends the frame when next is nil).
func (m *Machine) exit(x *Execution, f *Frame, s *state, output, assignInput any, assign *template, next *state, now time.Time, out *Output) bool {
	var assigned map[string]any
	if assign != nil {
		v, fail := assign.eval(m.env(x, f, assignInput))
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		assigned, _ = v.(map[string]any)
	}
	return m.exitWith(x, f, s, output, assigned, next, now, out)
}

// exitWith sets the assigned variables, records the state's exit, and moves
// to next (or ends the frame when next is nil).
func (m *Machine) exitWith(x *Execution, f *Frame, s *state, output any, assigned map[string]any, next *state, now time.Time, out *Output) bool {
	if len(assigned) > 0 {
		vars := make(map[string]any, len(f.Vars)+len(assigned))
		for k, v := range f.Vars {
			vars[k] = v
		}
		for k, v := range assigned {
			vars[k] = v
		}
		f.Vars = vars
	}
	if s.kind != kindFail {
		if ev := m.event(x, f, now, out, s.exitedType); ev != nil {
			ev.Name, ev.Output, ev.HasOutput, ev.Assigned = s.name, output, true, assigned
		}
	}
	if next == nil {
		m.frameDone(x, f, output, now, out)
		return false
	}
	size := f.outSize
	f.outSize = 0
	m.enter(x, f, next, output, now, out)
	f.InSize = size
	// enter queued the frame; we keep running it here instead.
	x.queue = x.queue[:len(x.queue)-1]
	return true
}

// fail handles an error raised by state s: Retry, then Catch, then the
// frame fails. It returns true when the frame moved on to a catcher's state.
func (m *Machine) fail(x *Execution, f *Frame, s *state, fail *Failure, now time.Time, out *Output) bool {
	return m.handleError(x, f, s, fail, "", now, out)
}

// handleError is fail for a state whose failure has its own history event
// (ParallelStateFailed, MapStateFailed): AWS records it only once no retrier
// takes the error, just before the catcher or the frame's end.
func (m *Machine) handleError(x *Execution, f *Frame, s *state, fail *Failure, failedEvent string, now time.Time, out *Output) bool {
	// AWS says which state failed, and where it was entered, in runtime errors.
	fail = m.runtimePrefix(f, s, fail)
	if fail.terminal() {
		m.frameFailed(x, f, fail, now, out)
		return false
	}
	for i, r := range s.retry {
		if !matches(r.ErrorEquals, fail.Error) {
			continue
		}
		for len(f.Attempts) < len(s.retry) {
			f.Attempts = append(f.Attempts, 0)
		}
		max := int64(3)
		if r.MaxAttempts != nil {
			max = *r.MaxAttempts
		}
		if int64(f.Attempts[i]) >= max {
			break // this retrier is exhausted: on to the catchers
		}
		delay := m.retryDelay(r, f.Attempts[i])
		f.Attempts[i]++
		f.RetryCount++
		f.Phase = phaseRetry
		f.TimerID = m.arm(x, f.ID, timerRetry, now.Add(delay), out)
		return false
	}
	if failedEvent != "" {
		m.event(x, f, now, out, failedEvent)
	}
	for _, c := range s.catch {
		if !matches(c.src.ErrorEquals, fail.Error) {
			continue
		}
		errOut := map[string]any{"Error": fail.Error, "Cause": fail.Cause}
		if s.js != nil {
			return m.jsonataCatch(x, f, s, c, errOut, now, out)
		}
		output, rf := m.applyResultPath(x, f, c.resultPath, c.resultNull, f.Input, errOut)
		if rf != nil {
			m.frameFailed(x, f, rf, now, out)
			return false
		}
		if m.overLimit(x, f, s, output, 0, now, out) {
			return false
		}
		return m.exit(x, f, s, output, errOut, c.assign, c.next, now, out)
	}
	m.frameFailed(x, f, fail, now, out)
	return false
}

// retryDelay is IntervalSeconds * BackoffRate^attempt, capped by
// MaxDelaySeconds, with FULL jitter drawing uniformly below it.
func (m *Machine) retryDelay(r *Retrier, attempt int) time.Duration {
	interval := 1.0
	if r.IntervalSeconds != nil {
		interval = float64(*r.IntervalSeconds)
	}
	rate := 2.0
	if r.BackoffRate != nil {
		rate = *r.BackoffRate
	}
	d := interval * math.Pow(rate, float64(attempt))
	if r.MaxDelaySeconds != nil && d > float64(*r.MaxDelaySeconds) {
		d = float64(*r.MaxDelaySeconds)
	}
	if r.JitterStrategy == "FULL" {
		d *= m.opts.Rand()
	}
	if d > 1e9 { // far beyond any execution's life; avoid Duration overflow
		d = 1e9
	}
	return time.Duration(d * float64(time.Second))
}

// retryNow starts the next attempt of a Task, Parallel or Map state.
func (m *Machine) retryNow(x *Execution, f *Frame, now time.Time, out *Output) {
	s := m.stateOf(f)
	f.Phase = phaseEnter
	f.Redo = nil
	switch s.kind {
	case kindTask:
		m.resume(x, f, m.dispatch(x, f, s, now, out))
	default:
		x.queue = append(x.queue, f.ID)
	}
}

// frameDone ends a frame with an output and hands it to its parent.
func (m *Machine) frameDone(x *Execution, f *Frame, output any, now time.Time, out *Output) {
	f.Phase = phaseDone
	f.Out = output
	if f.Parent == 0 {
		m.finishExecution(x, StatusSucceeded, output, nil, now, out)
		return
	}
	m.childFinished(x, f, now, out)
}

// frameFailed ends a frame with an error and hands it to its parent.
func (m *Machine) frameFailed(x *Execution, f *Frame, fail *Failure, now time.Time, out *Output) {
	f.Phase = phaseDone
	f.Fail = fail
	if f.Parent == 0 || fail.terminal() {
		m.finishExecution(x, StatusFailed, nil, fail, now, out)
		return
	}
	m.childFinished(x, f, now, out)
}

// finishExecution records the outcome, cancels every task and timer still
// pending and drops the frames.
func (m *Machine) finishExecution(x *Execution, status string, output any, fail *Failure, now time.Time, out *Output) {
	if x.Done() {
		return
	}
	for id := range x.Tasks {
		out.Commands = append(out.Commands, CancelTask{TaskID: id})
	}
	for id := range x.Timers {
		out.Commands = append(out.Commands, CancelTimer{TimerID: id})
	}
	frames := x.Frames
	x.Tasks, x.Timers, x.Frames, x.queue = nil, nil, nil, nil
	x.dropSnapshotCache()
	if status != StatusSucceeded {
		x.Frames = keepForRedrive(frames) // redrive.go
	}
	x.Status = status
	var ev *HistoryEvent
	switch status {
	case StatusSucceeded:
		x.Output = output
		if ev = m.event(x, nil, now, out, "ExecutionSucceeded"); ev != nil {
			ev.Output, ev.HasOutput = output, true
		}
	case StatusFailed:
		ev = m.event(x, nil, now, out, "ExecutionFailed")
	case StatusTimedOut:
		ev = m.event(x, nil, now, out, "ExecutionTimedOut")
	case StatusAborted:
		ev = m.event(x, nil, now, out, "ExecutionAborted")
	}
	if fail != nil {
		x.Error, x.Cause = fail.Error, fail.Cause
		if ev != nil {
			ev.Error, ev.Cause = fail.Error, fail.Cause
		}
	}
}

// statePrefix is how AWS starts the cause of a runtime error.
func statePrefix(name string, enteredID int64) string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", name, enteredID)
}

func hasStatePrefix(cause string) bool {
	return strings.HasPrefix(cause, "An error occurred while executing the state")
}

// newToken returns an unguessable task token for callback resources.
func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
