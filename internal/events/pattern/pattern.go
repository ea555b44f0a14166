// Package pattern implements Amazon EventBridge's event-pattern language:
// exact values, prefix, suffix, equals-ignore-case, anything-but, numeric,
// cidr, exists, wildcard and $or, with EventBridge's validation rules and
// InvalidEventPatternException messages.
//
// A Pattern matches one event at a time; a Matcher holds many named patterns
// and finds those an event matches at a cost that does not grow with the
// number of patterns that use exact values or prefixes (it indexes them by
// field path and value, and checks only the patterns an index hit names).
//
// The package is pure: it knows nothing of buses, rules or HTTP.
package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Limits on what is parsed. EventBridge refuses PutEvents entries over
// 256 KiB; the depth bound keeps hostile nesting from costing stack.
const (
	MaxEventBytes   = 256 << 10
	MaxPatternBytes = 256 << 10
	MaxDepth        = 64
	// MaxOrCombinations is EventBridge's cap on the sub-patterns a pattern's
	// $or arrays may expand to.
	MaxOrCombinations = 1000
	// MaxNumeric bounds the numbers of a numeric expression, as EventBridge
	// documents (-5.0e9 to +5.0e9 inclusive).
	MaxNumeric = 5e9
)

// Error is an invalid pattern. Its Error() reads like EventBridge's
// InvalidEventPatternException message, with the field path and the
// position in the pattern text where the problem is.
type Error struct {
	Reason string // EventBridge's wording, e.g. "Empty arrays are not allowed"
	Path   string // dotted field path, "" for the pattern as a whole
	Line   int    // 1-based position in the pattern text, 0 if unknown
	Column int
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("Event pattern is not valid. Reason: ")
	b.WriteString(e.Reason)
	if e.Path != "" || e.Line > 0 {
		b.WriteString(" at [")
		if e.Path != "" {
			b.WriteString("Path: " + e.Path)
			if e.Line > 0 {
				b.WriteString("; ")
			}
		}
		if e.Line > 0 {
			fmt.Fprintf(&b, "line: %d, column: %d", e.Line, e.Column)
		}
		b.WriteString("]")
	}
	return b.String()
}

// Pattern is a compiled event pattern.
type Pattern struct {
	root  *object
	canon string
	// anchors are the fields every match must satisfy with an exact value or
	// a prefix: the keys a Matcher can index the pattern under.
	anchors []anchor
	// fields are the paths the pattern uses; filter keeps only them when
	// an event is parsed for this pattern alone.
	fields []fieldPath
	filter *filterNode
}

// object is a conjunction: every field must match, and one of the $or
// alternatives if there are any.
type object struct {
	fields []*field  // sorted by name
	or     []*object // the $or alternatives, nil without $or
}

// field is one named member of a pattern object: a nested object or a list
// of conditions (ORed).
type field struct {
	name  string
	sub   *object
	conds []cond
}

// Compile checks an EventBridge pattern (JSON text) and compiles it. Errors
// are *Error.
func Compile(src []byte) (*Pattern, error) {
	if len(src) > MaxPatternBytes {
		return nil, &Error{Reason: fmt.Sprintf("the pattern is %d bytes, over the limit of %d bytes: shorten it or split it into several rules", len(src), MaxPatternBytes)}
	}
	n, err := parsePattern(src)
	if err != nil {
		return nil, err
	}
	c := compiler{src: src}
	if n.kind != jObject {
		return nil, c.errAt(n, nil, "Filter is not an object")
	}
	if combos := orCombinations(n); combos > MaxOrCombinations {
		return nil, &Error{Reason: fmt.Sprintf("Event pattern contains more than %d rule combinations", MaxOrCombinations)}
	}
	root, err := c.object(n, nil, false)
	if err != nil {
		// Like EventBridge, retry reading "$or" as an ordinary field name:
		// {"$or": ["a", "b"]} is a valid pattern on a field called $or.
		// When that fails too, the first error says more.
		lit := compiler{src: src, orAsField: true}
		if root, err2 := lit.object(n, nil, false); err2 == nil {
			return newPattern(root, n), nil
		}
		return nil, err
	}
	return newPattern(root, n), nil
}

func newPattern(root *object, n *jnode) *Pattern {
	p := &Pattern{root: root, canon: canonical(n)}
	p.anchors = anchorsOf(root, nil)
	p.fields = fieldsOf(root, nil, nil)
	p.filter = &filterNode{}
	p.filter.add(p.fields, 1)
	return p
}

// String returns the pattern's canonical JSON: keys sorted, no spaces.
func (p *Pattern) String() string { return p.canon }

// Match reports whether the event (a JSON object) matches. The error is
// only for an event that is not a JSON object or is over the limits.
func (p *Pattern) Match(event []byte) (bool, error) {
	ev, err := parseEvent(event, p.filter)
	if err != nil {
		return false, err
	}
	return p.MatchEvent(ev), nil
}

// MatchEvent matches an event parsed once by ParseEvent; use it to match
// one event against many patterns.
func (p *Pattern) MatchEvent(ev *Event) bool { return p.root.match(&ev.root, &ev.root) }

type compiler struct {
	src       []byte
	orAsField bool // read "$or" as a field name (EventBridge's fallback)
}

func (c *compiler) errAt(n *jnode, path []string, reason string) *Error {
	e := &Error{Reason: reason, Path: strings.Join(path, ".")}
	if n != nil {
		e.Line, e.Column = lineCol(c.src, n.off)
	}
	return e
}

// orReserved are the names EventBridge refuses as field names inside $or.
var orReserved = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "numeric": true, "cidr": true, "wildcard": true,
}

func (c *compiler) object(n *jnode, path []string, inOr bool) (*object, error) {
	if len(n.keys) == 0 {
		return nil, c.errAt(n, path, "Empty objects are not allowed")
	}
	o := &object{}
	byName := map[string]*field{}
	for i, k := range n.keys {
		v := n.vals[i]
		if k == "$or" && !c.orAsField {
			alts, err := c.or(v, path)
			if err != nil {
				return nil, err
			}
			o.or = alts // a repeated $or: the last one wins, as for fields
			continue
		}
		fpath := append(path[:len(path):len(path)], k)
		if inOr && orReserved[k] {
			return nil, c.errAt(v, fpath, k+" is Ruler reserved fieldName which cannot be used inside $or.")
		}
		f := &field{name: k}
		switch v.kind {
		case jObject:
			sub, err := c.object(v, fpath, inOr)
			if err != nil {
				return nil, err
			}
			f.sub = sub
		case jArray:
			conds, err := c.leaf(v, fpath)
			if err != nil {
				return nil, err
			}
			f.conds = conds
		default:
			return nil, c.errAt(v, fpath, fmt.Sprintf("%q must be an object or an array", k))
		}
		byName[k] = f // a repeated name: the last one wins, as in EventBridge
	}
	for _, f := range byName {
		o.fields = append(o.fields, f)
	}
	sort.Slice(o.fields, func(i, j int) bool { return o.fields[i].name < o.fields[j].name })
	return o, nil
}

func (c *compiler) or(n *jnode, path []string) ([]*object, error) {
	if n.kind != jArray {
		return nil, c.errAt(n, path, "It must be an Array followed with $or.")
	}
	var alts []*object
	for _, e := range n.elems {
		if e.kind != jObject {
			return nil, c.errAt(e, path, "Only JSON object is allowed in array of $or relationship.")
		}
		o, err := c.object(e, path, true)
		if err != nil {
			return nil, err
		}
		alts = append(alts, o)
	}
	if len(alts) < 2 {
		return nil, c.errAt(n, path, "There must have at least 2 Objects in $or relationship.")
	}
	return alts, nil
}

// orCombinations is EventBridge's count of the sub-patterns a pattern
// expands to: the product of the lengths of its $or arrays.
func orCombinations(n *jnode) int {
	product := 1
	for i, k := range n.keys {
		v := n.vals[i]
		if k == "$or" && v.kind == jArray {
			product *= max(len(v.elems), 1)
			for _, e := range v.elems {
				if e.kind == jObject {
					product *= orCombinations(e)
				}
				if product > MaxOrCombinations {
					return product
				}
			}
		} else if v.kind == jObject {
			product *= orCombinations(v)
		}
		if product > MaxOrCombinations {
			return product
		}
	}
	return product
}

// canonical renders the parsed pattern as JSON with sorted keys (the last of
// repeated keys kept) and numbers as written.
func canonical(n *jnode) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(n.toAny()) // cannot fail: the tree holds only JSON values
	return strings.TrimSuffix(buf.String(), "\n")
}

// lineCol converts a byte offset in src to a 1-based line and column.
func lineCol(src []byte, off int64) (int, int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	line, col := 1, 1
	for _, b := range src[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// jnode is a pattern's JSON, parsed with the offsets of its values so that
// errors can point at them.
type jnode struct {
	kind  jkind
	text  string // string value, number text or literal
	keys  []string
	vals  []*jnode
	elems []*jnode
	off   int64
}

type jkind uint8

const (
	jObject jkind = iota
	jArray
	jString
	jNumber
	jTrue
	jFalse
	jNull
)

func (n *jnode) toAny() any {
	switch n.kind {
	case jObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].toAny()
		}
		return m
	case jArray:
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = e.toAny()
		}
		return a
	case jString:
		return n.text
	case jNumber:
		return json.Number(n.text)
	case jTrue:
		return true
	case jFalse:
		return false
	}
	return nil
}

// parsePattern parses pattern JSON with encoding/json's tokenizer, keeping
// key order, number text and offsets, and bounding the depth.
func parsePattern(src []byte) (*jnode, error) {
	if !json.Valid(src) {
		var v any
		err := json.Unmarshal(src, &v)
		e := &Error{Reason: "the pattern is not valid JSON: " + err.Error()}
		if se, ok := err.(*json.SyntaxError); ok {
			e.Line, e.Column = lineCol(src, se.Offset)
		}
		return nil, e
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	return parseValue(dec, 0) // one value: json.Valid refused anything after it
}

func parseValue(dec *json.Decoder, depth int) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, &Error{Reason: "the pattern is empty or ends early: send a JSON object"}
		}
		return nil, &Error{Reason: "the pattern is not JSON: " + err.Error()}
	}
	// Like EventBridge's parser, point just past the token.
	n := &jnode{off: dec.InputOffset()}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return nil, &Error{Reason: fmt.Sprintf("the pattern nests deeper than %d levels: flatten it", MaxDepth)}
		}
		if t == '{' {
			n.kind = jObject
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, &Error{Reason: "the pattern is not JSON: " + err.Error()}
				}
				v, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kt.(string))
				n.vals = append(n.vals, v)
			}
		} else {
			n.kind = jArray
			for dec.More() {
				v, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, &Error{Reason: "the pattern is not JSON: " + err.Error()}
		}
	case string:
		n.kind, n.text = jString, t
	case json.Number:
		n.kind, n.text = jNumber, string(t)
	case bool:
		n.kind, n.text = jFalse, "false"
		if t {
			n.kind, n.text = jTrue, "true"
		}
	case nil:
		n.kind, n.text = jNull, "null"
	}
	return n, nil
}
