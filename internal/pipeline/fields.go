package pipeline

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
)

// This file holds the typed accessors the parser reads objects with. Each
// reports a diagnostic when a field has the wrong type or range and returns
// the zero value, so that parsing goes on and finds every problem.

// maxSeconds bounds durations, as ASL bounds its seconds fields.
const maxSeconds = 99999999

// obj is an object of the file being read, with its pointer.
type obj struct {
	p   *parser
	m   map[string]any
	ptr string
}

// object checks that v is an object; what names it in messages.
func (p *parser) object(v any, ptr, what string) (obj, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		if what == "" {
			what = describe(ptr)
		}
		p.reportAt(ptr, CodeSchema, "%s must be a mapping", what)
		return obj{}, false
	}
	return obj{p: p, m: m, ptr: ptr}, true
}

// describe names the value at ptr for messages.
func describe(ptr string) string {
	i := strings.LastIndexByte(ptr, '/')
	last := ptr[i+1:]
	if _, err := strconv.Atoi(last); err == nil && i > 0 {
		j := strings.LastIndexByte(ptr[:i], '/')
		return fmt.Sprintf("Each element of '%s'", ptr[j+1:i])
	}
	return fmt.Sprintf("The field '%s'", last)
}

func (o obj) at(key string) string { return o.ptr + "/" + asl.PointerToken(key) }
func (o obj) get(key string) any   { return o.m[key] }
func (o obj) has(key string) bool  { _, ok := o.m[key]; return ok }

// keys returns the object's keys in file order.
func (o obj) keys() []string {
	ks := slices.Collect(maps.Keys(o.m))
	slices.SortFunc(ks, func(a, b string) int {
		pa, _ := o.p.doc.KeyPos(o.at(a))
		pb, _ := o.p.doc.KeyPos(o.at(b))
		if pa.Line != pb.Line {
			return pa.Line - pb.Line
		}
		if pa.Col != pb.Col {
			return pa.Col - pb.Col
		}
		return strings.Compare(a, b)
	})
	return ks
}

func (o obj) errorf(key, format string, args ...any) {
	o.p.reportAt(o.at(key), CodeSchema, format, args...)
}

// allowOnly reports every field not in allowed, with the closest allowed
// name when one is close.
func (o obj) allowOnly(allowed ...string) {
	for _, k := range o.keys() {
		if slices.Contains(allowed, k) || (o.ptr == "" && strings.HasPrefix(k, "x-")) {
			continue // x-* at the top: extension fields, for YAML anchors (as in Compose files)
		}
		o.p.reportKey(o.at(k), CodeSchema, "Unknown field '%s'%s", clip(k), o.p.didYouMean(k, allowed))
	}
}

// maxSuggestions bounds the "did you mean" hints of one file: each costs
// an edit distance to every candidate, and a hostile file could ask for
// hundreds of thousands.
const maxSuggestions = 200

// didYouMean suggests the name of allowed closest to k, when one is close.
func (p *parser) didYouMean(k string, allowed []string) string {
	if len(k) > 80 || p.suggestions >= maxSuggestions {
		return ""
	}
	p.suggestions++
	best := asl.NearestName(strings.ReplaceAll(k, "-", "_"), allowed)
	if best == "" || best == k {
		return ""
	}
	return fmt.Sprintf(" (did you mean '%s'?)", best)
}

// require reports the missing ones of keys, in one diagnostic.
func (o obj) require(keys ...string) {
	var missing []string
	for _, k := range keys {
		if !o.has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		o.p.reportAt(o.ptr, CodeSchema, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
}

// exclusive reports when more than one of keys is present.
func (o obj) exclusive(keys ...string) bool {
	var present []string
	for _, k := range keys {
		if o.has(k) {
			present = append(present, k)
		}
	}
	if len(present) < 2 {
		return true
	}
	o.p.reportKey(o.at(present[1]), CodeSchema, "Only one of these fields may be present: [%s]", strings.Join(keys, ", "))
	return false
}

// str returns the string value of key; ok is false when absent or not a string.
func (o obj) str(key string) (string, bool) {
	v, present := o.m[key]
	if !present {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		o.errorf(key, "The field '%s' must be a string", key)
	}
	return s, ok
}

// static is str for fields read before the run: they cannot hold an expression.
func (o obj) static(key string) (string, bool) {
	s, ok := o.str(key)
	if ok && strings.Contains(s, "{%") {
		o.errorf(key, "The field '%s' is read before the run and cannot hold an expression", key)
		return "", false
	}
	return s, ok
}

// nonEmpty is static for a required non-empty string.
func (o obj) nonEmpty(key string) string {
	s, ok := o.static(key)
	if ok && s == "" {
		o.errorf(key, "The field '%s' must not be empty", key)
	}
	return s
}

// enum returns the value of key, which must be one of allowed.
func (o obj) enum(key string, allowed ...string) (string, bool) {
	s, ok := o.str(key)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		o.errorf(key, "The field '%s' should have one of these values: [%s]%s", key, strings.Join(allowed, ", "), o.p.didYouMean(s, allowed))
		return "", false
	}
	return s, true
}

func (o obj) boolean(key string) bool {
	v, present := o.m[key]
	if !present {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		o.errorf(key, "The field '%s' must be true or false", key)
	}
	return b
}

// integer returns the value of key, an integer in [lo, hi].
func (o obj) integer(key string, lo, hi int64) (int, bool) {
	v, present := o.m[key]
	if !present {
		return 0, false
	}
	i, ok := asInt(v)
	if !ok || i < lo || i > hi {
		o.errorf(key, "The field '%s' must be an integer from %d to %d", key, lo, hi)
		return 0, false
	}
	return int(i), true
}

func asInt(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	}
	return 0, false
}

func (o obj) number(key string, lo, hi float64) (float64, bool) {
	v, present := o.m[key]
	if !present {
		return 0, false
	}
	var f float64
	switch t := v.(type) {
	case int64:
		f = float64(t)
	case float64:
		f = t
	default:
		o.errorf(key, "The field '%s' must be a number", key)
		return 0, false
	}
	if f < lo || f > hi {
		o.errorf(key, "The field '%s' must be a number from %g to %g", key, lo, hi)
		return 0, false
	}
	return f, true
}

func (o obj) object(key string) (obj, bool) {
	v, present := o.m[key]
	if !present {
		return obj{}, false
	}
	return o.p.object(v, o.at(key), "")
}

func (o obj) array(key string) ([]any, bool) {
	v, present := o.m[key]
	if !present {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		o.errorf(key, "The field '%s' must be a list", key)
	}
	return a, ok
}

// stringList returns a list of strings, one a diagnostic for each element
// that is not one; or a single string as a list of one.
func (o obj) stringList(key string, single bool) []string {
	v, present := o.m[key]
	if !present {
		return nil
	}
	if s, ok := v.(string); ok && single {
		return []string{s}
	}
	a, ok := v.([]any)
	if !ok {
		o.errorf(key, "The field '%s' must be a list of strings", key)
		return nil
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			o.p.reportAt(fmt.Sprintf("%s/%d", o.at(key), i), CodeSchema, "Each element of '%s' must be a string", key)
			continue
		}
		out = append(out, s)
	}
	return out
}

var urlRE = regexp.MustCompile(`^[a-z][a-z0-9+.-]*://`)

// urlList is a list of data locations (scheme://...).
func (o obj) urlList(key string) []string {
	list := o.stringList(key, false)
	for i, s := range list {
		if !urlRE.MatchString(s) {
			o.p.reportAt(fmt.Sprintf("%s/%d", o.at(key), i), CodeSchema, "'%s' is not a location: write it as a URL (s3://bucket/prefix/, file:///path, postgres://conn/table)", clip(s))
		}
	}
	return list
}

// stringMap returns a mapping of strings; withExpr allows "{% %}" values.
func (o obj) stringMap(key string, withExpr bool) map[string]string {
	m, ok := o.object(key)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m.m))
	for _, k := range m.keys() {
		var s string
		switch t := m.get(k).(type) {
		case string:
			s = t
		case int64, float64, bool, json.Number:
			s = fmt.Sprint(t) // YAML's unquoted scalars: TZ: UTC, RETRIES: 3
		default:
			m.errorf(k, "The value of '%s' must be a string", clip(k))
			continue
		}
		if !withExpr && strings.Contains(s, "{%") {
			m.errorf(k, "The value of '%s' is read before the run and cannot hold an expression", clip(k))
		}
		out[k] = s
	}
	return out
}

// env reads an environment mapping: names as the shell's, not BATON_*.
// Its values may hold expressions, evaluated for step st (nil: the defaults).
func (o obj) env(key string, st *Step) map[string]string {
	env := o.stringMap(key, true)
	for k := range env {
		switch {
		case !envRE.MatchString(k):
			o.p.reportKey(o.at(key)+"/"+asl.PointerToken(k), CodeInvalidName, "The environment variable name '%s' must be letters, digits and '_', not starting with a digit", clip(k))
		case strings.HasPrefix(k, "BATON_"):
			o.p.reportKey(o.at(key)+"/"+asl.PointerToken(k), CodeInvalidName, "The environment variable names BATON_* are Baton's own (BATON_OUTPUT ...): choose another name")
		}
	}
	for k, v := range env {
		o.p.template(o.at(key)+"/"+asl.PointerToken(k), v, scopeStep, st)
	}
	return env
}

// duration reads a duration: "90s", "1h30m", "7d", or a number of seconds.
// Durations are whole seconds from 1 s to maxSeconds, as ASL's.
func (o obj) duration(key string) time.Duration {
	v, present := o.m[key]
	if !present {
		return 0
	}
	d, err := parseDuration(v)
	if err != nil {
		o.errorf(key, "The field '%s' %v", key, err)
		return 0
	}
	return d
}

var daysRE = regexp.MustCompile(`^(\d{1,9})d(.*)$`)

// parseDuration reads a duration as pipeline.yaml writes it.
func parseDuration(v any) (time.Duration, error) {
	const want = `must be a duration of whole seconds from 1s to 99999999s, such as 90s, 15m, 6h or 7d (or a number of seconds)`
	var d time.Duration
	switch t := v.(type) {
	case int64:
		if t < 1 || t > maxSeconds {
			return 0, fmt.Errorf("%s", want)
		}
		return time.Duration(t) * time.Second, nil
	case string:
		s := t
		if m := daysRE.FindStringSubmatch(s); m != nil {
			n, _ := strconv.Atoi(m[1])
			d = time.Duration(n) * 24 * time.Hour
			s = m[2]
			if s == "" {
				break
			}
		}
		rest, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s", want)
		}
		d += rest
	default:
		return 0, fmt.Errorf("%s", want)
	}
	if d < time.Second || d > maxSeconds*time.Second || d%time.Second != 0 {
		return 0, fmt.Errorf("%s", want)
	}
	return d, nil
}

// matchesType tells whether v is of the JSON Schema type t.
func matchesType(v any, t string) bool {
	switch t {
	case ParamString:
		_, ok := v.(string)
		return ok
	case ParamNumber:
		switch v.(type) {
		case int64, float64, json.Number:
			return true
		}
	case ParamInteger:
		if _, ok := asInt(v); ok {
			return true
		}
		n, ok := v.(json.Number)
		return ok && !strings.ContainsAny(string(n), ".eE")
	case ParamBoolean:
		_, ok := v.(bool)
		return ok
	case ParamObject:
		_, ok := v.(map[string]any)
		return ok
	case ParamArray:
		_, ok := v.([]any)
		return ok
	}
	return false
}

func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
