package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ohler55/ojg/oj"
)

// Parse parses one JSON document. Numbers become int64 when they are
// integers that fit, float64 otherwise, and json.Number for integers beyond
// int64 (keeping every digit). Trailing non-space text, including a second
// document, is an error; so is text that is not valid UTF-8. Errors carry
// the line and column ("... at 1:7").
func Parse(b []byte) (any, error) {
	if !utf8.Valid(b) {
		line, col := position(b, invalidUTF8At(b))
		return nil, fmt.Errorf("invalid JSON: invalid UTF-8 at %d:%d", line, col)
	}
	b = bytes.TrimPrefix(b, bom)
	// ojg accepts some invalid documents, such as {"a":}, so the syntax is
	// checked first by the standard library, which also words the errors.
	if !json.Valid(b) {
		return nil, syntaxError(b)
	}
	var p oj.Parser
	v, err := p.Parse(b)
	if err != nil {
		return nil, parseError(err)
	}
	// A document of n bytes is at most n/2 levels deep.
	if len(b) > 2*MaxDepth && TooDeep(v, MaxDepth) {
		return nil, fmt.Errorf("invalid JSON: nested more than %d levels deep, the most a value may have in an execution", MaxDepth)
	}
	if mayHaveBigNumber(b) {
		if v, err = fixNumbers(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// bom is the UTF-8 byte order mark, which Parse ignores.
var bom = []byte{0xEF, 0xBB, 0xBF}

// ParseString is Parse for a string.
func ParseString(s string) (any, error) { return Parse([]byte(s)) }

// syntaxError explains why b, which json.Valid rejects, is not JSON.
func syntaxError(b []byte) error {
	var v struct{}
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the bad one included, except at
		// the end of the input.
		off := int(se.Offset)
		if off > 0 && !strings.HasSuffix(se.Error(), "end of JSON input") {
			off--
		}
		line, col := position(b, off)
		return fmt.Errorf("invalid JSON: %s at %d:%d", se.Error(), line, col)
	}
	line, col := position(b, len(b))
	return fmt.Errorf("invalid JSON at %d:%d", line, col)
}

// parseError rewrites ojg's errors so that they always say where they are.
func parseError(err error) error {
	var pe *oj.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("invalid JSON: %s at %d:%d", pe.Message, pe.Line, pe.Column)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// invalidUTF8At is the offset of the first invalid UTF-8 sequence in b.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// position is the 1-based line and column of byte offset off in b.
func position(b []byte, off int) (line, col int) {
	line, col = 1, 1
	for _, c := range b[:min(off, len(b))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// mayHaveBigNumber reports whether b may hold a number that ojg turns into a
// json.Number or an infinity: 17 or more digits in a row, or an exponent of 3
// digits or more. False positives only cost a walk over the parsed value.
func mayHaveBigNumber(b []byte) bool {
	run := 0
	exp := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			run++
			if run >= 17 || (exp && run >= 3) {
				return true
			}
		case c == 'e' || c == 'E':
			run, exp = 0, true
		case (c == '+' || c == '-') && exp && run == 0:
			// a sign right after the exponent marker keeps exp set
		default:
			run, exp = 0, false
		}
	}
	return false
}

// errRange reports a number too large for a float64, such as 1e400.
var errRange = errors.New("invalid JSON: number out of range")

// FixNumbers turns the json.Numbers of a value decoded by encoding/json
// with UseNumber into the package's numbers (see Parse). It changes v's
// maps and arrays in place.
func FixNumbers(v any) (any, error) { return fixNumbers(v) }

// fixNumbers turns json.Numbers that a float64 can hold into float64, leaving
// only integers beyond int64 as json.Number. ojg
// parses some huge exponents straight to an infinity, which JSON values
// cannot hold: that is an error.
func fixNumbers(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		return normalNumber(t)
	case float64:
		if math.IsInf(t, 0) {
			return nil, errRange
		}
	case []any:
		for i, e := range t {
			f, err := fixNumbers(e)
			if err != nil {
				return nil, err
			}
			t[i] = f
		}
	case map[string]any:
		for k, e := range t {
			switch e.(type) {
			case json.Number, float64, []any, map[string]any:
				f, err := fixNumbers(e)
				if err != nil {
					return nil, err
				}
				t[k] = f
			}
		}
	}
	return v, nil
}

// normalNumber returns n as int64 or float64 when that is exact enough; big
// integers stay json.Number to keep every digit.
func normalNumber(n json.Number) (any, error) {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	if IsIntegerText(s) {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if math.IsInf(f, 0) {
		return nil, errRange
	}
	if err != nil {
		return n, nil
	}
	return f, nil
}

// IsIntegerText reports whether s is an optional '-' then digits only.
func IsIntegerText(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
