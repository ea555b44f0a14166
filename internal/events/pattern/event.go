package pattern

import (
	"math/big"
	"slices"
	"sort"
	"strings"
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
// nested at most MaxDepth deep, checked as strictly as encoding/json checks
// JSON. Numbers keep their exact value.
func ParseEvent(data []byte) (*Event, error) { return parseEvent(data, nil) }

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// sortMembers sorts a large object's members by name for binary search; of
// repeated names the last is kept, as encoding/json does. Small objects are
// searched linearly from the end, which also finds the last.
func sortMembers(v *value) {
	m := v.members
	if len(m) <= smallObject {
		return
	}
	slices.SortStableFunc(m, func(a, b member) int { return strings.Compare(a.name, b.name) })
	out := m[:0]
	for i := range m {
		if i+1 < len(m) && m[i+1].name == m[i].name {
			continue
		}
		out = append(out, m[i])
	}
	v.members = out
}

// smallObject is the size up to which objects are searched linearly.
const smallObject = 8

// get returns an object's member, or nil.
func (v *value) get(name string) *value {
	if v == nil || v.kind != vObject {
		return nil
	}
	m := v.members
	if len(m) <= smallObject {
		for i := len(m) - 1; i >= 0; i-- {
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
// pattern object; root is the whole event, for exists:false.
func (o *object) match(v, root *value) bool {
	for _, f := range o.fields {
		fv := v.get(f.name)
		if f.sub != nil {
			if !f.sub.matchField(fv, root) {
				return false
			}
			continue
		}
		if !matchConds(f.conds, fv, root) {
			return false
		}
	}
	if o.or == nil {
		return true
	}
	for _, alt := range o.or {
		if alt.match(v, root) {
			return true
		}
	}
	return false
}

// matchField matches a nested pattern object against a field's value: an
// object, or any object of an array (all of the nested fields must then
// match within that one element, as EventBridge requires of matches from
// one array). A field with no object is matched as an absent one, so
// exists:false inside it can hold.
func (o *object) matchField(fv, root *value) bool {
	found := false
	var walk func(v *value) bool
	walk = func(v *value) bool {
		switch v.kind {
		case vObject:
			found = true
			return o.match(v, root)
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
	return !found && o.match(nil, root)
}

// matchConds reports whether a field's value satisfies any of its conds.
// exists:false asks about the whole event, as in EventBridge: the field's
// path has no leaf in any element of any array on the way.
func matchConds(conds []cond, fv, root *value) bool {
	for i := range conds {
		cd := &conds[i]
		if cd.kind == cExists {
			if cd.exists && hasLeaf(fv) || !cd.exists && !hasLeafAt(root, cd.path) {
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

// hasLeafAt reports whether the event has a leaf at the path, through any
// array on the way.
func hasLeafAt(v *value, path []string) bool {
	if v == nil {
		return false
	}
	if len(path) == 0 {
		return hasLeaf(v)
	}
	switch v.kind {
	case vObject:
		return hasLeafAt(v.get(path[0]), path[1:])
	case vArray:
		for i := range v.elems {
			if hasLeafAt(&v.elems[i], path) {
				return true
			}
		}
	}
	return false
}
