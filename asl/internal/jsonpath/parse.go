package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIndexDigits bounds an array index so that it fits an int everywhere.
const maxIndexDigits = 9

// Parse compiles any ASL Path. The error (wrapping ErrSyntax, and a
// *SyntaxError) says what is wrong and at which byte offset.
func Parse(s string) (*Path, error) {
	return parsePath(s, false)
}

// ParseReference compiles a Reference Path: a Path whose steps are only
// object members and array indexes, so that it selects at most one value.
// Wildcards, recursive descent, filters, slices and unions are rejected, as
// are the characters '@', ',', ':' and '?' outside quoted member names
// (escape them with '\' to use them in a dotted member name).
func ParseReference(s string) (*Path, error) {
	return parsePath(s, true)
}

// MustParse is Parse that panics on error, for paths fixed in source code.
func MustParse(s string) *Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

func parsePath(s string, ref bool) (*Path, error) {
	ps := &parser{src: s, ref: ref}
	p := &Path{src: s, reference: ref}
	if !strings.HasPrefix(s, "$") {
		return nil, ps.fail(0, "a path must start with '$'")
	}
	ps.pos = 1
	switch {
	case ps.pos < len(s) && s[ps.pos] == '$':
		p.root = RootContext
		ps.pos++
	case ps.pos < len(s):
		r, _ := utf8.DecodeRuneInString(s[ps.pos:])
		if isVarStart(r) {
			p.root = RootVariable
			p.varName = ps.varName()
		}
	}
	steps, err := ps.steps(false)
	if err != nil {
		return nil, err
	}
	if ps.pos < len(s) {
		return nil, ps.unexpected()
	}
	p.steps = steps
	p.definite = isDefinite(steps)
	return p, nil
}

// isDefinite reports whether steps select at most one value. As in Jayway,
// a union of member names is definite when it is the last step: it selects
// one object made of those members.
func isDefinite(steps []step) bool {
	for i := range steps {
		s := &steps[i]
		if !s.definite() && !(s.kind == stepNames && !s.descent && i == len(steps)-1) {
			return false
		}
	}
	return true
}

// parser walks the source of one path, including the paths inside filters.
type parser struct {
	src string
	pos int
	ref bool // Reference Path rules
}

func (ps *parser) fail(off int, format string, args ...any) error {
	return &SyntaxError{Path: ps.src, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (ps *parser) unexpected() error {
	if ps.pos >= len(ps.src) {
		return ps.fail(ps.pos, "unexpected end of path")
	}
	r, _ := utf8.DecodeRuneInString(ps.src[ps.pos:])
	return ps.fail(ps.pos, "unexpected %q", r)
}

func (ps *parser) peek() byte {
	if ps.pos < len(ps.src) {
		return ps.src[ps.pos]
	}
	return 0
}

func (ps *parser) skipSpace() {
	for ps.pos < len(ps.src) && isSpace(ps.src[ps.pos]) {
		ps.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isVarStart and isVarPart follow AWS's variable names: letters, digits and
// underscores, not starting with a digit.
func isVarStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isVarPart(r rune) bool {
	return isVarStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc)
}

func (ps *parser) varName() string {
	start := ps.pos
	for ps.pos < len(ps.src) {
		r, n := utf8.DecodeRuneInString(ps.src[ps.pos:])
		if !isVarPart(r) {
			break
		}
		ps.pos += n
	}
	return ps.src[start:ps.pos]
}

// steps parses steps until something that cannot continue a path. In a
// filter (inFilter) member names also end at spaces and operators.
func (ps *parser) steps(inFilter bool) ([]step, error) {
	var out []step
	for ps.pos < len(ps.src) {
		var s step
		start := ps.pos
		switch ps.src[ps.pos] {
		case '.':
			ps.pos++
			if ps.peek() == '.' {
				if ps.ref {
					return nil, ps.fail(start, "recursive descent '..' is not allowed in a Reference Path")
				}
				ps.pos++
				s.descent = true
			}
			var err error
			switch ps.peek() {
			case '[':
				err = ps.bracket(&s)
			case '*':
				if ps.ref {
					return nil, ps.fail(ps.pos, "wildcard '*' is not allowed in a Reference Path")
				}
				ps.pos++
				s.kind = stepWildcard
			case 0:
				return nil, ps.fail(ps.pos, "a path must not end with '.'")
			case '.':
				return nil, ps.fail(ps.pos, "unexpected '.'")
			default:
				err = ps.dotName(&s, inFilter)
			}
			if err != nil {
				return nil, err
			}
		case '[':
			if err := ps.bracket(&s); err != nil {
				return nil, err
			}
		default:
			if inFilter {
				return out, nil
			}
			return nil, ps.unexpected()
		}
		out = append(out, s)
	}
	return out, nil
}

// dotName parses the member name of ".name". A backslash takes the next
// character literally ("\." is a dot in the name); "\uXXXX" is a code unit.
func (ps *parser) dotName(s *step, inFilter bool) error {
	start := ps.pos
	var b strings.Builder
	plain := ps.pos // start of the run not yet copied into b
	for ps.pos < len(ps.src) {
		c := ps.src[ps.pos]
		if c == '.' || c == '[' {
			break
		}
		if inFilter && (isSpace(c) || strings.IndexByte(")=!<>&|,~]", c) >= 0) {
			break
		}
		switch {
		case c == '\\':
			b.WriteString(ps.src[plain:ps.pos])
			if err := ps.escape(&b, false); err != nil {
				return err
			}
			plain = ps.pos
			continue
		case c == '(':
			return ps.fail(ps.pos, "functions are not supported")
		case c == ']':
			return ps.unexpected()
		case isSpace(c):
			return ps.fail(ps.pos, "unexpected space in member name (use ['...'] for such names)")
		case ps.ref && strings.IndexByte("@,:?*", c) >= 0:
			return ps.fail(ps.pos, "'%c' is not allowed in a Reference Path (escape it as '\\%c' in a member name)", c, c)
		}
		ps.pos++
	}
	b.WriteString(ps.src[plain:ps.pos])
	if ps.pos == start {
		return ps.unexpected()
	}
	s.kind = stepField
	s.name = b.String()
	return nil
}

// escape reads a backslash escape at ps.pos into b. "\uXXXX" is a UTF-16
// code unit; with json, "\n", "\t" and the like are JSON's control
// characters; any other escaped character stands for itself.
func (ps *parser) escape(b *strings.Builder, json bool) error {
	start := ps.pos
	ps.pos++ // the backslash
	if ps.pos >= len(ps.src) {
		return ps.fail(start, "a path must not end with '\\'")
	}
	c := ps.src[ps.pos]
	if !json && c != 'u' {
		c = 0 // only \u is special in a dotted name
	}
	switch c {
	case 'u':
		if r, ok := ps.unicodeEscape(); ok {
			b.WriteRune(r)
			return nil
		}
		b.WriteByte('u')
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	default:
		_, n := utf8.DecodeRuneInString(ps.src[ps.pos:])
		b.WriteString(ps.src[ps.pos : ps.pos+n])
		ps.pos += n
		return nil
	}
	ps.pos++
	return nil
}

// unicodeEscape reads "uXXXX" at ps.pos (just after the backslash), and a
// following "\uXXXX" low surrogate, leaving ps.pos after them. Without four
// hex digits it reports false and consumes nothing.
func (ps *parser) unicodeEscape() (rune, bool) {
	hi, ok := hex4(ps.src, ps.pos+1)
	if !ok {
		return 0, false
	}
	ps.pos += 5
	r := rune(hi)
	if utf16IsHigh(r) && strings.HasPrefix(ps.src[ps.pos:], "\\u") {
		if lo, ok := hex4(ps.src, ps.pos+2); ok && utf16IsLow(rune(lo)) {
			ps.pos += 6
			return (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000, true
		}
	}
	if utf16IsHigh(r) || utf16IsLow(r) {
		return utf8.RuneError, true
	}
	return r, true
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

func hex4(s string, at int) (uint64, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[at:at+4], 16, 32)
	return v, err == nil
}

// bracket parses "[...]" at ps.pos.
func (ps *parser) bracket(s *step) error {
	open := ps.pos
	ps.pos++
	ps.skipSpace()
	switch c := ps.peek(); {
	case c == '\'' || c == '"':
		if err := ps.names(s); err != nil {
			return err
		}
	case c == '*':
		if ps.ref {
			return ps.fail(ps.pos, "wildcard '*' is not allowed in a Reference Path")
		}
		ps.pos++
		s.kind = stepWildcard
	case c == '?':
		if ps.ref {
			return ps.fail(ps.pos, "filter '?' is not allowed in a Reference Path")
		}
		if err := ps.filterStep(s); err != nil {
			return err
		}
	case c == '(':
		return ps.fail(ps.pos, "script expressions '[(...)]' are not supported")
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		if err := ps.indexes(s); err != nil {
			return err
		}
	case c == 0:
		return ps.fail(open, "unterminated '['")
	default:
		return ps.unexpected()
	}
	ps.skipSpace()
	if ps.peek() != ']' {
		if ps.pos >= len(ps.src) {
			return ps.fail(open, "unterminated '['")
		}
		return ps.unexpected()
	}
	ps.pos++
	return nil
}

// names parses "'a'" or "'a', 'b'" inside brackets.
func (ps *parser) names(s *step) error {
	var names []string
	for {
		name, err := ps.quoted()
		if err != nil {
			return err
		}
		names = append(names, name)
		ps.skipSpace()
		if ps.peek() != ',' {
			break
		}
		if ps.ref {
			return ps.fail(ps.pos, "union ',' is not allowed in a Reference Path")
		}
		ps.pos++
		ps.skipSpace()
	}
	if len(names) == 1 {
		s.kind, s.name = stepField, names[0]
	} else {
		s.kind, s.names = stepNames, names
	}
	return nil
}

// quoted reads a '...' or "..." string at ps.pos.
func (ps *parser) quoted() (string, error) {
	q := ps.peek()
	if q != '\'' && q != '"' {
		return "", ps.unexpected()
	}
	open := ps.pos
	ps.pos++
	var b strings.Builder
	plain := ps.pos
	for ps.pos < len(ps.src) {
		switch ps.src[ps.pos] {
		case q:
			b.WriteString(ps.src[plain:ps.pos])
			ps.pos++
			return b.String(), nil
		case '\\':
			b.WriteString(ps.src[plain:ps.pos])
			if err := ps.escape(&b, true); err != nil {
				return "", err
			}
			plain = ps.pos
		default:
			ps.pos++
		}
	}
	return "", ps.fail(open, "unterminated string")
}

// indexes parses "n", "n,m,...", or "from:to" inside brackets.
func (ps *parser) indexes(s *step) error {
	first, hasFirst, err := ps.optInt()
	if err != nil {
		return err
	}
	ps.skipSpace()
	switch ps.peek() {
	case ':':
		if ps.ref {
			return ps.fail(ps.pos, "slice ':' is not allowed in a Reference Path")
		}
		ps.pos++
		ps.skipSpace()
		to, hasTo, err := ps.optInt()
		if err != nil {
			return err
		}
		ps.skipSpace()
		if ps.peek() == ':' {
			return ps.fail(ps.pos, "slice steps ('[a:b:c]') are not supported")
		}
		s.kind = stepSlice
		s.slice = sliceSpec{from: first, to: to, hasFrom: hasFirst, hasTo: hasTo}
		return nil
	case ',':
		if !hasFirst {
			return ps.unexpected()
		}
		if ps.ref {
			return ps.fail(ps.pos, "union ',' is not allowed in a Reference Path")
		}
		list := []int{first}
		for ps.peek() == ',' {
			ps.pos++
			ps.skipSpace()
			n, ok, err := ps.optInt()
			if err != nil {
				return err
			}
			if !ok {
				return ps.unexpected()
			}
			list = append(list, n)
			ps.skipSpace()
		}
		s.kind, s.indexes = stepIndexes, list
		return nil
	}
	if !hasFirst {
		return ps.unexpected()
	}
	s.kind, s.index = stepIndex, first
	return nil
}

// optInt reads an optional integer at ps.pos.
func (ps *parser) optInt() (int, bool, error) {
	start := ps.pos
	if ps.peek() == '-' {
		ps.pos++
	}
	digits := ps.pos
	for ps.pos < len(ps.src) && ps.src[ps.pos] >= '0' && ps.src[ps.pos] <= '9' {
		ps.pos++
	}
	switch {
	case ps.pos == digits && ps.pos > start:
		return 0, false, ps.fail(start, "expected digits after '-'")
	case ps.pos == digits:
		return 0, false, nil
	case ps.pos-digits > maxIndexDigits:
		return 0, false, ps.fail(start, "array index %s is too large", ps.src[start:ps.pos])
	}
	n, err := strconv.Atoi(ps.src[start:ps.pos])
	if err != nil {
		return 0, false, ps.fail(start, "invalid array index %s", ps.src[start:ps.pos])
	}
	return n, true, nil
}
