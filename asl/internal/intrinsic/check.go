package intrinsic

import (
	"fmt"
	"math"

	"github.com/batonhq/baton/internal/value"
)

// check verifies a parsed call's arity and the kinds of its literal
// arguments, then the function's own literal checks. Step Functions only
// finds these mistakes when the state runs; finding them in Parse reports
// them before any execution starts.
func (p *parser) check(c *callNode) error {
	f := c.fn
	n := len(c.args)
	if n < f.required || (!f.variadic && n > len(f.params)) {
		return p.errorf(c.off, "%s %s, but got %d", f.name, arity(f), n)
	}
	for i, a := range c.args {
		lit, ok := a.(*literalNode)
		if !ok || i >= len(f.params) {
			continue
		}
		if k := f.params[i]; !accepts(k, lit.val) {
			return p.errorf(lit.off, "argument %d of %s must be %s, not %s", i+1, f.name, k, describeLiteral(lit.val))
		}
	}
	if f.check != nil {
		return f.check(p, c)
	}
	return nil
}

// arity words what a function takes.
func arity(f *function) string {
	switch {
	case f.variadic && f.required == 0:
		return "takes any number of arguments"
	case f.variadic:
		return fmt.Sprintf("takes at least %d %s", f.required, plural(f.required))
	case len(f.params) == 0:
		return "takes no arguments"
	case f.required == len(f.params):
		return fmt.Sprintf("takes %d %s", f.required, plural(f.required))
	}
	return fmt.Sprintf("takes %d or %d arguments", f.required, len(f.params))
}

func plural(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}

// accepts reports whether a literal of value v fits a parameter of kind k.
func accepts(k kind, v any) bool {
	switch k {
	case stringKind:
		_, ok := v.(string)
		return ok
	case numberKind:
		return value.IsNumber(v)
	case arrayKind, objectKind:
		return false // literals are never arrays or objects
	}
	return true
}

func describeLiteral(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("the string '%s'", s)
	}
	return string(value.Marshal(v))
}

// literal returns argument i when it is a literal.
func literal(c *callNode, i int) (*literalNode, bool) {
	if i >= len(c.args) {
		return nil, false
	}
	lit, ok := c.args[i].(*literalNode)
	return lit, ok
}

// literalNumber returns argument i when it is a literal number.
func literalNumber(c *callNode, i int) (float64, *literalNode, bool) {
	lit, ok := literal(c, i)
	if !ok {
		return 0, nil, false
	}
	f, ok := value.Number(lit.val)
	return f, lit, ok
}

func checkFormat(p *parser, c *callNode) error {
	lit, ok := literal(c, 0)
	if !ok {
		return nil
	}
	t, off, msg := parseTemplate(lit.raw)
	if msg != "" {
		return p.errorf(lit.off+1+off, "invalid States.Format template: %s", msg)
	}
	if got := len(c.args) - 1; got != t.holes() {
		return p.errorf(c.off, "the States.Format template has %d {} placeholder(s) but %d value(s) follow it", t.holes(), got)
	}
	c.tmpl = t
	return nil
}

func checkArrayPartition(p *parser, c *callNode) error {
	if f, lit, ok := literalNumber(c, 1); ok && math.Trunc(f) < 1 {
		return p.errorf(lit.off, "the chunk size of States.ArrayPartition must be a positive integer")
	}
	return nil
}

func checkArrayRange(p *parser, c *callNode) error {
	step, lit, ok := literalNumber(c, 2)
	if !ok {
		return nil
	}
	if math.Trunc(step) == 0 {
		return p.errorf(lit.off, "the step of States.ArrayRange must not be zero")
	}
	first, _, ok1 := literalNumber(c, 0)
	last, _, ok2 := literalNumber(c, 1)
	if ok1 && ok2 {
		if _, ok := rangeOf(first, last, step); !ok {
			return p.errorf(c.off, "States.ArrayRange would make more than %d items or has arguments outside the 32-bit integer range", maxRangeItems)
		}
	}
	return nil
}

func checkArrayGetItem(p *parser, c *callNode) error {
	if f, lit, ok := literalNumber(c, 1); ok && math.Trunc(f) < 0 {
		return p.errorf(lit.off, "the index of States.ArrayGetItem must not be negative")
	}
	return nil
}

// checkTextLimit checks the 10,000 character limit of a literal argument.
func checkTextLimit(p *parser, c *callNode) error {
	if lit, ok := literal(c, 0); ok {
		if s, ok := lit.val.(string); ok && textLen(s) > maxTextLen {
			return p.errorf(lit.off, "the argument of %s is longer than %d characters", c.fn.name, maxTextLen)
		}
	}
	return nil
}

func checkHash(p *parser, c *callNode) error {
	if err := checkTextLimit(p, c); err != nil {
		return err
	}
	if lit, ok := literal(c, 1); ok {
		if name, _ := lit.val.(string); hashes[name] == nil {
			return p.errorf(lit.off, "unsupported hash algorithm '%s'; use one of %s", name, hashNames)
		}
	}
	return nil
}

func checkJSONMerge(p *parser, c *callNode) error {
	if lit, ok := literal(c, 2); ok && lit.val == true {
		return p.errorf(lit.off, "States.JsonMerge only supports the shallow merging mode, so its third argument must be false")
	}
	return nil
}

func checkMathRandom(p *parser, c *callNode) error {
	for i := range 3 {
		if f, lit, ok := literalNumber(c, i); ok {
			if _, ok := toInt32(f, math.Trunc); !ok && i < 2 {
				return p.errorf(lit.off, "the bounds of States.MathRandom must be within the 32-bit integer range")
			}
		}
	}
	start, _, ok1 := literalNumber(c, 0)
	end, _, ok2 := literalNumber(c, 1)
	if ok1 && ok2 && math.Trunc(start) >= math.Trunc(end) {
		return p.errorf(c.off, "the start of States.MathRandom must be less than its end")
	}
	return nil
}

func checkMathAdd(p *parser, c *callNode) error {
	for i := range 2 {
		if f, lit, ok := literalNumber(c, i); ok {
			if _, ok := toInt32(f, javaRound); !ok {
				return p.errorf(lit.off, "the arguments of States.MathAdd must be within the 32-bit integer range")
			}
		}
	}
	return nil
}
