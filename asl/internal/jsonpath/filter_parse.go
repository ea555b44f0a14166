package jsonpath

import (
	"regexp"
	"strings"

	"github.com/batonhq/baton/internal/value"
)

// expr is a filter expression: [?( expr )].
type expr interface {
	// test evaluates the expression with cur as "@" and root as "$".
	test(cur, root any) bool
}

type orExpr struct{ l, r expr }
type andExpr struct{ l, r expr }
type notExpr struct{ e expr }

// existsExpr is a lone operand: true when the path selects something.
type existsExpr struct{ o operand }

// cmpExpr is "left op right".
type cmpExpr struct {
	op          string
	left, right operand
}

type operandKind uint8

const (
	operandCurrent operandKind = iota // @...
	operandRoot                       // $...
	operandLiteral                    // 1, 'a', true, null, [1,2], {"a":1}
	operandRegex                      // /re/flags
)

// operand is one side of a comparison.
type operand struct {
	kind     operandKind
	steps    []step
	definite bool
	lit      any
	re       *regexp.Regexp
}

// filterStep parses "?(expr)" at ps.pos (on the '?').
func (ps *parser) filterStep(s *step) error {
	q := ps.pos
	ps.pos++
	ps.skipSpace()
	if ps.peek() != '(' {
		return ps.fail(q, "a filter must be written [?(...)]")
	}
	ps.pos++
	e, err := ps.orExpr()
	if err != nil {
		return err
	}
	ps.skipSpace()
	if ps.peek() != ')' {
		if ps.pos >= len(ps.src) {
			return ps.fail(q, "unterminated filter")
		}
		return ps.unexpected()
	}
	ps.pos++
	s.kind, s.filter = stepFilter, e
	return nil
}

func (ps *parser) orExpr() (expr, error) {
	l, err := ps.andExpr()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.src[ps.pos:], "||") {
			return l, nil
		}
		ps.pos += 2
		r, err := ps.andExpr()
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
}

func (ps *parser) andExpr() (expr, error) {
	l, err := ps.unaryExpr()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.src[ps.pos:], "&&") {
			return l, nil
		}
		ps.pos += 2
		r, err := ps.unaryExpr()
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
}

func (ps *parser) unaryExpr() (expr, error) {
	ps.skipSpace()
	switch ps.peek() {
	case '!':
		if strings.HasPrefix(ps.src[ps.pos:], "!=") {
			return nil, ps.unexpected()
		}
		ps.pos++
		e, err := ps.unaryExpr()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	case '(':
		open := ps.pos
		ps.pos++
		e, err := ps.orExpr()
		if err != nil {
			return nil, err
		}
		ps.skipSpace()
		if ps.peek() != ')' {
			if ps.pos >= len(ps.src) {
				return nil, ps.fail(open, "unterminated '('")
			}
			return nil, ps.unexpected()
		}
		ps.pos++
		return e, nil
	}
	return ps.comparison()
}

// wordOps are the named relational operators Jayway supports.
var wordOps = []string{"subsetof", "contains", "noneof", "anyof", "empty", "size", "nin", "in"}

// symOps are the symbolic ones, longest first.
var symOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">"}

func (ps *parser) comparison() (expr, error) {
	start := ps.pos
	left, err := ps.operand()
	if err != nil {
		return nil, err
	}
	ps.skipSpace()
	op := ps.operator()
	if op == "" {
		switch {
		case left.kind == operandCurrent || left.kind == operandRoot:
			return existsExpr{left}, nil
		case left.kind == operandLiteral && (left.lit == true || left.lit == false):
			return existsExpr{left}, nil
		}
		if ps.pos >= len(ps.src) {
			return nil, ps.fail(start, "unterminated filter")
		}
		return nil, ps.fail(ps.pos, "expected a comparison operator")
	}
	ps.skipSpace()
	right, err := ps.operand()
	if err != nil {
		return nil, err
	}
	return cmpExpr{op: op, left: left, right: right}, nil
}

// operator reads a relational operator at ps.pos, or returns "".
func (ps *parser) operator() string {
	rest := ps.src[ps.pos:]
	for _, op := range symOps {
		if strings.HasPrefix(rest, op) {
			ps.pos += len(op)
			return op
		}
	}
	for _, op := range wordOps {
		if strings.HasPrefix(rest, op) && len(rest) > len(op) && isSpace(rest[len(op)]) {
			ps.pos += len(op)
			return op
		}
	}
	return ""
}

// operand reads one side of a comparison.
func (ps *parser) operand() (operand, error) {
	ps.skipSpace()
	start := ps.pos
	switch c := ps.peek(); {
	case c == '@' || c == '$':
		kind := operandCurrent
		if c == '$' {
			kind = operandRoot
		}
		ps.pos++
		steps, err := ps.steps(true)
		if err != nil {
			return operand{}, err
		}
		return operand{kind: kind, steps: steps, definite: isDefinite(steps)}, nil
	case c == '\'' || c == '"':
		s, err := ps.quoted()
		return operand{kind: operandLiteral, lit: s}, err
	case c == '/':
		return ps.regex()
	case c == '[' || c == '{':
		end, err := ps.jsonEnd()
		if err != nil {
			return operand{}, err
		}
		v, perr := value.ParseString(singleToDouble(ps.src[start:end]))
		if perr != nil {
			return operand{}, ps.fail(start, "invalid JSON literal: %v", perr)
		}
		ps.pos = end
		return operand{kind: operandLiteral, lit: v}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		ps.pos++
		for ps.pos < len(ps.src) && strings.IndexByte("0123456789.eE+-", ps.src[ps.pos]) >= 0 {
			ps.pos++
		}
		v, err := value.ParseString(ps.src[start:ps.pos])
		if err != nil || !value.IsNumber(v) {
			return operand{}, ps.fail(start, "invalid number %s", ps.src[start:ps.pos])
		}
		return operand{kind: operandLiteral, lit: v}, nil
	}
	for _, kw := range []struct {
		word string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(ps.src[ps.pos:], kw.word) {
			ps.pos += len(kw.word)
			return operand{kind: operandLiteral, lit: kw.v}, nil
		}
	}
	if ps.pos >= len(ps.src) {
		return operand{}, ps.fail(start, "unterminated filter")
	}
	return operand{}, ps.fail(start, "expected '@', '$' or a literal")
}

// jsonEnd finds the end of the JSON array or object literal at ps.pos.
func (ps *parser) jsonEnd() (int, error) {
	depth := 0
	var quote byte // the quote of the string we are in, or 0
	for i := ps.pos; i < len(ps.src); i++ {
		c := ps.src[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, ps.fail(ps.pos, "unterminated JSON literal")
}

// regex reads /pattern/flags. Like Java's Matcher.matches, the pattern must
// match the whole string.
func (ps *parser) regex() (operand, error) {
	start := ps.pos
	ps.pos++
	var b strings.Builder
	for {
		if ps.pos >= len(ps.src) {
			return operand{}, ps.fail(start, "unterminated regular expression")
		}
		c := ps.src[ps.pos]
		if c == '/' {
			break
		}
		if c == '\\' && ps.pos+1 < len(ps.src) && ps.src[ps.pos+1] == '/' {
			ps.pos++
			c = '/'
		} else if c == '\\' && ps.pos+1 < len(ps.src) {
			b.WriteByte(c)
			ps.pos++
			c = ps.src[ps.pos]
		}
		b.WriteByte(c)
		ps.pos++
	}
	ps.pos++ // closing '/'
	flags := ""
	for ps.pos < len(ps.src) && strings.IndexByte("imsxu", ps.src[ps.pos]) >= 0 {
		if c := ps.src[ps.pos]; c == 'i' || c == 'm' || c == 's' {
			flags += string(c)
		}
		ps.pos++
	}
	pat := "^(?:" + b.String() + ")$"
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return operand{}, ps.fail(start, "invalid regular expression: %v", err)
	}
	return operand{kind: operandRegex, re: re}, nil
}

// singleToDouble rewrites the 'single-quoted' strings Jayway accepts in
// literals as JSON strings.
func singleToDouble(s string) string {
	if strings.IndexByte(s, '\'') < 0 {
		return s
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\' && i+1 < len(s):
			if quote == '\'' && s[i+1] == '\'' {
				b.WriteByte('\'')
			} else {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case quote == '\'' && c == '"':
			b.WriteString(`\"`)
		case quote != 0 && c == quote:
			quote = 0
			b.WriteByte('"')
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
			b.WriteByte('"')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
