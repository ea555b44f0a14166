package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/value"
)

// tval is a value of pipeline.yaml compiled for evaluation: its static
// parts kept as written, its strings with "{% %}" compiled once, when the
// pipeline is compiled.
type tval struct {
	static  any
	dynamic bool
	parts   []tpart // a string template; one expression part alone: its value as is
	keys    []string
	fields  []*tval
	items   []*tval
	isArray bool
}

type tpart struct {
	text string
	x    *expr
}

// expr is a compiled expression and the $steps entries it reads.
type expr struct {
	js       *asl.JSONata
	steps    []string // the NAMEs of $steps.NAME
	allSteps bool     // $steps read whole
}

func (p *program) compileValue(v any) (*tval, error) {
	switch t := v.(type) {
	case literal:
		return &tval{static: string(t)}, nil
	case string:
		if !strings.Contains(t, "{%") {
			return &tval{static: t}, nil
		}
		parts, err := splitTemplate(t)
		if err != nil {
			return nil, err
		}
		out := &tval{dynamic: true}
		for _, part := range parts {
			if !part.expr {
				out.parts = append(out.parts, tpart{text: part.text})
				continue
			}
			x, err := p.compileExpr(part.text)
			if err != nil {
				return nil, err
			}
			out.parts = append(out.parts, tpart{x: x})
		}
		return out, nil
	case map[string]any:
		out := &tval{keys: slices.Sorted(maps.Keys(t))}
		for _, k := range out.keys {
			f, err := p.compileValue(t[k])
			if err != nil {
				return nil, err
			}
			out.fields = append(out.fields, f)
			out.dynamic = out.dynamic || f.dynamic
		}
		if !out.dynamic {
			return &tval{static: plain(v)}, nil
		}
		return out, nil
	case []any:
		out := &tval{isArray: true}
		for _, e := range t {
			f, err := p.compileValue(e)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, f)
			out.dynamic = out.dynamic || f.dynamic
		}
		if !out.dynamic {
			return &tval{static: plain(v)}, nil
		}
		return out, nil
	}
	return &tval{static: v}, nil
}

// plain turns literals back into strings in a static value.
func plain(v any) any {
	switch t := v.(type) {
	case literal:
		return string(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func (p *program) compileExpr(src string) (*expr, error) {
	if x, ok := p.exprs[src]; ok {
		return x, nil
	}
	js, err := asl.CompileJSONata(src)
	if err != nil {
		return nil, err
	}
	x := &expr{js: js}
	for _, v := range scanVariables(src) {
		if v.name != "steps" {
			continue
		}
		if v.step == "" {
			x.allSteps = true
		} else if !slices.Contains(x.steps, v.step) {
			x.steps = append(x.steps, v.step)
		}
	}
	p.exprs[src] = x
	return x, nil
}

// evalErr is an expression that failed: States.QueryEvaluationError.
type evalErr struct{ cause string }

// evalScope is what an evaluation reads besides the run's variables.
type evalScope struct {
	r       *run
	field   string // the field, for messages: "command[1]", "when"
	item    any
	index   int
	hasItem bool
}

// eval builds the value of t.
func (t *tval) eval(sc *evalScope) (any, *evalErr) {
	switch {
	case !t.dynamic:
		return t.static, nil
	case t.parts != nil:
		if len(t.parts) == 1 && t.parts[0].x != nil {
			return sc.run(t.parts[0].x)
		}
		var b strings.Builder
		for _, part := range t.parts {
			if part.x == nil {
				b.WriteString(part.text)
				continue
			}
			v, err := sc.run(part.x)
			if err != nil {
				return nil, err
			}
			b.WriteString(text(v))
		}
		return b.String(), nil
	case t.isArray:
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.eval(sc.at(strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(t.keys))
	for i, k := range t.keys {
		v, err := t.fields[i].eval(sc.at(k))
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// at is the evalScope of a member of the current field.
func (sc *evalScope) at(key string) *evalScope {
	c := *sc
	if c.field == "" {
		c.field = key
	} else {
		c.field += "/" + key
	}
	return &c
}

// text is a value as text: strings as they are, other values as JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.MarshalString(v)
}

func (sc *evalScope) run(x *expr) (any, *evalErr) {
	v, err := x.js.Eval(func(name string) (any, bool) { return sc.variable(x, name) }, sc.r.prog.opts.JSONata)
	if err != nil {
		return nil, &evalErr{cause: fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' %v", x.js.Source(), sc.field, err)}
	}
	if value.TooDeep(v, value.MaxDepth) {
		return nil, &evalErr{cause: fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned a value nested more than %d levels deep.", x.js.Source(), sc.field, value.MaxDepth)}
	}
	return v, nil
}

// variable returns a variable in the engine's form, converted once per
// run (and per change of a step) so that 10,000 for_each items reading a
// large $steps entry do not convert it 10,000 times.
func (sc *evalScope) variable(x *expr, name string) (any, bool) {
	r := sc.r
	switch name {
	case "item":
		if sc.hasItem {
			return asl.JSONataValue(sc.item), true
		}
	case "index":
		if sc.hasItem {
			return float64(sc.index), true
		}
	case "input":
		if r.js.input == nil {
			r.js.input = asl.JSONataValue(r.st.Input.V)
		}
		return r.js.input, true
	case "run":
		if r.js.run == nil {
			r.js.run = asl.JSONataValue(r.runVar())
		}
		return r.js.run, true
	case "env":
		if r.js.env == nil {
			env := make(map[string]any, len(r.prog.opts.Env))
			for k, v := range r.prog.opts.Env {
				env[k] = v
			}
			r.js.env = asl.JSONataValue(env)
		}
		return r.js.env, true
	case "steps":
		out := map[string]any{}
		if x.allSteps {
			for i := range r.prog.nodes {
				out[r.prog.nodes[i].step.Name] = r.stepVar(int32(i))
			}
		} else {
			for _, name := range x.steps {
				if i, ok := r.prog.byName[name]; ok {
					out[name] = r.stepVar(i)
				}
			}
		}
		return out, true
	}
	return nil, false
}

// stepVar is $steps.NAME in the engine's form: output, status, attempts.
func (r *run) stepVar(i int32) any {
	if v, ok := r.js.steps[i]; ok {
		return v
	}
	st := &r.st.Steps[i]
	v := asl.JSONataValue(map[string]any{"output": st.Output.V, "status": stateNames[st.State], "attempts": int64(st.Attempts)})
	if r.js.steps == nil {
		r.js.steps = map[int32]any{}
	}
	r.js.steps[i] = v
	return v
}
