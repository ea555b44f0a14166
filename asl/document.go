package asl

import (
	"errors"
	"strings"

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
	// Duplicates lists the keys that already appeared earlier in their
	// object, in document order.
	Duplicates []DuplicateKey

	// The positions stay on the nodes of root, and a pointer is followed
	// down the tree when a diagnostic asks for it: building the pointer of
	// every value up front cost more than the YAML parse of a 10,000-step
	// pipeline. A document with duplicate keys has its pointers built
	// (keys, and Values as a map), so that a pointer that runs through a
	// repeated key finds what it always found: the value of the last
	// member, or under an earlier one, in document order.
	root *srcNode
	keys map[string]Pos
}

// KeyPos returns where the key of the object member at pointer starts, for
// problems with a name rather than a value; false when pointer names no
// object member.
func (d *Document) KeyPos(pointer string) (Pos, bool) {
	if d.keys != nil {
		p, ok := d.keys[pointer]
		return p, ok
	}
	i := strings.LastIndexByte(pointer, '/')
	if i < 0 || d.root == nil {
		return Pos{}, false
	}
	parent, ok := resolvePointer(d.root, pointer[:i])
	if !ok || parent.kind != kindObject {
		return Pos{}, false
	}
	key, ok := unescapeToken(pointer[i+1:])
	if !ok {
		return Pos{}, false
	}
	if m := parent.member(key); m != nil {
		return m.keyPos, true
	}
	return Pos{}, false
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
	doc := &Document{Value: root.plain(), root: root}
	var path pointerPath
	path.duplicates(root, &doc.Duplicates)
	if len(doc.Duplicates) > 0 {
		doc.Values, doc.keys = buildSourceMap(root)
	} else {
		doc.Values = &SourceMap{tree: root}
	}
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
