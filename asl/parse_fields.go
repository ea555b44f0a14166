package asl

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/asl/internal/jsonata"
	"github.com/batonhq/baton/internal/value"
)

// This file holds the typed accessors the parser reads objects with. Each
// reports a diagnostic when a field has the wrong type or range and returns
// the zero value, so that parsing goes on and finds every problem.

// maxSeconds bounds the timeouts, intervals and waits, as Step Functions does.
const maxSeconds = 99999999

// fieldSet is a set of field names.
type fieldSet map[string]bool

// fields builds a fieldSet from lists of names.
func fields(lists ...[]string) fieldSet {
	s := fieldSet{}
	for _, l := range lists {
		for _, f := range l {
			s[f] = true
		}
	}
	return s
}

// srcObject is an object of the source being read, with its pointer.
type srcObject struct {
	p   *defParser
	n   *srcNode
	ptr string
	// jsonata tells that numeric fields may hold JSONata strings, which
	// are evaluated at run time and so not checked here.
	jsonata bool
	ignore  []string // fields already reported, dropped by allowOnlyIn
}

// object checks that n is an object; what names it in the message ("The
// field 'Retry'"), and defaults to the last token of ptr.
func (p *defParser) object(n *srcNode, ptr, what string) (srcObject, bool) {
	if n.kind != kindObject {
		if what == "" {
			what = describePointer(ptr)
		}
		p.report(ptr, n.pos, CodeSchema, "%s must be an object", what)
		return srcObject{}, false
	}
	return srcObject{p: p, n: n, ptr: ptr}, true
}

// describePointer names the value at ptr for messages.
func describePointer(ptr string) string {
	if ptr == "" {
		return "The definition"
	}
	i := strings.LastIndexByte(ptr, '/')
	last := ptr[i+1:]
	if _, err := strconv.Atoi(last); err == nil && i > 0 {
		j := strings.LastIndexByte(ptr[:i], '/')
		return fmt.Sprintf("Each element of '%s'", ptr[j+1:i])
	}
	return fmt.Sprintf("The field '%s'", last)
}

// at is the pointer of key in o.
func (o srcObject) at(key string) string { return o.ptr + "/" + pointerToken(key) }

func (o srcObject) get(key string) *srcNode { return o.n.get(key) }

func (o srcObject) has(key string) bool { return o.n.get(key) != nil }

// errorf reports a problem with the value of key.
func (o srcObject) errorf(key, format string, args ...any) {
	o.p.report(o.at(key), o.get(key).pos, CodeSchema, format, args...)
}

// expression returns the value of key when the object is JSONata and the
// value a JSONata string ("{% ... %}"), or "".
func (o srcObject) expression(key string) string {
	n := o.get(key)
	if !o.jsonata || n == nil || n.kind != kindString {
		return ""
	}
	if s := n.val.(string); jsonata.IsExpression(s) {
		return s
	}
	return ""
}

// allowOnlyIn is allowOnly for a state: a field of the other query
// language is reported as AWS reports it.
func (o srcObject) allowOnlyIn(allowed, other fieldSet, ql string) srcObject {
	otherQL := qlJSONPath
	if ql == qlJSONPath {
		otherQL = qlJSONata
	}
	for _, m := range o.n.members {
		if !allowed[m.key] && other[m.key] {
			o.p.report(o.at(m.key), m.keyPos, CodeSchema,
				"The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage", ql, m.key, otherQL)
			allowed = maps.Clone(allowed)
			allowed[m.key] = true // reported; read it no further
			o.ignore = append(o.ignore, m.key)
		}
	}
	return o.allowOnly(allowed).without(o.ignore)
}

// without returns a view of o without the given keys.
func (o srcObject) without(keys []string) srcObject {
	if len(keys) == 0 {
		return o
	}
	kept := make([]srcMember, 0, len(o.n.members))
	for _, m := range o.n.members {
		if !slices.Contains(keys, m.key) {
			kept = append(kept, m)
		}
	}
	view := *o.n
	view.members = kept
	o.n = &view
	o.ignore = nil
	return o
}

// allowOnly reports the fields not in allowed and returns a view of o
// without them, so that they are not read, nor checked further.
func (o srcObject) allowOnly(allowed fieldSet) srcObject {
	kept := make([]srcMember, 0, len(o.n.members))
	for _, m := range o.n.members {
		if allowed[m.key] {
			kept = append(kept, m)
			continue
		}
		o.p.report(o.at(m.key), m.keyPos, CodeSchema, "The field '%s' is not supported by Step Functions", m.key)
	}
	view := *o.n
	view.members = kept
	o.n = &view
	return o
}

// require reports the missing ones of keys, all in one diagnostic.
func (o srcObject) require(keys ...string) {
	var missing []string
	for _, k := range keys {
		if !o.has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		o.p.report(o.ptr, o.n.pos, CodeSchema, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
}

// exclusive reports when more than one of keys is present.
func (o srcObject) exclusive(keys ...string) bool {
	var present []string
	for _, k := range keys {
		if o.has(k) {
			present = append(present, k)
		}
	}
	if len(present) < 2 {
		return true
	}
	m := o.n.member(present[1])
	o.p.report(o.at(present[1]), m.keyPos, CodeSchema, "Only one of these fields may be present: [%s]", strings.Join(keys, ", "))
	return false
}

// oneOf reports when the value v of key is not one of allowed.
func (o srcObject) oneOf(key, v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	o.errorf(key, "The field '%s' should have one of these values: [%s]", key, strings.Join(allowed, ", "))
	return false
}

// str returns the string value of key; ok is false when it is absent or
// not a string.
func (o srcObject) str(key string) (string, bool) {
	n := o.get(key)
	if n == nil {
		return "", false
	}
	if n.kind != kindString {
		o.errorf(key, "The field '%s' must be a string", key)
		return "", false
	}
	return n.val.(string), true
}

// target returns the value of key, which names a state.
func (o srcObject) target(key string) string {
	s, ok := o.str(key)
	if ok && s == "" {
		o.errorf(key, "The field '%s' must name a state", key)
	}
	return s
}

// boolean returns the boolean value of key.
func (o srcObject) boolean(key string) (bool, bool) {
	n := o.get(key)
	if n == nil {
		return false, false
	}
	if n.kind != kindBool {
		o.errorf(key, "The field '%s' must be a boolean", key)
		return false, false
	}
	return n.val.(bool), true
}

// integer returns the value of key, an integer in [lo, hi], or nil.
func (o srcObject) integer(key string, lo, hi int64) *int64 {
	n := o.get(key)
	if n == nil || o.expression(key) != "" {
		return nil
	}
	var i int64
	switch v := n.val.(type) {
	case int64:
		i = v
	case json.Number:
		if !value.IsIntegerText(string(v)) {
			o.errorf(key, "The field '%s' must be an integer", key)
			return nil
		}
		// An integer beyond int64 is beyond any range as well.
		o.errorf(key, "The field '%s' %s", key, rangeText(lo, hi))
		return nil
	default:
		o.errorf(key, "The field '%s' must be an integer", key)
		return nil
	}
	if i < lo || i > hi {
		o.errorf(key, "The field '%s' %s", key, rangeText(lo, hi))
		return nil
	}
	return &i
}

// rangeText says which integers are allowed.
func rangeText(lo, hi int64) string {
	if hi == math.MaxInt64 {
		return fmt.Sprintf("must be an integer greater than or equal to %d", lo)
	}
	return fmt.Sprintf("must be an integer between %d and %d", lo, hi)
}

// number returns the value of key, a number in [lo, hi], or nil.
func (o srcObject) number(key string, lo, hi float64) *float64 {
	n := o.get(key)
	if n == nil || o.expression(key) != "" {
		return nil
	}
	f, ok := value.Number(n.val)
	if !ok || n.kind != kindNumber {
		o.errorf(key, "The field '%s' must be a number", key)
		return nil
	}
	if f < lo || f > hi || math.IsInf(f, 0) {
		if math.IsInf(hi, 1) {
			o.errorf(key, "The field '%s' must be a number greater than or equal to %v", key, lo)
		} else {
			o.errorf(key, "The field '%s' must be a number between %v and %v", key, lo, hi)
		}
		return nil
	}
	return &f
}

// object returns the object value of key.
func (o srcObject) object(key string) (srcObject, bool) {
	n := o.get(key)
	if n == nil {
		return srcObject{}, false
	}
	c, ok := o.p.object(n, o.at(key), fmt.Sprintf("The field '%s'", key))
	c.jsonata = o.jsonata
	return c, ok
}

// array returns the elements of the array value of key; nonEmpty also
// rejects an empty array.
func (o srcObject) array(key string, nonEmpty bool) ([]*srcNode, bool) {
	n := o.get(key)
	if n == nil {
		return nil, false
	}
	switch {
	case n.kind != kindArray && nonEmpty:
		o.errorf(key, "The field '%s' must be a non-empty array", key)
		return nil, false
	case n.kind != kindArray:
		o.errorf(key, "The field '%s' must be an array", key)
		return nil, false
	case nonEmpty && len(n.elems) == 0:
		o.errorf(key, "The field '%s' must be a non-empty array", key)
		return nil, false
	}
	return n.elems, true
}

// plain returns the value of key as a plain Go value.
func (o srcObject) plain(key string) (any, bool) {
	n := o.get(key)
	if n == nil {
		return nil, false
	}
	return n.plain(), true
}

// objectValue returns the value of key, which must be an object, as a
// plain map. Payload templates, Assign and Credentials are such values.
func (o srcObject) objectValue(key string) (map[string]any, bool) {
	n := o.get(key)
	if n == nil {
		return nil, false
	}
	if n.kind != kindObject {
		o.errorf(key, "The field '%s' must be an object", key)
		return nil, false
	}
	return n.plain().(map[string]any), true
}

// optPath reads a path field. Its syntax is checked by the validator;
// here only its type: a string, or null where nullable.
func (o srcObject) optPath(key string, nullable bool) OptPath {
	n := o.get(key)
	switch {
	case n == nil:
		return OptPath{}
	case n.kind == kindNull && nullable:
		return OptPath{Set: true, Null: true}
	case n.kind == kindString:
		return OptPath{Set: true, Value: n.val.(string)}
	case nullable:
		o.errorf(key, "The field '%s' must be a string or null", key)
	default:
		o.errorf(key, "The field '%s' must be a string", key)
	}
	return OptPath{}
}

// stringArray returns the value of key, a non-empty array of strings.
func (o srcObject) stringArray(key string) ([]string, bool) {
	elems, ok := o.array(key, true)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		if e.kind != kindString {
			o.p.report(o.at(key)+"/"+strconv.Itoa(i), e.pos, CodeSchema, "Each element of '%s' must be a string", key)
			ok = false
			continue
		}
		out = append(out, e.val.(string))
	}
	return out, ok
}
