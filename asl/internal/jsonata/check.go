package jsonata

import "fmt"

// RestrictionError is an expression the States Language forbids although
// it is valid JSONata: one that reads the input document ("$", a field name
// at the top level, "$$"), which a state does not provide.
type RestrictionError struct {
	Message string
}

func (e *RestrictionError) Error() string { return e.Message }

// CheckRestrictions reports the first reference the States Language
// forbids in src: "$$" anywhere, and "$" or an unqualified field name as
// the first step of a path at the top level of the expression. Inside a
// predicate, a path step in parentheses, a sort term or a grouping, "$"
// and field names refer to the context value and are allowed.
func CheckRestrictions(src string) error {
	type frame struct {
		nested bool // inside a predicate, step, sort or grouping
		params bool // a lambda's parameter list
	}
	stack := []frame{{}}
	prev := tokStart // the kind of the previous token
	var prevText string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := i + 2
			for j+1 < len(src) && !(src[j] == '*' && src[j+1] == '/') {
				j++
			}
			i = j + 2
			continue
		case c == '"' || c == '\'':
			i = skipString(src, i) + 1
			prev, prevText = tokValue, ""
			continue
		case c == '/' && !valueBefore(prev):
			// a regular expression literal
			j := i + 1
			for j < len(src) && src[j] != '/' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j++
			for j < len(src) && isNameByte(src[j]) {
				j++ // flags
			}
			i = j
			prev, prevText = tokValue, ""
			continue
		case c == '$':
			j := i + 1
			if j < len(src) && src[j] == '$' {
				return &RestrictionError{Message: "Reference to '$$' is not supported."}
			}
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			name := src[i:j]
			if name == "$" && !stack[len(stack)-1].nested && prev != tokDot {
				return &RestrictionError{Message: "Reference to '$' at the top level is not supported."}
			}
			i = j
			prev, prevText = tokName, name
			continue
		case c == '`':
			j := i + 1
			for j < len(src) && src[j] != '`' {
				j++
			}
			name := src[i+1 : min(j, len(src))]
			if !stack[len(stack)-1].nested && prev != tokDot && !afterBinding(prevText) {
				return topLevel(name)
			}
			i = j + 1
			prev, prevText = tokName, name
			continue
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (isNameByte(src[j]) || src[j] == '.' && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9' ||
				(src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E')) {
				j++
			}
			i = j
			prev, prevText = tokValue, ""
			continue
		case isNameByte(c):
			j := i
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			name := src[i:j]
			i = j
			switch name {
			case "and", "or", "in":
				if valueBefore(prev) {
					prev, prevText = tokOp, name
					continue
				}
			case "true", "false", "null":
				prev, prevText = tokValue, name
				continue
			case "function":
				prev, prevText = tokFunction, name
				continue
			}
			if !stack[len(stack)-1].nested && prev != tokDot && !afterBinding(prevText) {
				return topLevel(name)
			}
			prev, prevText = tokName, name
			continue
		}
		// Punctuation and operators.
		switch c {
		case '.':
			if i+1 < len(src) && src[i+1] == '.' { // range operator
				i += 2
				prev, prevText = tokOp, ".."
				continue
			}
			i++
			prev, prevText = tokDot, "."
			continue
		case '(', '[', '{':
			top := stack[len(stack)-1]
			nested := top.nested
			switch {
			case c == '(' && prev == tokDot, c == '[' && valueBefore(prev), c == '{' && valueBefore(prev):
				nested = true // a path step, a predicate or a grouping
			case c == '(' && prevText == "^":
				nested = true // sort terms
			}
			stack = append(stack, frame{nested: nested, params: c == '(' && prev == tokFunction})
			i++
			prev, prevText = tokOpen, string(c)
			continue
		case ')', ']', '}':
			params := stack[len(stack)-1].params
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			i++
			prev, prevText = tokValue, string(c)
			if params {
				prev = tokFunction // the body that follows keeps the context
			}
			continue
		}
		// Any other operator: two-character ones are read whole.
		op := string(c)
		if i+1 < len(src) {
			switch two := src[i : i+2]; two {
			case ":=", "!=", "<=", ">=", "~>", "??", "?:", "**":
				op = two
			}
		}
		i += len(op)
		prev, prevText = tokOp, op
	}
	return nil
}

func topLevel(name string) error {
	return &RestrictionError{Message: fmt.Sprintf("Reference to '%s' at the top level is not supported.", name)}
}

// afterBinding tells that a name follows "@" or "#", which bind variables
// rather than read fields.
func afterBinding(prev string) bool { return prev == "@" || prev == "#" }

type tokKind int

const (
	tokStart tokKind = iota
	tokValue         // a literal, a name or a closing bracket
	tokName
	tokDot
	tokOp
	tokOpen
	tokFunction
)

// valueBefore tells whether the previous token ends a value, so that what
// follows applies to it (a predicate, a grouping, a step).
func valueBefore(k tokKind) bool { return k == tokValue || k == tokName }
