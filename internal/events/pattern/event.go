package pattern

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"
)

// Event is an event parsed once, to be matched against many patterns.
// It is read-only after ParseEvent and safe to share between goroutines.
type Event struct {
	root value
}

// value is a node of a parsed event.
type value struct {
	kind    vkind
	str     string   // string text, canonical number, or literal name
	num     *big.Rat // a number's value when not computed lazily from str
	members []member // object, sorted by name
	elems   []value  // array
}

type member struct {
	name string
	val  value
}

type vkind uint8

const (
	vObject vkind = iota
	vArray
	vString
	vNumber
	vLiteral // true, false, null
)

// ParseEvent parses an event: a JSON object of at most MaxEventBytes,
// nested at most MaxDepth deep. JSON is checked by encoding/json; numbers
// keep their exact value.
func ParseEvent(data []byte) (*Event, error) {
	if len(data) > MaxEventBytes {
		return nil, fmt.Errorf("the event is %d bytes, over EventBridge's limit of %d bytes (256 KiB): send a smaller event", len(data), MaxEventBytes)
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v) // for encoding/json's account of what is wrong
		return nil, fmt.Errorf("the event is not valid JSON: %v", err)
	}
	p := eventParser{data: data}
	p.space()
	if p.pos >= len(data) || data[p.pos] != '{' {
		return nil, fmt.Errorf("the event is not a JSON object: send an object such as {\"source\": \"my.app\", \"detail\": {}}")
	}
	ev := &Event{}
	if err := p.value(&ev.root, 0); err != nil {
		return nil, err
	}
	return ev, nil
}

// eventParser builds the value tree of JSON that json.Valid accepted, so it
// needs no error handling beyond the depth bound; strings with escapes or
// bad UTF-8 are decoded by encoding/json itself, so text compares exactly
// as encoding/json would give it.
type eventParser struct {
	data []byte
	pos  int
}

func (p *eventParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *eventParser) value(v *value, depth int) error {
	p.space()
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return fmt.Errorf("the event nests deeper than %d levels: flatten it", MaxDepth)
		}
		p.pos++
		v.kind = vObject
		for {
			p.space()
			if p.data[p.pos] == '}' {
				p.pos++
				break
			}
			if p.data[p.pos] == ',' {
				p.pos++
				p.space()
			}
			name := p.string()
			p.space()
			p.pos++ // ':'
			v.members = append(v.members, member{name: name})
			if err := p.value(&v.members[len(v.members)-1].val, depth+1); err != nil {
				return err
			}
		}
		sortMembers(v)
	case c == '[':
		if depth >= MaxDepth {
			return fmt.Errorf("the event nests deeper than %d levels: flatten it", MaxDepth)
		}
		p.pos++
		v.kind = vArray
		for {
			p.space()
			if p.data[p.pos] == ']' {
				p.pos++
				break
			}
			if p.data[p.pos] == ',' {
				p.pos++
			}
			v.elems = append(v.elems, value{})
			if err := p.value(&v.elems[len(v.elems)-1], depth+1); err != nil {
				return err
			}
		}
	case c == '"':
		v.kind, v.str = vString, p.string()
	case c == 't':
		v.kind, v.str = vLiteral, "true"
		p.pos += 4
	case c == 'f':
		v.kind, v.str = vLiteral, "false"
		p.pos += 5
	case c == 'n':
		v.kind, v.str = vLiteral, "null"
		p.pos += 4
	default:
		start := p.pos
		for p.pos < len(p.data) && strings.IndexByte("+-0123456789.eE", p.data[p.pos]) >= 0 {
			p.pos++
		}
		text := string(p.data[start:p.pos])
		v.kind = vNumber
		if isSmallInt(text) {
			v.str = text // its value is computed when a numeric condition asks
		} else {
			v.str, v.num = canonNumber(text)
		}
	}
	return nil
}

// string reads a JSON string at pos.
func (p *eventParser) string() string {
	start := p.pos
	p.pos++
	plain := true
	for {
		c := p.data[p.pos]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			p.pos++
		} else if c >= utf8.RuneSelf {
			plain = false
		}
		p.pos++
	}
	p.pos++
	raw := p.data[start:p.pos]
	if plain || utf8.Valid(raw) && !hasByte(raw, '\\') {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid: json.Valid accepted the document
	return s
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// sortMembers sorts an object's members by name for lookup; of repeated
// names the last is kept, as encoding/json does.
func sortMembers(v *value) {
	m := v.members
	if len(m) < 2 {
		return
	}
	sort.SliceStable(m, func(i, j int) bool { return m[i].name < m[j].name })
	out := m[:0]
	for i := range m {
		if i+1 < len(m) && m[i+1].name == m[i].name {
			continue
		}
		out = append(out, m[i])
	}
	v.members = out
}

// get returns an object's member, or nil.
func (v *value) get(name string) *value {
	if v == nil || v.kind != vObject {
		return nil
	}
	m := v.members
	if len(m) <= 8 {
		for i := range m {
			if m[i].name == name {
				return &m[i].val
			}
		}
		return nil
	}
	i := sort.Search(len(m), func(i int) bool { return m[i].name >= name })
	if i < len(m) && m[i].name == name {
		return &m[i].val
	}
	return nil
}

// rat returns a number's exact value, or nil for a non-number or a number
// beyond float64's exponent range.
func (v *value) rat() *big.Rat {
	if v.kind != vNumber {
		return nil
	}
	if v.num != nil {
		return v.num
	}
	if strings.HasPrefix(v.str, "~") {
		return nil
	}
	r, _ := new(big.Rat).SetString(v.str)
	return r
}

// hasLeaf reports whether a field's value offers any leaf: a scalar, or an
// array holding one at any depth. Objects and empty arrays offer none, so
// for exists they are the same as an absent field.
func hasLeaf(v *value) bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case vObject:
		return false
	case vArray:
		for i := range v.elems {
			if hasLeaf(&v.elems[i]) {
				return true
			}
		}
		return false
	}
	return true
}

// anyLeaf reports whether any leaf of v (v itself, or the scalars of an
// array at any depth) satisfies the condition.
func anyLeaf(v *value, cd *cond) bool {
	switch v.kind {
	case vObject:
		return false
	case vArray:
		for i := range v.elems {
			if anyLeaf(&v.elems[i], cd) {
				return true
			}
		}
		return false
	}
	return cd.matches(v)
}

// match reports whether an event object (nil when absent) satisfies the
// pattern object.
func (o *object) match(v *value) bool {
	for _, f := range o.fields {
		fv := v.get(f.name)
		if f.sub != nil {
			if !f.sub.matchField(fv) {
				return false
			}
			continue
		}
		if !matchConds(f.conds, fv) {
			return false
		}
	}
	for _, alts := range o.ors {
		ok := false
		for _, alt := range alts {
			if alt.match(v) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchField matches a nested pattern object against a field's value: an
// object, or any object of an array (all of the nested fields must then
// match within that one element). A field with no object is matched as an
// absent one, so exists:false inside it can hold.
func (o *object) matchField(fv *value) bool {
	found := false
	var walk func(v *value) bool
	walk = func(v *value) bool {
		switch v.kind {
		case vObject:
			found = true
			return o.match(v)
		case vArray:
			for i := range v.elems {
				if walk(&v.elems[i]) {
					return true
				}
			}
		}
		return false
	}
	if fv != nil && walk(fv) {
		return true
	}
	return !found && o.match(nil)
}

// matchConds reports whether a field's value satisfies any of its conds.
func matchConds(conds []cond, fv *value) bool {
	for i := range conds {
		cd := &conds[i]
		if cd.kind == cExists {
			if cd.exists == hasLeaf(fv) {
				return true
			}
			continue
		}
		if fv != nil && anyLeaf(fv, cd) {
			return true
		}
	}
	return false
}
