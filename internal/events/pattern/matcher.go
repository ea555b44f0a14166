package pattern

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// anchor is a field that every match of a pattern must satisfy with one of
// a few exact values or plain prefixes: if no leaf of the event at that path
// has one of them, the pattern cannot match. A Matcher indexes each pattern
// under one anchor.
type anchor struct {
	path     []string
	key      string // path joined with pathSep
	exact    []valKey
	prefixes []string
}

// pathSep joins path segments in index keys; it cannot be confused with a
// '.' inside a field name.
const pathSep = "\x00"

// anchorsOf lists the anchors of a conjunction: its fields, and the fields
// of its nested objects, whose conds are all exact values or plain prefixes.
// Fields inside $or are not required, so they are not anchors.
func anchorsOf(o *object, path []string) []anchor {
	var out []anchor
	for _, f := range o.fields {
		fpath := append(path[:len(path):len(path)], f.name)
		if f.sub != nil {
			out = append(out, anchorsOf(f.sub, fpath)...)
			continue
		}
		a := anchor{path: fpath, key: strings.Join(fpath, pathSep)}
		ok := true
		for _, cd := range f.conds {
			switch {
			case cd.kind == cExact:
				a.exact = append(a.exact, cd.val)
			case cd.kind == cPrefix && !cd.fold:
				a.prefixes = append(a.prefixes, cd.s)
			default:
				ok = false
			}
		}
		if ok {
			out = append(out, a)
		}
	}
	return out
}

// Matcher holds named patterns and finds those an event matches.
//
// Each pattern with an anchor is indexed by the anchor's path and values (a
// hash map per path for exact values, a byte trie per path for prefixes), so
// an event costs a few map probes per indexed path it has, and a walk of its
// value's bytes for prefixes, whatever the number of patterns;
// only the patterns an index hit names, and those with no anchor (such as a
// lone numeric or anything-but), are then matched in full.
//
// Match may be called from many goroutines; Add and Remove take a write
// lock and may run concurrently with them.
type Matcher struct {
	mu      sync.RWMutex
	rules   map[string]*rule
	exact   map[string]map[valKey][]*rule
	prefix  map[string]*prefixTrie
	unbound map[string]*rule // patterns with no anchor: always matched in full
	paths   *filterNode      // the anchors' paths, to walk events along
	filter  *filterNode      // the paths any pattern uses: events are parsed for these only
}

type rule struct {
	name   string
	p      *Pattern
	anchor *anchor // nil when unbound
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	return &Matcher{
		rules:   map[string]*rule{},
		exact:   map[string]map[valKey][]*rule{},
		prefix:  map[string]*prefixTrie{},
		unbound: map[string]*rule{},
		paths:   &filterNode{},
		filter:  &filterNode{},
	}
}

// Add adds a pattern under a name, replacing any pattern of that name (a
// nil pattern just removes it).
func (m *Matcher) Add(name string, p *Pattern) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(name)
	if p == nil {
		return
	}
	r := &rule{name: name, p: p}
	m.rules[name] = r
	m.filter.add(p.fields, 1)
	if len(p.anchors) == 0 {
		m.unbound[name] = r
		return
	}
	// Index under the anchor whose values name the fewest patterns so far,
	// so that many patterns sharing a common field (source: aws.s3) spread
	// over their distinctive ones.
	best, bestCost := 0, -1
	for i := range p.anchors {
		if c := m.cost(&p.anchors[i]); bestCost < 0 || c < bestCost {
			best, bestCost = i, c
		}
	}
	a := &p.anchors[best]
	r.anchor = a
	if len(a.exact) > 0 {
		byVal := m.exact[a.key]
		if byVal == nil {
			byVal = map[valKey][]*rule{}
			m.exact[a.key] = byVal
		}
		for _, v := range a.exact {
			if !slices.Contains(byVal[v], r) {
				byVal[v] = append(byVal[v], r)
			}
		}
	}
	if len(a.prefixes) > 0 {
		px := m.prefix[a.key]
		if px == nil {
			px = &prefixTrie{}
			m.prefix[a.key] = px
		}
		for _, s := range a.prefixes {
			px.add(s, r)
		}
	}
	m.paths.add([]fieldPath{{path: a.path, leaf: true}}, 1)
}

func (m *Matcher) cost(a *anchor) int {
	c := 0
	for _, v := range a.exact {
		c += len(m.exact[a.key][v])
	}
	if px := m.prefix[a.key]; px != nil {
		for _, s := range a.prefixes {
			c += px.count(s)
		}
	}
	return c
}

// Remove removes the named pattern, if present.
func (m *Matcher) Remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(name)
}

func (m *Matcher) remove(name string) {
	r := m.rules[name]
	if r == nil {
		return
	}
	delete(m.rules, name)
	delete(m.unbound, name)
	m.filter.add(r.p.fields, -1)
	a := r.anchor
	if a == nil {
		return
	}
	drop := func(rs []*rule) []*rule {
		return slices.DeleteFunc(rs, func(x *rule) bool { return x == r })
	}
	if byVal := m.exact[a.key]; byVal != nil {
		for _, v := range a.exact {
			if rs := drop(byVal[v]); len(rs) > 0 {
				byVal[v] = rs
			} else {
				delete(byVal, v)
			}
		}
		if len(byVal) == 0 {
			delete(m.exact, a.key)
		}
	}
	if px := m.prefix[a.key]; px != nil {
		for _, s := range a.prefixes {
			px.remove(s, r)
		}
		if px.empty() {
			delete(m.prefix, a.key)
		}
	}
	m.paths.add([]fieldPath{{path: a.path, leaf: true}}, -1)
}

// Match returns the sorted names of the patterns the event matches. The
// error is only for an event that is not a JSON object or is over the limits.
func (m *Matcher) Match(event []byte) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ev, err := parseEvent(event, m.filter)
	if err != nil {
		return nil, err
	}
	return m.match(ev), nil
}

// MatchEvent is Match for an event parsed once by ParseEvent.
func (m *Matcher) MatchEvent(ev *Event) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.match(ev)
}

func (m *Matcher) match(ev *Event) []string {
	var cands []*rule
	m.collect(m.paths, &ev.root, &cands)
	var names []string
	if len(cands) > 1 {
		sort.Slice(cands, func(i, j int) bool { return cands[i].name < cands[j].name })
	}
	for i, r := range cands {
		if i > 0 && cands[i-1] == r {
			continue
		}
		if r.p.MatchEvent(ev) {
			names = append(names, r.name)
		}
	}
	if len(m.unbound) > 0 {
		for name, r := range m.unbound {
			if r.p.MatchEvent(ev) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
	}
	return names
}

// collect walks the event along the indexed paths (through arrays, as
// patterns do) and gathers the rules whose anchor a leaf satisfies.
func (m *Matcher) collect(n *filterNode, v *value, out *[]*rule) {
	switch v.kind {
	case vArray:
		for i := range v.elems {
			m.collect(n, &v.elems[i], out)
		}
		return
	case vObject:
		// The event holds only fields some pattern uses, so it is the
		// smaller side to iterate. A repeated name counts once, its last.
		for i := range v.members {
			mb := &v.members[i]
			if c := n.children[mb.name]; c != nil && v.get(mb.name) == &mb.val {
				m.collect(c, &mb.val, out)
			}
		}
		return
	}
	if n.leafRefs == 0 {
		return
	}
	if byVal := m.exact[n.key]; byVal != nil {
		*out = append(*out, byVal[valKey{v.kind, v.str}]...)
	}
	if v.kind != vString {
		return
	}
	if px := m.prefix[n.key]; px != nil {
		px.collect(v.str, out)
	}
}
