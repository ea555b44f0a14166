package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
)

// TestState statuses, as in Step Functions' TestState API.
const (
	TestStatusSucceeded   = "SUCCEEDED"
	TestStatusFailed      = "FAILED"
	TestStatusRetriable   = "RETRIABLE"
	TestStatusCaughtError = "CAUGHT_ERROR"
)

// TestStateRequest is one state run on its own.
type TestStateRequest struct {
	Definition []byte         // the state's JSON object
	Input      any            // the state's input
	Variables  map[string]any // initial variables, may be nil
	// StateName names the state in error causes and the context object
	// ($$.State.Name); default "TestState".
	StateName string
	// Now is the time the state runs at ($$.State.EnteredTime, Wait
	// Timestamp); default time.Now().
	Now time.Time
	// RunTask runs the state's task, if it is a Task state: it returns the
	// task's result, or an ASL error name and cause.
	RunTask func(ctx context.Context, t RunTask) (result any, errName, cause string)
}

// InspectedValue is one step of a state's data flow in a TestState result:
// Set tells whether the state got that far (and has that step), so that an
// absent value differs from a JSON null.
type InspectedValue struct {
	Value any
	Set   bool
}

// TestStateInspection is the data flow of the tested state (Step Functions'
// inspectionData at the DEBUG level).
type TestStateInspection struct {
	Input               any
	AfterInputPath      InspectedValue // all states but Fail
	AfterParameters     InspectedValue // Pass, Task
	Result              InspectedValue // Pass, Task
	AfterResultSelector InspectedValue // Task
	AfterResultPath     InspectedValue // Pass, Task
	Variables           map[string]any // the variables after the state
}

// TestStateResult is the outcome of TestState.
type TestStateResult struct {
	Status     string // SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR
	Output     any    // when SUCCEEDED or CAUGHT_ERROR
	Error      string // when FAILED, RETRIABLE or CAUGHT_ERROR
	Cause      string
	NextState  string // the state that would run next: Next, the chosen Choice branch, the catcher's Next, the state itself when RETRIABLE
	Inspection TestStateInspection
}

// testStatePrefixLines is how many lines the wrapper adds before the state.
const testStatePrefixLines = 1

// TestState runs one state on its own, as Step Functions' TestState API
// does: the state is validated alone (its Next, Default and Catch targets
// need not exist; an invalid state gives an error wrapping *ValidationError
// whose diagnostics point into Definition), then run once on Input. A Wait
// state does not wait; a Task state's task is run by RunTask, once: an error
// that a retrier would retry gives RETRIABLE without retrying, one a catcher
// takes gives CAUGHT_ERROR with the catcher's output and Next. Parallel and
// Map states are not supported, as on AWS without a mock.
func TestState(ctx context.Context, req TestStateRequest) (*TestStateResult, error) {
	name := req.StateName
	if name == "" {
		name = "TestState"
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	def, err := parseTestState(req.Definition, name)
	if err != nil {
		return nil, err
	}
	st := def.States[name]
	switch st.Type {
	case "Parallel", "Map":
		return nil, fmt.Errorf("asl: TestState does not support %s states", st.Type)
	case "Task":
		if req.RunTask == nil {
			return nil, errors.New("asl: TestState of a Task state needs RunTask")
		}
	}
	m, err := Compile(def, Options{})
	if err != nil {
		return nil, err
	}
	t := &stateTest{m: m, req: req, now: now}
	return t.run(ctx)
}

// parseTestState validates a state alone: it wraps it in a machine where
// its transitions lead to Succeed states, and keeps only the diagnostics
// about the state itself, pointing into its own JSON.
func parseTestState(src []byte, name string) (*Definition, error) {
	trimmed := bytes.TrimSpace(src)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("asl: invalid state: %w", &ValidationError{Diagnostics: []Diagnostic{{
			Pos: Pos{Line: 1, Col: 1}, Code: CodeSchema, Message: "The state definition must be a JSON object"}}})
	}
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var w bytes.Buffer
	fmt.Fprintf(&w, `{"StartAt":%s,"States":{%s:`+"\n", quote(name), quote(name))
	w.Write(src)
	w.WriteString("\n")
	for _, target := range stateTargets(src) {
		if target != name {
			fmt.Fprintf(&w, `,%s:{"Type":"Succeed"}`, quote(target))
		}
	}
	w.WriteString("}}")

	p := &defParser{topQL: qlJSONPath, names: map[string][]string{}}
	var def *Definition
	if root, ok := p.read(w.Bytes()); ok {
		p.source, p.keyPos = buildSourceMap(root)
		def = p.machine(root, "", machineTop)
		p.reportDuplicateKeys(root)
		p.uniqueStateNames()
		p.validateMachine(def, nil)
	}
	statePtr := "/States/" + pointerToken(name)
	var diags []Diagnostic
	for _, d := range p.diags {
		switch {
		case d.Code == CodeInvalidJSON || d.Code == CodeMissingDefinition:
			d.Pointer = ""
		case d.Pointer == statePtr || strings.HasPrefix(d.Pointer, statePtr+"/"):
			d.Pointer = strings.TrimPrefix(d.Pointer, statePtr)
		default:
			continue // about the wrapper: no terminal state, stub states
		}
		if d.Pos.Line > testStatePrefixLines {
			d.Pos.Line -= testStatePrefixLines
		} else {
			d.Pos = Pos{}
		}
		diags = append(diags, d)
	}
	if len(diags) > 0 || def == nil {
		return nil, fmt.Errorf("asl: invalid state: %w", &ValidationError{Diagnostics: sortDiagnostics(diags)})
	}
	if def.States[name] == nil || def.States[name].Type == "" {
		return nil, errors.New("asl: invalid state: no Type")
	}
	return def, nil
}

// stateTargets lists the states a state's JSON transitions to.
func stateTargets(src []byte) []string {
	var st struct {
		Next, Default string
		Choices       []struct{ Next string }
		Catch         []struct{ Next string }
	}
	_ = json.Unmarshal(src, &st) // what does not decode is reported by the parser
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(st.Next)
	add(st.Default)
	for _, c := range st.Choices {
		add(c.Next)
	}
	for _, c := range st.Catch {
		add(c.Next)
	}
	return out
}

// stateTest is one run of TestState.
type stateTest struct {
	m      *Machine
	req    TestStateRequest
	now    time.Time
	x      *Execution
	f      *Frame
	s      *state
	out    Output
	failed *Failure // the last error the state raised, for RETRIABLE and CAUGHT_ERROR
	res    TestStateResult
}

func (t *stateTest) run(ctx context.Context) (*TestStateResult, error) {
	m, now := t.m, t.now
	x := &Execution{Info: ExecutionInfo{Input: t.req.Input, StartTime: now}, Status: StatusRunning, Frames: map[int64]*Frame{}}
	f := m.newFrame(x, 0, m.root, 0, t.req.Input)
	x.Root = f.ID
	if len(t.req.Variables) > 0 {
		f.Vars = maps.Clone(t.req.Variables)
	}
	s := m.root.startAt
	m.enter(x, f, s, t.req.Input, now, &t.out)
	x.queue = x.queue[:0]
	t.x, t.f, t.s = x, f, s
	t.res.Inspection.Input = t.req.Input

	if s.kind != kindFail {
		aip, fail := m.effectiveInput(x, f, s, f.Input, false)
		if fail != nil {
			t.fail(fail)
			return t.result(), nil
		}
		t.res.Inspection.AfterInputPath = InspectedValue{aip, true}
	}
	switch s.kind {
	case kindPass:
		if s.js != nil {
			// Output and Assign are JSONata: the state runs as in an
			// execution (the JSONPath steps below would ignore them).
			m.runState(x, f, s, now, &t.out)
			break
		}
		eff, fail := m.effectiveInput(x, f, s, f.Input, true)
		if fail != nil {
			t.fail(fail)
			break
		}
		t.res.Inspection.AfterParameters = InspectedValue{eff, true}
		result := eff
		if s.hasResult {
			result = s.result
		}
		t.complete(result)
	case kindTask:
		if _, fail := m.effectiveInput(x, f, s, f.Input, true); fail != nil {
			t.fail(fail)
			break
		}
		t.out.Reset()
		m.dispatch(x, f, s, now, &t.out)
		var cmd *RunTask
		for _, c := range t.out.Commands {
			if rt, ok := c.(RunTask); ok {
				cmd = &rt
			}
		}
		if cmd == nil || f.Phase != phaseTask {
			break // dispatch failed (TimeoutSecondsPath, ...)
		}
		t.res.Inspection.AfterParameters = InspectedValue{cmd.Input, true}
		result, errName, cause := t.req.RunTask(ctx, *cmd)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if errName != "" {
			fail := &Failure{Error: errName, Cause: cause}
			t.failed = fail
			m.taskFailed(x, f, fail, "Failed", now, &t.out)
			break
		}
		t.res.Inspection.Result = InspectedValue{result, true}
		m.endTask(x, f, &t.out)
		f.Phase = phaseEnter
		t.complete(result)
	case kindWait:
		m.runState(x, f, s, now, &t.out)
		if f.Phase == phaseWait { // TestState does not wait
			m.cancelTimer(x, f.TimerID, &t.out)
			f.TimerID = ""
			m.waitDone(x, f, now, &t.out)
		}
	default: // Choice, Succeed, Fail
		m.runState(x, f, s, now, &t.out)
	}
	return t.result(), nil
}

// fail hands an error raised by the state to Retry and Catch.
func (t *stateTest) fail(fail *Failure) {
	t.failed = fail
	t.m.fail(t.x, t.f, t.s, fail, t.now, &t.out)
}

// complete is Machine.complete, recording each step of the data flow.
func (t *stateTest) complete(result any) {
	m, x, f, s := t.m, t.x, t.f, t.s
	if s.kind == kindPass {
		t.res.Inspection.Result = InspectedValue{result, true}
	}
	if s.js != nil { // JSONata: Output and Assign, none of the paths below
		m.complete(x, f, s, result, t.now, &t.out)
		return
	}
	raw := result
	if s.resultSel != nil {
		v, fail := s.resultSel.eval(m.env(x, f, result))
		if fail != nil {
			t.fail(fail)
			return
		}
		result = v
	}
	if s.kind == kindTask {
		t.res.Inspection.AfterResultSelector = InspectedValue{result, true}
	}
	combined, fail := m.applyResultPath(x, f, s.resultPath, s.resultNull, f.Input, result)
	if fail != nil {
		t.fail(fail)
		return
	}
	t.res.Inspection.AfterResultPath = InspectedValue{combined, true}
	output, fail := m.applyOutputPath(x, f, s, combined)
	if fail != nil {
		t.fail(fail)
		return
	}
	if m.overLimit(x, f, s, output, 0, t.now, &t.out) {
		return
	}
	if s.assign != nil {
		// exit evaluates Assign again; this tells its error apart.
		if _, fail := s.assign.eval(m.env(x, f, raw)); fail != nil {
			t.fail(fail)
			return
		}
	}
	m.exit(x, f, s, output, raw, s.assign, s.next, t.now, &t.out)
}

// result reads the outcome off the execution and the frame.
func (t *stateTest) result() *TestStateResult {
	x, f, r := t.x, t.f, &t.res
	switch {
	case x.Status == StatusSucceeded:
		r.Status, r.Output = TestStatusSucceeded, x.Output
	case x.Status != StatusRunning:
		r.Status, r.Error, r.Cause = TestStatusFailed, x.Error, x.Cause
	case f.Phase == phaseRetry:
		r.Status, r.NextState = TestStatusRetriable, t.s.name
		r.Error, r.Cause = t.failed.Error, t.failed.Cause
	case t.failed != nil:
		r.Status, r.NextState, r.Output = TestStatusCaughtError, f.State, f.Input
		r.Error, r.Cause = t.failed.Error, t.failed.Cause
	default:
		r.Status, r.NextState, r.Output = TestStatusSucceeded, f.State, f.Input
	}
	if len(f.Vars) > 0 {
		r.Inspection.Variables = maps.Clone(f.Vars)
	}
	return r
}
