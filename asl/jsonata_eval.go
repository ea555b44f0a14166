package asl

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonata"
	"github.com/batonhq/baton/internal/value"
)

// jvalue is a compiled JSON value of a JSONata field (Output, Arguments,
// Assign, ...): a tree whose static parts are kept as they are and whose
// JSONata strings are compiled expressions. Built at Compile time.
type jvalue struct {
	static  any
	dynamic bool
	expr    *jsonata.Expr
	field   string // the field as AWS names it in errors: "Output/a/b[0]"
	fields  []jfield
	items   []*jvalue
	isArray bool
}

type jfield struct {
	key string
	val *jvalue
}

// compileJValue compiles v, the value of the field named field.
func compileJValue(v any, field, pointer string) (*jvalue, error) {
	switch t := v.(type) {
	case string:
		if !jsonata.IsExpression(t) {
			return &jvalue{static: v}, nil
		}
		e, err := jsonata.Compile(jsonata.Inner(t))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", pointer, err)
		}
		return &jvalue{dynamic: true, expr: e, field: field}, nil
	case map[string]any:
		out := &jvalue{}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			sub, err := compileJValue(t[k], field+"/"+k, pointer+"/"+escapePointer(k))
			if err != nil {
				return nil, err
			}
			out.dynamic = out.dynamic || sub.dynamic
			out.fields = append(out.fields, jfield{key: k, val: sub})
		}
		if !out.dynamic {
			return &jvalue{static: v}, nil
		}
		return out, nil
	case []any:
		out := &jvalue{isArray: true}
		for i, e := range t {
			sub, err := compileJValue(e, field+"["+strconv.Itoa(i)+"]", pointer+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out.dynamic = out.dynamic || sub.dynamic
			out.items = append(out.items, sub)
		}
		if !out.dynamic {
			return &jvalue{static: v}, nil
		}
		return out, nil
	}
	return &jvalue{static: v}, nil
}

// source is the expression of a single-expression value, for messages.
func (j *jvalue) source() string {
	if j.expr != nil {
		return j.expr.Source()
	}
	return value.MarshalString(j.static)
}

// eval builds the value; an expression that fails or returns nothing is a
// States.QueryEvaluationError worded as AWS words it, and so is a value
// nested deeper than value.MaxDepth.
func (j *jvalue) eval(sc *jscope) (any, *Failure) {
	v, fail := j.build(sc)
	if fail == nil && j.dynamic && value.TooDeep(v, value.MaxDepth) {
		return nil, queryError("The JSONata expression(s) specified for the field '%s' returned a value nested more than %d levels deep, the most a value may have in an execution (a fixed limit: the stored state of executions cannot hold deeper values).", j.field, value.MaxDepth)
	}
	return v, fail
}

func (j *jvalue) build(sc *jscope) (any, *Failure) {
	switch {
	case !j.dynamic:
		return j.static, nil
	case j.expr != nil:
		start := time.Now()
		v, err := j.expr.Eval(context.Background(), sc.bindings(j.expr), sc.m.jsLimits)
		if time.Since(start) > slowEval {
			sc.x.steps |= 1023 // the next transition asks Options.Interrupt
		}
		switch e := err.(type) {
		case nil:
			return v, nil
		case *jsonata.EvalError:
			return nil, queryError("The JSONata expression '%s' specified for the field '%s' threw an error during evaluation: %s", j.expr.Source(), j.field, e.Message)
		}
		switch err {
		case jsonata.ErrTimeLimit:
			return nil, queryError("The JSONata expression '%s' specified for the field '%s' was stopped: it ran longer than the time limit of an evaluation (%s; raise it with --jsonata-timeout).", j.expr.Source(), j.field, sc.m.jsLimits.Timeout)
		case jsonata.ErrMemoryLimit:
			return nil, queryError("The JSONata expression '%s' specified for the field '%s' was stopped: it built more than the memory limit of an evaluation (%d bytes; raise it with --jsonata-max-bytes).", j.expr.Source(), j.field, sc.m.jsLimits.MaxBytes)
		default:
			return nil, queryError("The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", j.expr.Source(), j.field)
		}
	case j.isArray:
		out := make([]any, len(j.items))
		for i, it := range j.items {
			v, f := it.build(sc)
			if f != nil {
				return nil, f
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(j.fields))
	for _, f := range j.fields {
		v, fail := f.val.build(sc)
		if fail != nil {
			return nil, fail
		}
		out[f.key] = v
	}
	return out, nil
}

// typeError is the failure of a field whose expression returned a value
// of the wrong type.
func (j *jvalue) typeError(want string, v any) *Failure {
	if j.expr == nil {
		return queryError("The field '%s' must be %s, but was %s", j.field, want, value.MarshalString(v))
	}
	return queryError("The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
		j.expr.Source(), j.field, want, value.TypeName(v), value.MarshalString(v))
}

// slowEval is how long a JSONata evaluation may take before the next
// transition asks Options.Interrupt, which is otherwise asked every 1,024
// transitions: each evaluation may take up to the time limit (1 s), and
// 1,024 of them would hold the caller for minutes.
const slowEval = 5 * time.Millisecond

func queryError(format string, args ...any) *Failure {
	return &Failure{Error: ErrQueryEvaluationError, Cause: fmt.Sprintf(format, args...)}
}

// jscope is what the expressions of one state evaluation read: $states
// and the variables, converted to the engine's form once, when first read.
type jscope struct {
	m *Machine
	x *Execution
	f *Frame

	input       any
	inputJS     any // input converted; set up front by Map for its ItemSelector
	hasInputJS  bool
	result      any
	hasResult   bool
	errorOutput any
	hasError    bool
	item        *mapItem

	states  map[string]any
	context any
	vars    map[string]any
}

func (m *Machine) scope(x *Execution, f *Frame, input any) *jscope {
	return &jscope{m: m, x: x, f: f, input: input}
}

// bindings returns what e reads.
func (sc *jscope) bindings(e *jsonata.Expr) jsonata.Bindings {
	b := jsonata.Bindings{Var: sc.variable}
	if use := e.States; use.Any() {
		if sc.states == nil {
			sc.states = make(map[string]any, 4)
		}
		if use.Input && !sc.hasInputJS {
			sc.inputJS, sc.hasInputJS = jsonata.ToJSONata(sc.input), true
		}
		if use.Input {
			sc.states["input"] = sc.inputJS
		}
		if use.Result && sc.hasResult {
			if _, ok := sc.states["result"]; !ok {
				sc.states["result"] = jsonata.ToJSONata(sc.result)
			}
		}
		if use.ErrorOutput && sc.hasError {
			if _, ok := sc.states["errorOutput"]; !ok {
				sc.states["errorOutput"] = jsonata.ToJSONata(sc.errorOutput)
			}
		}
		if use.Context {
			if sc.context == nil {
				sc.context = sc.m.jsonataContext(sc.x, sc.f, sc.item)
			}
			sc.states["context"] = sc.context
		}
		b.States = sc.states
	}
	return b
}

// variable returns a state machine variable in the engine's form.
func (sc *jscope) variable(name string) (any, bool) {
	if v, ok := sc.vars[name]; ok {
		return v, true
	}
	raw, ok := lookupVar(sc.x, sc.f, name)
	if !ok {
		return nil, false
	}
	v := jsonata.ToJSONata(raw)
	if sc.vars == nil {
		sc.vars = map[string]any{}
	}
	sc.vars[name] = v
	return v, true
}

// jsonataContext is the context object in the engine's form; the
// execution input in it is converted once per execution.
func (m *Machine) jsonataContext(x *Execution, f *Frame, item *mapItem) any {
	ctx := m.contextObject(x, f, item).(map[string]any)
	exec := ctx["Execution"].(map[string]any)
	exec["Input"] = nil
	out := jsonata.ToJSONata(ctx).(map[string]any)
	if x.jsInput == nil {
		x.jsInput = jsonata.ToJSONata(x.Info.Input)
	}
	out["Execution"].(map[string]any)["Input"] = x.jsInput
	return out
}
