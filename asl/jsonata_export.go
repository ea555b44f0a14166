package asl

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/asl/internal/jsonata"
)

// This file exports ASL's JSONata engine to the other languages of Baton
// (pipeline.yaml's "{% ... %}" expressions), so that every language
// evaluates expressions with the same functions, the same bounds and the
// same error words.

// JSONataLimits bound one evaluation: Timeout and MaxBytes (zero: no limit).
// Use DefaultJSONataLimits for the server's defaults.
type JSONataLimits = jsonata.Limits

// DefaultJSONataLimits are the limits a Machine applies when Options leave
// them unset (DefaultJSONataTimeout, DefaultJSONataMaxBytes).
func DefaultJSONataLimits() JSONataLimits { return jsonataLimits(Options{}) }

// JSONata is a compiled expression, the text between "{%" and "%}". It is
// immutable and safe for concurrent use.
type JSONata struct{ e *jsonata.Expr }

// CompileJSONata compiles src (without the delimiters). The restrictions of
// the States Language (no "$", no top-level field names) are checked by
// CheckJSONata, not here.
func CompileJSONata(src string) (*JSONata, error) {
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("the JSONata expression '%s' is not valid: %v", src, err)
	}
	return &JSONata{e: e}, nil
}

// Source returns the expression as written.
func (x *JSONata) Source() string { return x.e.Source() }

// Variables lists the variables ($name) the expression may read: a
// superset (names in strings and lambda parameters are in it too).
func (x *JSONata) Variables() []string { return x.e.Vars() }

// JSONataValue converts a value of the interpreter's form (nil, bool,
// int64, float64, json.Number, string, []any, map[string]any) to the
// engine's form that Eval's vars must return. Callers that read the same
// value in many evaluations convert it once.
func JSONataValue(v any) any { return jsonata.ToJSONata(v) }

// Eval evaluates the expression within lim. vars returns the value of a
// variable in the engine's form (JSONataValue), ok false when it has none.
// The result is in the interpreter's form. The error, when not nil, is
// worded to follow "The JSONata expression '...' ": "threw an error during
// evaluation: ...", "returned nothing (undefined).", or that a limit
// stopped it, naming the server flag that raises it; its errors are
// States.QueryEvaluationError in both languages.
func (x *JSONata) Eval(vars func(name string) (any, bool), lim JSONataLimits) (any, error) {
	v, err := x.e.Eval(context.Background(), jsonata.Bindings{Var: vars}, lim)
	var ee *jsonata.EvalError
	switch {
	case err == nil:
		return v, nil
	case errors.As(err, &ee):
		return nil, fmt.Errorf("threw an error during evaluation: %s", ee.Message)
	case errors.Is(err, jsonata.ErrTimeLimit):
		//lint:ignore ST1005 the message ends the sentence of a step's cause
		return nil, fmt.Errorf("was stopped: it ran longer than the time limit of an evaluation (%s; raise it with --jsonata-timeout).", lim.Timeout)
	case errors.Is(err, jsonata.ErrMemoryLimit):
		//lint:ignore ST1005 the message ends the sentence of a step's cause
		return nil, fmt.Errorf("was stopped: it built more than the memory limit of an evaluation (%d bytes; raise it with --jsonata-max-bytes).", lim.MaxBytes)
	}
	//lint:ignore ST1005 the message ends the sentence of a step's cause
	return nil, errors.New("returned nothing (undefined).")
}

// EvalJSONata compiles and evaluates src once with vars given in the
// interpreter's form: a convenience for one-off evaluations.
func EvalJSONata(src string, vars map[string]any, lim JSONataLimits) (any, error) {
	x, err := CompileJSONata(src)
	if err != nil {
		return nil, err
	}
	return x.Eval(func(name string) (any, bool) {
		v, ok := vars[name]
		if !ok {
			return nil, false
		}
		return jsonata.ToJSONata(v), true
	}, lim)
}

// ErrorMatches reports whether a Retry's or Catch's ErrorEquals list covers
// the error name, with the States Language's rules (States.ALL matches
// every name, States.TaskFailed every name but States.Timeout).
func ErrorMatches(errorEquals []string, name string) bool { return matches(errorEquals, name) }

// NonRetryable reports whether no Retry may handle the error:
// States.Runtime and States.DataLimitExceeded.
func NonRetryable(name string) bool { return (&Failure{Error: name}).terminal() }
