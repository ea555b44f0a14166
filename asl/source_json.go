package asl

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxSourceDepth bounds the nesting of objects and arrays, so that hostile
// input cannot exhaust the stack. Real definitions stay far below it.
const maxSourceDepth = 1000

// sourceError is a syntax error of the source document.
type sourceError struct {
	pos Pos
	msg string
}

func (e *sourceError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.pos.Line, e.pos.Col, e.msg)
}

// jsonReader is a strict RFC 8259 JSON reader that keeps positions. Columns
// count characters (not bytes) from 1.
type jsonReader struct {
	src       []byte
	i         int
	line, col int
	depth     int
	cost      pathCost
}

// readJSON parses one JSON document into a source tree.
func readJSON(src []byte) (*srcNode, error) {
	r := &jsonReader{src: src, line: 1, col: 1, cost: newPathCost(len(src))}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		r.i = 3 // a UTF-8 byte order mark is not content
	}
	r.skipSpace()
	n, err := r.value()
	if err != nil {
		return nil, err
	}
	r.skipSpace()
	if r.i < len(r.src) {
		return nil, r.errorf("unexpected %s after the end of the document", r.describe())
	}
	return n, nil
}

func (r *jsonReader) pos() Pos { return Pos{Line: r.line, Col: r.col} }

func (r *jsonReader) errorf(format string, args ...any) error {
	return &sourceError{pos: r.pos(), msg: fmt.Sprintf(format, args...)}
}

// describe names the character at the cursor for error messages.
func (r *jsonReader) describe() string {
	if r.i >= len(r.src) {
		return "end of input"
	}
	c, _ := utf8.DecodeRune(r.src[r.i:])
	return fmt.Sprintf("character %q", c)
}

// advance moves past one byte, keeping line and column.
func (r *jsonReader) advance() {
	c := r.src[r.i]
	r.i++
	switch {
	case c == '\n':
		r.line++
		r.col = 1
	case c&0xC0 != 0x80: // continuation bytes do not start a character
		r.col++
	}
}

func (r *jsonReader) skipSpace() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\n', '\r':
			r.advance()
		default:
			return
		}
	}
}

func (r *jsonReader) value() (*srcNode, error) {
	if r.i >= len(r.src) {
		return nil, r.errorf("unexpected end of input, expecting a value")
	}
	if err := r.cost.charge(r.cost.ptr); err != nil {
		return nil, r.errorf("%s", err)
	}
	switch c := r.src[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		p := r.pos()
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		return &srcNode{kind: kindString, pos: p, val: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	case c == 't':
		return r.literal("true", kindBool, true)
	case c == 'f':
		return r.literal("false", kindBool, false)
	case c == 'n':
		return r.literal("null", kindNull, nil)
	default:
		return nil, r.errorf("unexpected %s, expecting a value", r.describe())
	}
}

func (r *jsonReader) literal(word string, kind srcKind, v any) (*srcNode, error) {
	p := r.pos()
	if !strings.HasPrefix(string(r.src[r.i:min(len(r.src), r.i+len(word))]), word) {
		return nil, r.errorf("invalid literal, expecting %q", word)
	}
	for range word {
		r.advance()
	}
	if r.i < len(r.src) && isWordByte(r.src[r.i]) {
		return nil, r.errorf("invalid literal, expecting %q", word)
	}
	return &srcNode{kind: kind, pos: p, val: v}, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxSourceDepth {
		return r.errorf("document nested too deeply (more than %d levels)", maxSourceDepth)
	}
	return nil
}

func (r *jsonReader) object() (*srcNode, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	n := &srcNode{kind: kindObject, pos: r.pos()}
	r.advance() // '{'
	r.skipSpace()
	if r.i < len(r.src) && r.src[r.i] == '}' {
		r.advance()
		return n, nil
	}
	for {
		if r.i >= len(r.src) || r.src[r.i] != '"' {
			return nil, r.errorf("unexpected %s, expecting a string to start a field name", r.describe())
		}
		keyPos := r.pos()
		key, err := r.str()
		if err != nil {
			return nil, err
		}
		r.skipSpace()
		if r.i >= len(r.src) || r.src[r.i] != ':' {
			return nil, r.errorf("unexpected %s after field name, expecting ':'", r.describe())
		}
		r.advance()
		r.skipSpace()
		r.cost.enter(len(key))
		v, err := r.value()
		r.cost.leave(len(key))
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, srcMember{key: key, keyPos: keyPos, value: v})
		r.skipSpace()
		if r.i >= len(r.src) {
			return nil, r.errorf("unexpected end of input, expecting ',' or '}'")
		}
		switch r.src[r.i] {
		case ',':
			r.advance()
			r.skipSpace()
		case '}':
			r.advance()
			return n, nil
		default:
			return nil, r.errorf("unexpected %s after field value, expecting ',' or '}'", r.describe())
		}
	}
}

func (r *jsonReader) array() (*srcNode, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	n := &srcNode{kind: kindArray, pos: r.pos()}
	r.advance() // '['
	r.skipSpace()
	if r.i < len(r.src) && r.src[r.i] == ']' {
		r.advance()
		n.elems = []*srcNode{}
		return n, nil
	}
	for {
		i := indexLen(len(n.elems))
		r.cost.enter(i)
		v, err := r.value()
		r.cost.leave(i)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		r.skipSpace()
		if r.i >= len(r.src) {
			return nil, r.errorf("unexpected end of input, expecting ',' or ']'")
		}
		switch r.src[r.i] {
		case ',':
			r.advance()
			r.skipSpace()
		case ']':
			r.advance()
			return n, nil
		default:
			return nil, r.errorf("unexpected %s after array element, expecting ',' or ']'", r.describe())
		}
	}
}

func (r *jsonReader) number() (*srcNode, error) {
	p := r.pos()
	start := r.i
	digits := func() int {
		k := 0
		for r.i < len(r.src) && r.src[r.i] >= '0' && r.src[r.i] <= '9' {
			r.advance()
			k++
		}
		return k
	}
	if r.src[r.i] == '-' {
		r.advance()
	}
	if r.i < len(r.src) && r.src[r.i] == '0' {
		r.advance()
	} else if digits() == 0 {
		return nil, r.errorf("invalid number, expecting a digit")
	}
	if r.i < len(r.src) && r.src[r.i] == '.' {
		r.advance()
		if digits() == 0 {
			return nil, r.errorf("invalid number, expecting a digit after '.'")
		}
	}
	if r.i < len(r.src) && (r.src[r.i] == 'e' || r.src[r.i] == 'E') {
		r.advance()
		if r.i < len(r.src) && (r.src[r.i] == '+' || r.src[r.i] == '-') {
			r.advance()
		}
		if digits() == 0 {
			return nil, r.errorf("invalid number, expecting a digit in the exponent")
		}
	}
	if r.i < len(r.src) && isWordByte(r.src[r.i]) {
		return nil, r.errorf("invalid number, unexpected %s", r.describe())
	}
	return &srcNode{kind: kindNumber, pos: p, val: numberValue(string(r.src[start:r.i]))}, nil
}

// str reads a string literal; the cursor is on its opening quote.
func (r *jsonReader) str() (string, error) {
	r.advance() // '"'
	var b strings.Builder
	for {
		if r.i >= len(r.src) {
			return "", r.errorf("unexpected end of input in a string")
		}
		c := r.src[r.i]
		switch {
		case c == '"':
			r.advance()
			return b.String(), nil
		case c == '\\':
			if err := r.escape(&b); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", r.errorf("control character %q in a string must be escaped", rune(c))
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			r.advance()
		default:
			// Invalid UTF-8 becomes U+FFFD, as encoding/json does.
			ch, size := utf8.DecodeRune(r.src[r.i:])
			b.WriteRune(ch)
			for range size {
				r.advance()
			}
		}
	}
}

// escape decodes one backslash escape into b.
func (r *jsonReader) escape(b *strings.Builder) error {
	r.advance() // '\'
	if r.i >= len(r.src) {
		return r.errorf("unexpected end of input in a string escape")
	}
	c := r.src[r.i]
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r.advance()
		ch, err := r.hex4()
		if err != nil {
			return err
		}
		if utf16.IsSurrogate(ch) {
			// A high surrogate must be followed by an escaped low one;
			// lone halves become U+FFFD, as encoding/json does.
			if r.i+1 < len(r.src) && r.src[r.i] == '\\' && r.src[r.i+1] == 'u' {
				save := *r
				r.advance()
				r.advance()
				lo, err := r.hex4()
				if err != nil {
					return err
				}
				if dec := utf16.DecodeRune(ch, lo); dec != utf8.RuneError {
					b.WriteRune(dec)
					return nil
				}
				*r = save
			}
			ch = utf8.RuneError
		}
		b.WriteRune(ch)
		return nil
	default:
		return r.errorf("invalid escape '\\%c' in a string", rune(c))
	}
	r.advance()
	return nil
}

// hex4 reads the four hex digits of a \u escape.
func (r *jsonReader) hex4() (rune, error) {
	var v rune
	for range 4 {
		if r.i >= len(r.src) {
			return 0, r.errorf("unexpected end of input in a \\u escape")
		}
		c := r.src[r.i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, r.errorf("invalid character %q in a \\u escape", rune(c))
		}
		r.advance()
	}
	return v, nil
}
