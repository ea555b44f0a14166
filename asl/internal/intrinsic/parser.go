package intrinsic

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/batonhq/baton/asl/internal/jsonpath"
)

// maxDepth bounds call nesting. AWS allows "up to 10" nested intrinsic
// functions in a field; a call nested deeper than the top call plus ten
// levels exceeds that however the limit is counted.
const maxDepth = 11

// parser is a recursive-descent parser over the source of one call.
type parser struct {
	src   string
	pos   int
	depth int
}

func (p *parser) errorf(off int, format string, a ...any) error {
	return &SyntaxError{Src: p.src, Offset: off, Msg: fmt.Sprintf(format, a...)}
}

// parseTop parses the whole source, which must be exactly one call,
// optionally followed by white space.
func (p *parser) parseTop() (*callNode, error) {
	if p.src == "" {
		return nil, p.errorf(0, "empty string; expected an intrinsic function such as States.Format(...)")
	}
	if !isNameByte(p.src[0]) {
		return nil, p.errorf(0, "expected an intrinsic function name")
	}
	c, err := p.parseCall()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errorf(p.pos, "unexpected %s after the end of the call", p.describe(p.pos))
	}
	return c, nil
}

// parseCall parses Name(arg, ...) at p.pos and checks it against the
// function's signature.
func (p *parser) parseCall() (*callNode, error) {
	start := p.pos
	end := scanName(p.src, start)
	name := p.src[start:end]
	fn := functions[name]
	if fn == nil {
		return nil, p.errorf(start, "unknown intrinsic function '%s'", name)
	}
	p.pos = end
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errorf(p.pos, "expected '(' right after %s", name)
	}
	p.depth++
	if p.depth > maxDepth {
		return nil, p.errorf(start, "intrinsic functions are nested more than %d deep", maxDepth-1)
	}
	p.pos++
	c := &callNode{off: start, fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.parseArg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, p.errorf(p.pos, "missing ')' to close %s(", name)
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if p.src[p.pos] != ',' {
				return nil, p.errorf(p.pos, "expected ',' or ')' in the arguments of %s, found %s", name, p.describe(p.pos))
			}
			p.pos++
		}
	}
	p.depth--
	if err := p.check(c); err != nil {
		return nil, err
	}
	return c, nil
}

// parseArg parses one argument: a string, number, boolean, null, path or
// nested call.
func (p *parser) parseArg() (node, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.errorf(p.pos, "unexpected end; expected an argument")
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.parseString()
	case c == '$':
		return p.parsePath()
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case isNameByte(c):
		end := scanName(p.src, p.pos)
		word := p.src[p.pos:end]
		if end >= len(p.src) || p.src[end] != '(' {
			lit := &literalNode{off: p.pos}
			switch word {
			case "null":
			case "true":
				lit.val = true
			case "false":
				lit.val = false
			default:
				return nil, p.errorf(p.pos, "unexpected '%s'; expected a string, number, boolean, null, path or intrinsic function", word)
			}
			p.pos = end
			return lit, nil
		}
		return p.parseCall()
	}
	return nil, p.errorf(p.pos, "unexpected %s; expected a string, number, boolean, null, path or intrinsic function", p.describe(p.pos))
}

// parseString parses a quoted string. Only \' \{ \} and \\ are escapes; any
// other backslash is an error, as the specification requires.
func (p *parser) parseString() (node, error) {
	start := p.pos
	p.pos++
	var buf []byte
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			lit := &literalNode{off: start, val: string(buf), raw: p.src[start+1 : p.pos]}
			p.pos++
			return lit, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return nil, p.errorf(p.pos, "unterminated escape sequence")
			}
			switch e := p.src[p.pos+1]; e {
			case '\'', '{', '}', '\\':
				buf = append(buf, e)
				p.pos += 2
			default:
				r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
				return nil, p.errorf(p.pos, "invalid escape sequence '\\%c'; only \\', \\{, \\} and \\\\ are allowed", r)
			}
		default:
			buf = append(buf, c)
			p.pos++
		}
	}
	return nil, p.errorf(start, "unterminated string; missing closing '")
}

// parseNumber parses a number with JSON's grammar.
func (p *parser) parseNumber() (node, error) {
	start := p.pos
	s := p.src
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && isDigit(s[i]):
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return nil, p.errorf(i, "invalid number: expected a digit")
	}
	integer := true
	if i < len(s) && s[i] == '.' {
		integer = false
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return nil, p.errorf(i, "invalid number: expected a digit after '.'")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		integer = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return nil, p.errorf(i, "invalid number: expected a digit in the exponent")
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	v, ok := parseNumberText(s[start:i], integer)
	if !ok {
		return nil, p.errorf(start, "number %s is out of range", s[start:i])
	}
	p.pos = i
	return &literalNode{off: start, val: v}, nil
}

// parsePath parses a Path argument. It runs to the first ',' or ')' or
// white space outside brackets, so that filters and quoted names such as
// $['a, b'] stay whole.
func (p *parser) parsePath() (node, error) {
	start := p.pos
	depth := 0
	var quote byte
	i := start
scan:
	for ; i < len(p.src); i++ {
		c := p.src[i]
		if quote != 0 {
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '\\':
			i++ // an escaped character, as in $.a\,b
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '\'', '"':
			if depth > 0 {
				quote = c
			}
		case ',', ')', '(', ' ', '\t', '\n', '\r':
			if depth == 0 {
				break scan
			}
		}
	}
	if i > len(p.src) {
		i = len(p.src)
	}
	text := p.src[start:i]
	path, err := jsonpath.Parse(text)
	if err != nil {
		var se *jsonpath.SyntaxError
		if errors.As(err, &se) {
			return nil, p.errorf(start+se.Offset, "invalid path '%s': %s", text, se.Msg)
		}
		return nil, p.errorf(start, "invalid path '%s': %v", text, err)
	}
	p.pos = i
	return &pathNode{path: path}, nil
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

// describe names the character at off for messages.
func (p *parser) describe(off int) string {
	r, _ := utf8.DecodeRuneInString(p.src[off:])
	return fmt.Sprintf("'%c'", r)
}

// scanName returns the end of the run of name characters (A-Z, a-z, 0-9,
// '.' and '_') starting at i.
func scanName(s string, i int) int {
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	return i
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
