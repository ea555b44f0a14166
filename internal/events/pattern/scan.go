package pattern

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// scanner parses an event in one pass: it checks the JSON strictly (it
// accepts exactly what encoding/json accepts, which FuzzMatch checks) and
// builds values only for the fields a filter names, skipping the others
// without allocating. Matching cost then follows the fields patterns use,
// not the size of the event.
type scanner struct {
	data []byte
	pos  int
	err  error
}

// filterNode is a trie of the field paths patterns use. A path some pattern
// uses as a leaf keeps everything under it; a nil filter keeps everything.
// Counts let a Matcher add and remove patterns' paths.
type filterNode struct {
	children map[string]*filterNode
	refs     int    // patterns whose paths pass through this node
	leafRefs int    // patterns using this path as a leaf field
	key      string // the path joined with pathSep, where leafRefs > 0
	name     string // the last segment of the path
}

// fieldPath is one field a pattern uses.
type fieldPath struct {
	path []string
	leaf bool
}

// fieldsOf lists the fields of a pattern object, its nested objects and its
// $or alternatives.
func fieldsOf(o *object, path []string, out []fieldPath) []fieldPath {
	for _, f := range o.fields {
		fpath := append(path[:len(path):len(path)], f.name)
		out = append(out, fieldPath{path: fpath, leaf: f.sub == nil})
		if f.sub != nil {
			out = fieldsOf(f.sub, fpath, out)
		}
	}
	for _, alt := range o.or {
		out = fieldsOf(alt, path, out)
	}
	return out
}

// add counts the paths in (delta 1) or out (delta -1).
func (n *filterNode) add(fields []fieldPath, delta int) {
	for _, fp := range fields {
		cur, gone := n, false
		for _, seg := range fp.path {
			if cur.children == nil {
				cur.children = map[string]*filterNode{}
			}
			c := cur.children[seg]
			if c == nil {
				c = &filterNode{name: seg}
				cur.children[seg] = c
			}
			c.refs += delta
			if c.refs == 0 {
				delete(cur.children, seg) // and with it the rest of the path
				gone = true
				break
			}
			cur = c
		}
		if fp.leaf && !gone {
			cur.leafRefs += delta
			if cur.key == "" {
				cur.key = strings.Join(fp.path, pathSep)
			}
		}
	}
}

// child returns the node of a member's name, nil when no pattern uses it.
func (n *filterNode) child(name []byte) *filterNode {
	return n.children[string(name)]
}

// nameOr returns the node's name (shared, not allocated per event), or
// def for a nil node.
func (n *filterNode) nameOr(def string) string {
	if n == nil {
		return def
	}
	return n.name
}

// parseEvent parses an event, keeping the fields the filter names.
func parseEvent(data []byte, filter *filterNode) (*Event, error) {
	if len(data) > MaxEventBytes {
		return nil, fmt.Errorf("the event is %d bytes, over EventBridge's limit of %d bytes (256 KiB): send a smaller event", len(data), MaxEventBytes)
	}
	s := scanner{data: data}
	s.space()
	if s.pos >= len(data) || data[s.pos] != '{' {
		if !json.Valid(data) {
			return nil, s.invalid()
		}
		return nil, fmt.Errorf("the event is not a JSON object: send an object such as {\"source\": \"my.app\", \"detail\": {}}")
	}
	ev := &Event{}
	s.value(&ev.root, filter, 0)
	s.space()
	if s.err == nil && s.pos < len(data) {
		s.err = s.invalid()
	}
	if s.err != nil {
		return nil, s.err
	}
	return ev, nil
}

// invalid reports bad JSON in encoding/json's words.
func (s *scanner) invalid() error {
	var v any
	err := json.Unmarshal(s.data, &v)
	if err == nil { // cannot happen: the scanner accepts what encoding/json does
		err = fmt.Errorf("syntax error at offset %d", s.pos)
	}
	return fmt.Errorf("the event is not valid JSON: %v", err)
}

func (s *scanner) fail() {
	if s.err == nil {
		s.err = s.invalid()
	}
	s.pos = len(s.data)
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value reads one JSON value into v, or only checks it when v is nil.
func (s *scanner) value(v *value, f *filterNode, depth int) {
	s.space()
	if s.pos >= len(s.data) {
		s.fail()
		return
	}
	switch c := s.data[s.pos]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			if s.err == nil {
				s.err = fmt.Errorf("the event nests deeper than %d levels: flatten it", MaxDepth)
			}
			s.pos = len(s.data)
			return
		}
		if c == '{' {
			s.object(v, f, depth)
		} else {
			s.array(v, f, depth)
		}
	case c == '"':
		start, plain := s.str()
		if v != nil && s.err == nil {
			v.kind, v.str = vString, s.decode(start, s.pos, plain)
		}
	case c == 't':
		s.literal(v, "true")
	case c == 'f':
		s.literal(v, "false")
	case c == 'n':
		s.literal(v, "null")
	default:
		start := s.pos
		s.number()
		if v != nil && s.err == nil {
			text := string(s.data[start:s.pos])
			v.kind = vNumber
			if isSmallInt(text) {
				v.str = text // its value is computed when a numeric condition asks
			} else {
				v.str, v.num = canonNumber(text)
			}
		}
	}
}

func (s *scanner) object(v *value, f *filterNode, depth int) {
	s.pos++ // '{'
	if v != nil {
		v.kind = vObject
	}
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return
	}
	for s.err == nil {
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			s.fail()
			return
		}
		start, plain := s.str()
		end := s.pos
		s.space()
		if s.err != nil || s.pos >= len(s.data) || s.data[s.pos] != ':' {
			s.fail()
			return
		}
		s.pos++
		if v == nil {
			s.value(nil, nil, depth+1)
		} else {
			name := s.data[start+1 : end-1]
			var key string
			if !plain {
				key = s.decode(start, end, plain)
				name = []byte(key)
			}
			// With no filter (f nil) every member is kept, whole; else only
			// members some pattern names, whole below a leaf field.
			var cf *filterNode
			keep := f == nil
			if !keep {
				cf = f.child(name)
				keep = cf != nil
				key = cf.nameOr(key)
				if cf != nil && cf.leafRefs > 0 {
					cf = nil
				}
			} else if plain {
				key = string(name)
			}
			if !keep {
				s.value(nil, nil, depth+1)
			} else {
				if v.members == nil && f != nil {
					v.members = make([]member, 0, len(f.children))
				}
				v.members = append(v.members, member{name: key})
				s.value(&v.members[len(v.members)-1].val, cf, depth+1)
			}
		}
		s.space()
		if s.pos >= len(s.data) {
			s.fail()
			return
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			if v != nil {
				sortMembers(v)
			}
			return
		default:
			s.fail()
			return
		}
	}
}

func (s *scanner) array(v *value, f *filterNode, depth int) {
	s.pos++ // '['
	if v != nil {
		v.kind = vArray
	}
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return
	}
	for s.err == nil {
		if v == nil {
			s.value(nil, nil, depth+1)
		} else {
			v.elems = append(v.elems, value{})
			s.value(&v.elems[len(v.elems)-1], f, depth+1)
		}
		s.space()
		if s.pos >= len(s.data) {
			s.fail()
			return
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return
		default:
			s.fail()
			return
		}
	}
}

func (s *scanner) literal(v *value, lit string) {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		s.fail()
		return
	}
	s.pos += len(lit)
	if v != nil {
		v.kind, v.str = vLiteral, lit
	}
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		s.digits()
	default:
		s.fail()
		return
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			s.fail()
			return
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			s.fail()
		}
	}
}

func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

// str checks a string at pos and moves past it; it returns where it
// starts and whether it is plain (no escapes, ASCII only), so its bytes
// are its text.
func (s *scanner) str() (start int, plain bool) {
	start, plain = s.pos, true
	d := s.data
	s.pos++
	for s.pos < len(d) {
		c := d[s.pos]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			s.pos++
			continue
		}
		switch {
		case c == '"':
			s.pos++
			return start, plain
		case c == '\\':
			plain = false
			s.pos++
			if s.pos >= len(d) {
				s.fail()
				return start, false
			}
			switch d[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if len(d)-s.pos < 5 || !isHex(d[s.pos+1]) || !isHex(d[s.pos+2]) || !isHex(d[s.pos+3]) || !isHex(d[s.pos+4]) {
					s.fail()
					return start, false
				}
				s.pos += 5
			default:
				s.fail()
				return start, false
			}
		case c < 0x20:
			s.fail()
			return start, false
		case c >= utf8.RuneSelf:
			plain = false
			s.pos++
		default:
			s.pos++
		}
	}
	s.fail()
	return start, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decode returns the text of the string data[start:end]; strings with escapes or non-ASCII bytes are decoded by
// encoding/json (bad UTF-8 becomes U+FFFD, as there).
func (s *scanner) decode(start, end int, plain bool) string {
	raw := s.data[start:end]
	if plain || utf8.Valid(raw) && !hasByte(raw, '\\') {
		return string(raw[1 : len(raw)-1])
	}
	var str string
	_ = json.Unmarshal(raw, &str) // cannot fail: str checked it
	return str
}
