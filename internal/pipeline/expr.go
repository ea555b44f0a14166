package pipeline

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/asl"
)

// Expressions. Any string may hold JSONata between "{%" and "%}": a string
// that is one expression alone takes the expression's value (of any JSON
// type); a string with expressions inside text is a template, each
// expression replaced by its value as text (strings as they are, other
// values as JSON).

// scope says where an expression is evaluated, hence which variables it sees.
type scope int

const (
	scopeStep         scope = iota // a step's fields: $input, $steps, $run, $env; $item, $index in a for_each step
	scopeForEachItems              // a step's for_each and when, evaluated once before the items: no $item, $index
	scopeOutput                    // the run output: $input, $steps, $run, $env
	scopeParam                     // a param's default: $run, $env
)

// exprUse is one expression of the file, checked once every step is known.
type exprUse struct {
	ptr   string
	src   string // between the delimiters
	scope scope
	step  *Step // the step it belongs to, nil outside steps
}

// isWholeExpr tells whether s is a single "{% ... %}" expression.
func isWholeExpr(s string) bool {
	if !asl.IsJSONata(s) {
		return false
	}
	parts, err := splitTemplate(s)
	return err == nil && len(parts) == 1 && parts[0].expr
}

// templatePart is a piece of a string: text, or an expression's source.
type templatePart struct {
	text string
	expr bool
}

// splitTemplate cuts s into text and expressions. An expression ends at
// the first "%}" outside a JSONata string literal.
func splitTemplate(s string) ([]templatePart, error) {
	var parts []templatePart
	for {
		i := strings.Index(s, "{%")
		if i < 0 {
			if s != "" {
				parts = append(parts, templatePart{text: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, templatePart{text: s[:i]})
		}
		j := exprEnd(s, i+2)
		if j < 0 {
			return parts, errors.New("an expression opened with {% is not closed with %}")
		}
		parts = append(parts, templatePart{text: strings.TrimSpace(s[i+2 : j]), expr: true})
		s = s[j+2:]
	}
}

// exprEnd returns the index of the "%}" that closes an expression starting
// at i, skipping string literals and comments, or -1.
func exprEnd(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == '"' || c == '\'' || c == '`':
			i++
			for i < len(s) && s[i] != c {
				if s[i] == '\\' && c != '`' {
					i++
				}
				i++
			}
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			k := strings.Index(s[i+2:], "*/")
			if k < 0 {
				return -1
			}
			i += k + 4
		case c == '%' && i+1 < len(s) && s[i+1] == '}':
			return i
		default:
			i++
		}
	}
	return -1
}

// template records every expression in v (strings at any depth).
func (p *parser) template(ptr string, v any, sc scope, st *Step) {
	switch t := v.(type) {
	case string:
		if !strings.Contains(t, "{%") {
			return
		}
		parts, err := splitTemplate(t)
		if err != nil {
			p.reportAt(ptr, CodeInvalidJSONata, "%v", err)
			return
		}
		for _, part := range parts {
			if part.expr {
				p.exprs = append(p.exprs, exprUse{ptr: ptr, src: part.text, scope: sc, step: st})
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			p.template(ptr+"/"+asl.PointerToken(k), t[k], sc, st)
		}
	case []any:
		for i, e := range t {
			p.template(ptr+"/"+strconv.Itoa(i), e, sc, st)
		}
	}
}

// MaxExpressionBytes bounds the text of one expression.
const MaxExpressionBytes = 16 << 10

// checkExpressions compiles every expression and checks the variables it
// reads: $item and $index only in a for_each step, $steps.NAME only of a
// step that has run by then (an upstream step, or any step from a handler
// or the run output).
func (p *parser) checkExpressions(pl *Pipeline) {
	g := newGraph(pl)
	for _, e := range p.exprs {
		if e.src == "" {
			p.reportAt(e.ptr, CodeInvalidJSONata, "The expression is empty")
			continue
		}
		if len(e.src) > MaxExpressionBytes {
			// The JSONata compiler's time and memory grow faster than the
			// text on hostile shapes (a path of 40,000 steps: seconds).
			p.reportAt(e.ptr, CodeInvalidJSONata, "The expression is %d bytes long, more than the %d an expression may have: compute it in steps, or in a step's script", len(e.src), MaxExpressionBytes)
			continue
		}
		var je *asl.JSONataError
		if err := asl.CheckJSONata(e.src); errors.As(err, &je) {
			p.reportAt(e.ptr, je.Code, "%s", je.Message)
			continue
		}
		for _, v := range scanVariables(e.src) {
			p.checkVariable(g, e, v)
		}
	}
}

// variable is a reserved variable read by an expression; step is the
// NAME of $steps.NAME.
type variable struct {
	name string
	step string
}

func (p *parser) checkVariable(g *graph, e exprUse, v variable) {
	switch v.name {
	case "item", "index":
		switch {
		case e.scope == scopeForEachItems:
			p.reportAt(e.ptr, CodeInvalidVariable, "$%s is the current item of the for_each; for_each and when are evaluated once for the step, before its items, and cannot read it", v.name)
		case e.scope != scopeStep || e.step == nil || e.step.ForEach == nil:
			p.reportAt(e.ptr, CodeInvalidVariable, "$%s is only defined in a step with for_each", v.name)
		}
	case "input", "steps":
		if e.scope == scopeParam {
			p.reportAt(e.ptr, CodeInvalidVariable, "A param's default can read $run and $env only, not $%s", v.name)
			return
		}
		if v.step == "" {
			return
		}
		idx, ok := g.index[v.step]
		switch {
		case !ok:
			p.reportAt(e.ptr, CodeUnknownStep, "$steps.%s names no step%s", clip(v.step), p.didYouMean(v.step, g.names()))
		case e.step == nil || g.handler[e.step]:
			// the run output and handlers run after the whole DAG
		case g.handler[g.steps[idx]]:
			p.reportAt(e.ptr, CodeInvalidVariable, "Step '%s' reads $steps.%s, a handler, which runs after the DAG", e.step.Name, v.step)
		case v.step == e.step.Name:
			p.reportAt(e.ptr, CodeInvalidVariable, "Step '%s' reads its own $steps entry, which has no result before it ends", e.step.Name)
		case !g.upstream(e.step, idx):
			p.reportAt(e.ptr, CodeInvalidVariable, "Step '%s' reads $steps.%s but does not depend on it (directly or through its depends_on): add it to depends_on", e.step.Name, v.step)
		}
	}
}

// scanVariables lists the reserved variables an expression reads, with the
// step name of each "$steps.NAME" (or $steps.`NAME`).
func scanVariables(src string) []variable {
	var out []variable
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"' || c == '\'':
			i++
			for i < len(src) && src[i] != c {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			k := strings.Index(src[i+2:], "*/")
			if k < 0 {
				return out
			}
			i += k + 4
		case c == '$':
			j := i + 1
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			name := src[i+1 : j]
			i = j
			switch name {
			case "item", "index", "input", "run", "env":
				out = append(out, variable{name: name})
			case "steps":
				v := variable{name: name}
				if j < len(src) && src[j] == '.' {
					k := j + 1
					if k < len(src) && src[k] == '`' {
						end := strings.IndexByte(src[k+1:], '`')
						if end >= 0 {
							v.step = src[k+1 : k+1+end]
							i = k + end + 2
						}
					} else {
						for k < len(src) && isNameByte(src[k]) {
							k++
						}
						v.step = src[j+1 : k]
						i = k
					}
				}
				out = append(out, v)
			}
		default:
			i++
		}
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

var _ = fmt.Sprint
