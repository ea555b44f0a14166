package asl

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// rule is a compiled Choice rule.
type rule struct {
	src       *ChoiceRule
	variable  *jsonpath.Path
	op        string // operator without the "Path" suffix
	operand   any    // literal operand
	opPath    *jsonpath.Path
	and, or   []*rule
	not       *rule
	next      string
	nextState *state
	assign    *template
	// JSONata rules.
	cond, output, jassign *jvalue
}

func compileRule(r *ChoiceRule) (*rule, error) {
	c := &rule{src: r, next: r.Next}
	if r.Assign != nil {
		t, err := compileTemplate(r.Assign, r.Pointer+"/Assign")
		if err != nil {
			return nil, err
		}
		c.assign = t
	}
	switch r.Operator {
	case "And", "Or":
		list := r.And
		if r.Operator == "Or" {
			list = r.Or
		}
		for _, sub := range list {
			s, err := compileRule(sub)
			if err != nil {
				return nil, err
			}
			if r.Operator == "And" {
				c.and = append(c.and, s)
			} else {
				c.or = append(c.or, s)
			}
		}
		c.op = r.Operator
		return c, nil
	case "Not":
		s, err := compileRule(r.Not)
		if err != nil {
			return nil, err
		}
		c.op, c.not = "Not", s
		return c, nil
	}
	p, err := jsonpath.Parse(r.Variable)
	if err != nil {
		return nil, fmt.Errorf("%s/Variable: %v", r.Pointer, err)
	}
	c.variable = p
	c.op = r.Operator
	if strings.HasSuffix(r.Operator, "Path") {
		s, _ := r.Value.(string)
		op, err := jsonpath.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %v", r.Pointer, r.Operator, err)
		}
		c.op = strings.TrimSuffix(r.Operator, "Path")
		c.opPath = op
	} else {
		c.operand = r.Value
	}
	return c, nil
}

// eval tells whether the rule matches. Paths that select nothing are runtime
// errors, except under IsPresent.
func (r *rule) eval(env jsonpath.Env) (bool, *Failure) {
	switch r.op {
	case "And":
		for _, s := range r.and {
			ok, f := s.eval(env)
			if f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	case "Or":
		for _, s := range r.or {
			ok, f := s.eval(env)
			if f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	case "Not":
		ok, f := r.not.eval(env)
		return !ok && f == nil, f
	}
	v, err := r.variable.Get(env)
	if r.op == "IsPresent" {
		want, _ := r.operand.(bool)
		return (err == nil) == want, nil
	}
	if err != nil {
		return false, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.String())}
	}
	operand := r.operand
	if r.opPath != nil {
		operand, err = r.opPath.Get(env)
		if err != nil {
			return false, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.opPath.String())}
		}
	}
	return compare(r.op, v, operand), nil
}

// compare applies a comparison operator. A value of the wrong type for the
// operator never matches, as on AWS.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == isTrue(operand)
	case "IsNumeric":
		_, ok := value.Number(v)
		return ok == isTrue(operand)
	case "IsString":
		_, ok := v.(string)
		return ok == isTrue(operand)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == isTrue(operand)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == isTrue(operand)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && matchWildcard(b, a)
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op[len("String"):], strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := value.Number(v)
		b, ok2 := value.Number(operand)
		if !ok1 || !ok2 {
			return false
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return ordered(op[len("Numeric"):], c)
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op[len("Timestamp"):], a.Compare(b))
	}
	return false
}

func ordered(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

func isTrue(v any) bool { b, _ := v.(bool); return b }

// parseTimestamp accepts RFC 3339 timestamps, as the States Language
// requires (an uppercase T separator, a time zone).
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// matchWildcard implements StringMatches: "*" matches any run of characters,
// "\*" a literal star and "\\" a literal backslash. The classic two-pointer
// glob match: O(len(pattern)*len(s)) at worst, no recursion.
func matchWildcard(pattern, s string) bool {
	type pc struct {
		c    byte
		star bool
	}
	p := make([]pc, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			p = append(p, pc{c: pattern[i]})
		case c == '*':
			p = append(p, pc{star: true})
		default:
			p = append(p, pc{c: c})
		}
	}
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && !p[pi].star && p[pi].c == s[si]:
			pi++
			si++
		case pi < len(p) && p[pi].star:
			starP, starS = pi, si
			pi++
		case starP >= 0:
			starS++
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].star {
		pi++
	}
	return pi == len(p)
}
