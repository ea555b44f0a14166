package asl

import (
	"fmt"
	"time"

	"github.com/batonhq/baton/asl/internal/intrinsic"
	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// waitUntil computes when a Wait state ends.
func (m *Machine) waitUntil(x *Execution, f *Frame, s *state, eff any, now time.Time) (time.Time, *Failure) {
	switch {
	case s.hasSeconds:
		return now.Add(time.Duration(s.seconds) * time.Second), nil
	case s.hasTimestamp:
		return s.timestamp, nil
	case s.secondsPath != nil:
		d, fail := durationAt(s.secondsPath, m.env(x, f, eff), "SecondsPath")
		if fail != nil {
			return time.Time{}, fail
		}
		return now.Add(d), nil
	case s.timestampPath != nil:
		v, err := s.timestampPath.Get(m.env(x, f, eff))
		if err != nil {
			return time.Time{}, pathFailure(s.timestampPath, err)
		}
		str, _ := v.(string)
		t, ok := parseTimestamp(str)
		if !ok {
			shown := value.MarshalString(v)
			if str, isStr := v.(string); isStr {
				shown = str // AWS prints the string without quotes
			}
			return time.Time{}, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", s.timestampPath.String(), shown)}
		}
		return t, nil
	}
	return now, nil
}

// waitDone ends a Wait state whose timer fired.
func (m *Machine) waitDone(x *Execution, f *Frame, now time.Time, out *Output) bool {
	s := m.stateOf(f)
	f.Phase = phaseEnter
	if s.js != nil {
		f.Effective = nil
		return m.jsonataExit(x, f, s, m.scope(x, f, f.Input), s.js.output, s.js.assign, f.Input, s.next, now, out)
	}
	output, fail := m.applyOutputPath(x, f, s, f.Effective)
	if fail != nil {
		return m.fail(x, f, s, fail, now, out)
	}
	eff := f.Effective
	f.Effective = nil
	if m.overLimit(x, f, s, output, m.selectionBound(f, s), now, out) {
		return false
	}
	return m.exit(x, f, s, output, eff, s.assign, s.next, now, out)
}

// failState computes a Fail state's error and cause, from literals, paths or
// intrinsic functions.
func (m *Machine) failState(x *Execution, f *Frame, s *state) *Failure {
	env := m.env(x, f, f.Input)
	get := func(lit string, p *jsonpath.Path, c *intrinsic.Call, field string) (string, *Failure) {
		var v any
		var err error
		switch {
		case p != nil:
			v, err = p.Get(env)
			if err != nil {
				return "", pathFailure(p, err)
			}
		case c != nil:
			v, err = c.Eval(env)
			if err != nil {
				return "", intrinsicFailure(err)
			}
		default:
			return lit, nil
		}
		str, ok := v.(string)
		if !ok {
			return "", &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The %s field must resolve to a string, but got %s", field, value.MarshalString(v))}
		}
		return str, nil
	}
	errName, fail := get(s.errorName, s.errorPath, s.errorCall, "ErrorPath")
	if fail != nil {
		return fail
	}
	cause, fail := get(s.cause, s.causeP, s.causeCa, "CausePath")
	if fail != nil {
		return fail
	}
	return &Failure{Error: errName, Cause: cause}
}
