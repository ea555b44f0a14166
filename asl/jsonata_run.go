package asl

import (
	"math"
	"strconv"
	"time"

	"github.com/batonhq/baton/internal/value"
)

// jstate holds the compiled JSONata fields of a JSONata state.
type jstate struct {
	arguments, output, assign *jvalue
	timeout, heartbeat        *jvalue
	seconds, timestamp        *jvalue
	errorName, cause          *jvalue
	items, itemSelector       *jvalue
	maxConc, tolCount, tolPct *jvalue
}

// compileJSONata compiles the JSONata fields of a state, its Choice rules
// and its catchers.
func (m *Machine) compileJSONata(s *state, src *State) error {
	js := &jstate{}
	var err error
	c := func(field string, v any, present bool) *jvalue {
		if err != nil || !present {
			return nil
		}
		j, e := compileJValue(v, field, src.Pointer+"/"+field)
		if e != nil {
			err = e
		}
		return j
	}
	js.arguments = c("Arguments", src.Arguments, src.HasArguments)
	js.output = c("Output", src.Output, src.HasOutput)
	js.assign = c("Assign", assignValue(src.Assign), src.Assign != nil)
	js.timeout = c("TimeoutSeconds", src.TimeoutSecondsExpr, src.TimeoutSecondsExpr != "")
	js.heartbeat = c("HeartbeatSeconds", src.HeartbeatSecondsExpr, src.HeartbeatSecondsExpr != "")
	js.seconds = c("Seconds", src.SecondsExpr, src.SecondsExpr != "")
	if s.kind == kindWait && src.Timestamp != "" {
		js.timestamp = c("Timestamp", src.Timestamp, true)
		if !js.timestamp.dynamic {
			js.timestamp = nil // a literal: compiled as in JSONPath
		}
	}
	if s.kind == kindFail {
		js.errorName = c("Error", src.Error, src.Error != "")
		js.cause = c("Cause", src.Cause, src.Cause != "")
	}
	js.items = c("Items", src.Items, src.HasItems)
	js.itemSelector = c("ItemSelector", src.ItemSelector, src.HasItemSelector)
	js.maxConc = c("MaxConcurrency", src.MaxConcurrencyExpr, src.MaxConcurrencyExpr != "")
	js.tolCount = c("ToleratedFailureCount", src.ToleratedFailureCountExpr, src.ToleratedFailureCountExpr != "")
	js.tolPct = c("ToleratedFailurePercentage", src.ToleratedFailurePercentageExpr, src.ToleratedFailurePercentageExpr != "")
	if js.tolCount != nil || js.tolPct != nil {
		s.hasTolerance = true
	}
	for i, r := range src.Choices {
		if i >= len(s.choices) {
			break
		}
		rule := s.choices[i]
		p := "Choices[" + strconv.Itoa(i) + "]"
		cond := r.Condition
		if cond == nil {
			cond = false
		}
		rule.cond = c(p+"/Condition", cond, true)
		rule.output = c(p+"/Output", r.Output, r.HasOutput)
		rule.jassign = c(p+"/Assign", assignValue(r.Assign), r.Assign != nil)
	}
	for i, cc := range s.catch {
		p := "Catch[" + strconv.Itoa(i) + "]"
		cc.output = c(p+"/Output", cc.src.Output, cc.src.HasOutput)
		cc.jassign = c(p+"/Assign", assignValue(cc.src.Assign), cc.src.Assign != nil)
	}
	s.js = js
	return err
}

// runJSONata does the work of a JSONata state; it returns true when the
// frame moved to another state and should keep running.
func (m *Machine) runJSONata(x *Execution, f *Frame, s *state, now time.Time, out *Output) bool {
	js := s.js
	switch s.kind {
	case kindPass, kindSucceed:
		return m.jsonataExit(x, f, s, m.scope(x, f, f.Input), js.output, js.assign, f.Input, s.next, now, out)
	case kindTask:
		return m.dispatch(x, f, s, now, out)
	case kindChoice:
		sc := m.scope(x, f, f.Input)
		for _, r := range s.choices {
			v, fail := r.cond.eval(sc)
			if fail != nil {
				return m.fail(x, f, s, fail, now, out)
			}
			b, ok := v.(bool)
			if !ok {
				return m.fail(x, f, s, r.cond.typeError("boolean", v), now, out)
			}
			if b {
				output := js.output
				if r.output != nil {
					output = r.output
				}
				return m.jsonataExit(x, f, s, sc, output, r.jassign, f.Input, r.nextState, now, out)
			}
		}
		if s.defaultNext == nil {
			return m.fail(x, f, s, &Failure{Error: ErrNoChoiceMatched, Cause: "No Matches!"}, now, out)
		}
		return m.jsonataExit(x, f, s, sc, js.output, js.assign, f.Input, s.defaultNext, now, out)
	case kindWait:
		at, fail := m.jsonataWaitUntil(x, f, s, now)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		f.Effective = f.Input
		f.Phase = phaseWait
		f.TimerID = m.arm(x, f.ID, timerWait, at, out)
		return false
	case kindFail:
		m.frameFailed(x, f, m.jsonataFailState(x, f, s), now, out)
		return false
	case kindParallel:
		eff, fail := m.jsonataArguments(x, f, s)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		f.Effective = eff
		if fail := m.startParallel(x, f, s, now, out); fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		return f.Phase == phaseEnter
	case kindMap:
		f.Effective = f.Input
		if fail := m.startMap(x, f, s, now, out); fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		return f.Phase == phaseEnter
	}
	return false
}

// jsonataArguments is the input of a Task's work or a Parallel's branches.
func (m *Machine) jsonataArguments(x *Execution, f *Frame, s *state) (any, *Failure) {
	if s.js.arguments == nil {
		return f.Input, nil
	}
	return s.js.arguments.eval(m.scope(x, f, f.Input))
}

// jsonataExit evaluates Assign and Output (the output defaults to def) and
// leaves the state for next.
func (m *Machine) jsonataExit(x *Execution, f *Frame, s *state, sc *jscope, output, assign *jvalue, def any, next *state, now time.Time, out *Output) bool {
	var assigned map[string]any
	if assign != nil {
		v, fail := assign.eval(sc)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		assigned, _ = v.(map[string]any)
	}
	result := def
	if output != nil {
		v, fail := output.eval(sc)
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		result = v
	}
	if m.overLimit(x, f, s, result, 0, now, out) {
		return false
	}
	return m.exitWith(x, f, s, result, assigned, next, now, out)
}

// jsonataComplete finishes a Task, Parallel or Map state with its result.
func (m *Machine) jsonataComplete(x *Execution, f *Frame, s *state, result any, now time.Time, out *Output) bool {
	sc := m.scope(x, f, f.Input)
	sc.result, sc.hasResult = result, true
	return m.jsonataExit(x, f, s, sc, s.js.output, s.js.assign, result, s.next, now, out)
}

// jsonataCatch leaves a state through catcher c with the error output.
func (m *Machine) jsonataCatch(x *Execution, f *Frame, s *state, c *catcher, errOut map[string]any, now time.Time, out *Output) bool {
	sc := m.scope(x, f, f.Input)
	sc.errorOutput, sc.hasError = errOut, true
	var assigned map[string]any
	if c.jassign != nil {
		v, fail := c.jassign.eval(sc)
		if fail != nil {
			m.frameFailed(x, f, m.runtimePrefix(f, s, fail), now, out)
			return false
		}
		assigned, _ = v.(map[string]any)
	}
	var output any = errOut
	if c.output != nil {
		v, fail := c.output.eval(sc)
		if fail != nil {
			m.frameFailed(x, f, m.runtimePrefix(f, s, fail), now, out)
			return false
		}
		output = v
	}
	if m.overLimit(x, f, s, output, 0, now, out) {
		return false
	}
	return m.exitWith(x, f, s, output, assigned, c.next, now, out)
}

// jsonataSeconds evaluates a field that must be a whole number of seconds
// in [lo, maxSeconds].
func jsonataSeconds(j *jvalue, sc *jscope, lo int64) (int64, *Failure) {
	v, fail := j.eval(sc)
	if fail != nil {
		return 0, fail
	}
	n, ok := value.Number(v)
	if !ok || n != math.Trunc(n) {
		return 0, j.typeError("integer", v)
	}
	if n < float64(lo) || n > maxSeconds {
		return 0, queryError("The JSONata expression '%s' specified for the field '%s' must evaluate to an integer between %d and %d, but was %s", j.source(), j.field, lo, maxSeconds, value.MarshalString(v))
	}
	return int64(n), nil
}

// jsonataCount evaluates a field that must be a non-negative integer
// (MaxConcurrency, ToleratedFailureCount) or a percentage.
func jsonataNumber(j *jvalue, sc *jscope, integer bool, hi float64) (float64, *Failure) {
	v, fail := j.eval(sc)
	if fail != nil {
		return 0, fail
	}
	n, ok := value.Number(v)
	want := "number"
	if integer {
		want = "integer"
	}
	if !ok || integer && n != math.Trunc(n) {
		return 0, j.typeError(want, v)
	}
	if n < 0 || n > hi {
		return 0, queryError("The JSONata expression '%s' specified for the field '%s' must evaluate to a non-negative %s, but was %s", j.source(), j.field, want, value.MarshalString(v))
	}
	return n, nil
}

// jsonataWaitUntil computes when a JSONata Wait state ends.
func (m *Machine) jsonataWaitUntil(x *Execution, f *Frame, s *state, now time.Time) (time.Time, *Failure) {
	js := s.js
	switch {
	case js.seconds != nil:
		n, fail := jsonataSeconds(js.seconds, m.scope(x, f, f.Input), 0)
		if fail != nil {
			return time.Time{}, fail
		}
		return now.Add(time.Duration(n) * time.Second), nil
	case js.timestamp != nil:
		v, fail := js.timestamp.eval(m.scope(x, f, f.Input))
		if fail != nil {
			return time.Time{}, fail
		}
		str, ok := v.(string)
		if !ok {
			return time.Time{}, js.timestamp.typeError("string", v)
		}
		t, ok := parseTimestamp(str)
		if !ok {
			return time.Time{}, queryError("The JSONata expression '%s' specified for the field 'Timestamp' must evaluate to an ISO-8601 extended offset date-time format string, but was %s", js.timestamp.source(), str)
		}
		return t, nil
	}
	return m.waitUntil(x, f, s, f.Input, now)
}

// jsonataFailState computes a JSONata Fail state's error and cause.
func (m *Machine) jsonataFailState(x *Execution, f *Frame, s *state) *Failure {
	sc := m.scope(x, f, f.Input)
	get := func(j *jvalue, lit string) (string, *Failure) {
		if j == nil {
			return lit, nil
		}
		v, fail := j.eval(sc)
		if fail != nil {
			return "", fail
		}
		str, ok := v.(string)
		if !ok {
			return "", j.typeError("string", v)
		}
		return str, nil
	}
	name, fail := get(s.js.errorName, s.errorName)
	if fail != nil {
		return m.runtimePrefix(f, s, fail)
	}
	cause, fail := get(s.js.cause, s.cause)
	if fail != nil {
		return m.runtimePrefix(f, s, fail)
	}
	return &Failure{Error: name, Cause: cause}
}

// runtimePrefix says which state failed, and where it was entered, in the
// cause of a States.Runtime or States.QueryEvaluationError, as AWS does.
func (m *Machine) runtimePrefix(f *Frame, s *state, fail *Failure) *Failure {
	if (fail.Error == ErrRuntime || fail.Error == ErrQueryEvaluationError) && !hasStatePrefix(fail.Cause) {
		return &Failure{Error: fail.Error, Cause: statePrefix(s.name, f.EnteredID) + fail.Cause}
	}
	return fail
}
