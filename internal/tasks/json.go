package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ohler55/ojg/oj"
)

// parseJSON parses one JSON document; errors say where ("... at 2:7").
//
// encoding/json checks the syntax first because ojg's parser (v1.28.5)
// accepts some invalid documents ({"a":}) and panics on others
// ({"a":{"b":},"c":1}); only valid JSON reaches it.
func parseJSON(b []byte) (v any, err error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("invalid JSON: empty document")
	}
	if !json.Valid(b) {
		return nil, syntaxError(b)
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("invalid JSON: %v", r)
		}
	}()
	var p oj.Parser
	if v, err = p.Parse(b); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return v, nil
}

// syntaxError describes why b is not JSON, with the line and column.
func syntaxError(b []byte) error {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	// Offset counts the offending byte; at the end of the input there is none.
	end := se.Offset - 1
	if strings.HasPrefix(se.Error(), "unexpected end") {
		end = se.Offset
	}
	line, col := 1, 1
	for _, c := range b[:min(max(end, 0), int64(len(b)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("invalid JSON: %s at %d:%d", se.Error(), line, col)
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
