package jsonpath

import (
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/value"
)

func (e orExpr) test(cur, root any) bool  { return e.l.test(cur, root) || e.r.test(cur, root) }
func (e andExpr) test(cur, root any) bool { return e.l.test(cur, root) && e.r.test(cur, root) }
func (e notExpr) test(cur, root any) bool { return !e.e.test(cur, root) }

func (e existsExpr) test(cur, root any) bool {
	if e.o.kind == operandLiteral {
		return e.o.lit == true
	}
	v, ok := e.o.eval(cur, root)
	if !ok {
		return false
	}
	if !e.o.definite {
		l, _ := v.([]any)
		return len(l) > 0
	}
	return true
}

// eval returns the operand's value; ok is false when a path selects nothing.
// An indefinite path yields the list of its matches.
func (o *operand) eval(cur, root any) (any, bool) {
	switch o.kind {
	case operandLiteral:
		return o.lit, true
	case operandRegex:
		return nil, false
	}
	start := cur
	if o.kind == operandRoot {
		start = root
	}
	if o.definite {
		for i := range o.steps {
			s := &o.steps[i]
			switch s.kind {
			case stepField:
				m, ok := start.(map[string]any)
				if !ok {
					return nil, false
				}
				if start, ok = m[s.name]; !ok {
					return nil, false
				}
			case stepIndex:
				a, ok := start.([]any)
				if !ok {
					return nil, false
				}
				if start, ok = index(a, s.index); !ok {
					return nil, false
				}
			}
		}
		return start, true
	}
	nodes := []any{start}
	for i := range o.steps {
		var next []any
		for _, n := range nodes {
			next = apply(next, &o.steps[i], n, root, i == len(o.steps)-1)
		}
		nodes = next
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, true
}

func (e cmpExpr) test(cur, root any) bool {
	if e.op == "=~" {
		return e.match(cur, root)
	}
	l, lok := e.left.eval(cur, root)
	r, rok := e.right.eval(cur, root)
	switch e.op {
	case "==":
		return lok && rok && value.Equal(l, r)
	case "!=":
		return !(lok && rok && value.Equal(l, r))
	case "<", "<=", ">", ">=":
		if !lok || !rok {
			return false
		}
		c, ok := compare(l, r)
		if !ok {
			return false
		}
		switch e.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "in":
		return lok && rok && contains(r, l)
	case "nin":
		return !(lok && rok && contains(r, l))
	case "contains":
		if !lok || !rok {
			return false
		}
		if s, ok := l.(string); ok {
			sub, ok := r.(string)
			return ok && strings.Contains(s, sub)
		}
		return contains(l, r)
	case "subsetof", "anyof", "noneof":
		la, lok2 := l.([]any)
		if !lok || !rok || !lok2 {
			return false
		}
		some, all := false, true
		for _, x := range la {
			if contains(r, x) {
				some = true
			} else {
				all = false
			}
		}
		switch e.op {
		case "subsetof":
			return all
		case "anyof":
			return some
		}
		_, rArr := r.([]any)
		return rArr && !some
	case "size":
		n, ok := value.Integer(r)
		size, sok := length(l)
		return lok && rok && ok && sok && int64(size) == n
	case "empty":
		want, ok := r.(bool)
		size, sok := length(l)
		return lok && rok && ok && sok && (size == 0) == want
	}
	return false
}

// match applies a regex operand to a string operand, either way round.
func (e cmpExpr) match(cur, root any) bool {
	re, subj := e.right, e.left
	if re.kind != operandRegex {
		re, subj = subj, re
	}
	if re.kind != operandRegex {
		return false
	}
	v, ok := subj.eval(cur, root)
	s, isStr := v.(string)
	return ok && isStr && re.re.MatchString(s)
}

// compare orders two numbers or two strings.
func compare(a, b any) (int, bool) {
	if x, ok := a.(string); ok {
		y, ok := b.(string)
		return strings.Compare(x, y), ok
	}
	return value.CompareNumbers(a, b)
}

// contains reports whether list (an array) holds v.
func contains(list, v any) bool {
	a, ok := list.([]any)
	if !ok {
		return false
	}
	for _, x := range a {
		if value.Equal(x, v) {
			return true
		}
	}
	return false
}

// length is the size of an array or a string (in characters).
func length(v any) (int, bool) {
	switch t := v.(type) {
	case []any:
		return len(t), true
	case string:
		return utf8.RuneCountInString(t), true
	}
	return 0, false
}
