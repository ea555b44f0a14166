package asl

import (
	"errors"

	"github.com/batonhq/baton/asl/internal/jsonata"
)

// This file exports, for the other languages of Baton (pipeline.yaml), the
// two things they share with ASL: the position-keeping JSON and YAML reader
// with its bounds on hostile input (nesting depth, alias expansion, the
// cost of long paths), and the check of JSONata expressions. One reader and
// one JSONata engine serve every format, so their limits and their
// messages are the same everywhere.

// Document is a JSON or YAML document read with the position of every value.
type Document struct {
	// Value is the document as plain Go values: map[string]any, []any,
	// int64, float64, json.Number, string, bool or nil. Of duplicate keys,
	// the last one wins; Duplicates lists the others.
	Value any
	// Values maps the JSON pointer of each value to where it starts.
	Values *SourceMap
	// Keys maps the JSON pointer of each object member's value to where
	// its key starts, for problems with a name rather than a value.
	Keys map[string]Pos
	// Duplicates lists the keys that already appeared earlier in their
	// object, in document order.
	Duplicates []DuplicateKey
}

// DuplicateKey is a key that appears more than once in one object.
type DuplicateKey struct {
	Pointer string // the pointer of the member
	Key     string
	Pos     Pos // where the repeated key starts
}

// ReadDocument reads one JSON document (when its first non-space byte is
// '{') or YAML document, with the bounds Parse applies to definitions. A
// document that cannot be read is reported as a *ValidationError with one
// diagnostic (CodeInvalidJSON, CodeInvalidYAML or CodeMissingDefinition)
// whose File is file.
func ReadDocument(file string, src []byte) (*Document, error) {
	p := &defParser{file: file}
	root, ok := p.read(src)
	if !ok {
		return nil, p.failure()
	}
	values, keys := buildSourceMap(root)
	doc := &Document{Value: root.plain(), Values: values, Keys: keys}
	walkSource(root, "", func(n *srcNode, ptr string) {
		for _, m := range n.duplicates() {
			doc.Duplicates = append(doc.Duplicates, DuplicateKey{Pointer: ptr + "/" + pointerToken(m.key), Key: m.key, Pos: m.keyPos})
		}
	})
	return doc, nil
}

// PointerToken escapes one reference token of a JSON pointer (RFC 6901).
func PointerToken(s string) string { return pointerToken(s) }

// IsJSONata reports whether s is a JSONata string: "{% ... %}".
func IsJSONata(s string) bool { return jsonata.IsExpression(s) }

// JSONataError is an expression that does not compile, or that reads
// what the States Language forbids ("$", "$$", a field at the top level).
type JSONataError struct {
	Code    string // CodeInvalidJSONata or CodeUnsupportedJSONata
	Message string
}

func (e *JSONataError) Error() string { return e.Message }

// CheckJSONata compiles src, the text between "{%" and "%}", with the JSONata
// engine that runs it, and applies the States Language's restrictions. It
// returns a *JSONataError or nil.
func CheckJSONata(src string) error {
	if _, err := jsonata.Compile(src); err != nil {
		return &JSONataError{Code: CodeInvalidJSONata, Message: "The JSONata expression '" + src + "' is not valid: " + err.Error()}
	}
	var re *jsonata.RestrictionError
	if err := jsonata.CheckRestrictions(src); errors.As(err, &re) {
		return &JSONataError{Code: CodeUnsupportedJSONata, Message: re.Message}
	}
	return nil
}

// ParseNamed is Parse on src read from file: diagnostics carry its name.
func ParseNamed(file string, src []byte) (*Definition, error) { return parseSource(file, src) }

// NearestName returns the name of names closest to target by edit distance
// when it is close enough to be a likely typo, or "": for "did you mean"
// hints in every language's diagnostics.
func NearestName(target string, names []string) string { return nearestName(target, names) }
