package tasks

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ohler55/ojg/oj"
)

// parseJSON parses one JSON document; errors say where ("... at 2:7").
func parseJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("invalid JSON: empty document")
	}
	var p oj.Parser
	v, err := p.Parse(b)
	if err != nil {
		var pe *oj.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("invalid JSON: %s at %d:%d", pe.Message, pe.Line, pe.Column)
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return v, nil
}

// encodeJSON renders a JSON value compactly with sorted keys, so the same
// value always gives the same bytes.
func encodeJSON(v any) string {
	return oj.JSON(v, &oj.Options{Sort: true, HTMLUnsafe: true})
}

// resultFromOutput turns a command's stdout or an HTTP body into a result:
// the JSON value when the text is one JSON document, nil when it is blank,
// else the text itself without its trailing newlines (as $(...) does in a
// shell).
func resultFromOutput(b []byte) any {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if v, err := parseJSON(b); err == nil {
		return v
	}
	return strings.ToValidUTF8(strings.TrimRight(string(b), "\r\n"), "\uFFFD")
}

// deepCopy copies a JSON value so that callers may change what they get
// without changing shared data (mocked responses are returned many times).
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	default:
		return v
	}
}

// excerpt shortens s to at most n bytes for an error cause, on a rune
// boundary, and makes it valid UTF-8.
func excerpt(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// typeName names a JSON value's type in error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return "a number"
	}
}
