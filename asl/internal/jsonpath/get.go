package jsonpath

import (
	"maps"
	"slices"

	"github.com/batonhq/baton/internal/value"
)

// Get evaluates the path. A definite path (no wildcards, filters, slices,
// unions, recursive descent) returns the value it selects; an indefinite path
// returns a []any of all matches (possibly empty). A definite path that selects
// nothing returns an error wrapping ErrNoMatch whose message follows AWS's
// wording, e.g. "Invalid path '$.a' : No results for path: $['a']".
//
// An indefinite path that matches nothing is not an error, even when a
// member before its first indefinite step is missing ("$.a[*]" on {} gives
// [], as on AWS). But, as in Jayway JsonPath, those leading steps fail on a
// value of the wrong type: "$.s.x[*]" on {"s":"str"} is an error.
func (p *Path) Get(env Env) (any, error) {
	root, err := p.rootValue(env)
	if err != nil {
		return nil, err
	}
	if p.definite {
		return p.getDefinite(root)
	}
	return p.getAll(root)
}

// GetValue is Get for a path evaluated against v alone: v is the input,
// the context object is {} and no variables are defined.
func (p *Path) GetValue(v any) (any, error) {
	return p.Get(Env{Input: v})
}

// rootValue picks what the path starts from.
func (p *Path) rootValue(env Env) (any, error) {
	switch p.root {
	case RootContext:
		if env.Context == nil {
			return map[string]any{}, nil
		}
		return env.Context(), nil
	case RootVariable:
		if env.Var != nil {
			if v, ok := env.Var(p.varName); ok {
				return v, nil
			}
		}
		return nil, &matchError{"Invalid path '" + p.src + "' : The variable '" + p.varName + "' is not defined"}
	}
	return env.Input, nil
}

// getDefinite is the hot path: no allocation unless it fails.
func (p *Path) getDefinite(cur any) (any, error) {
	for i := range p.steps {
		s := &p.steps[i]
		if s.kind == stepField {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, p.noMatch(i, cur)
			}
			v, ok := m[s.name]
			if !ok {
				return nil, p.noMatch(i, cur)
			}
			cur = v
			continue
		}
		if s.kind == stepNames {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, p.noMatch(i, cur)
			}
			cur = mergeMembers(m, s.names)
			continue
		}
		a, ok := cur.([]any)
		if !ok {
			return nil, p.noMatch(i, cur)
		}
		idx := s.index
		if idx < 0 {
			idx += len(a)
		}
		if idx < 0 || idx >= len(a) {
			return nil, p.noMatch(i, cur)
		}
		cur = a[idx]
	}
	return cur, nil
}

// noMatch builds Jayway's message for step i failing on cur.
func (p *Path) noMatch(i int, cur any) error {
	return &matchError{"Invalid path '" + p.src + "' : " + stepFailure(p.steps, i, cur)}
}

// stepFailure is Jayway's PathNotFoundException message for definite step i
// of steps failing on cur; "" when Jayway would not fail there.
func stepFailure(steps []step, i int, cur any) string {
	s := &steps[i]
	leaf := i == len(steps)-1
	switch s.kind {
	case stepField, stepNames:
		m, ok := cur.(map[string]any)
		if !ok {
			return "Property " + s.describe() + " not found in path " + normPath(steps[:i])
		}
		if s.kind == stepField {
			if _, ok := m[s.name]; !ok && !leaf {
				return "Missing property in path " + normPath(steps[:i+1])
			}
		}
	case stepIndex, stepIndexes, stepSlice:
		if cur == nil {
			return "The path " + normPath(steps[:i]) + " is null"
		}
		if _, ok := cur.([]any); !ok {
			return "Filter: " + s.describe() + " can only be applied to arrays. Current context is: " + value.MarshalString(cur)
		}
	case stepFilter:
		switch cur.(type) {
		case map[string]any, []any:
		default:
			return "Filter: [?] can not be applied to primitives. Current context is: " + value.MarshalString(cur)
		}
	}
	return "No results for path: " + normPath(steps)
}

// getAll evaluates an indefinite path, collecting every match.
func (p *Path) getAll(root any) (any, error) {
	nodes := []any{root}
	var next []any
	upstreamDefinite := true
	for i := range p.steps {
		if len(nodes) == 0 {
			break
		}
		s := &p.steps[i]
		leaf := i == len(p.steps)-1
		if upstreamDefinite && !s.descent {
			// Jayway fails here, as for a definite path, when the step
			// cannot apply to the one node reached so far.
			if msg := strictFailure(p.steps, i, nodes[0]); msg != "" {
				return nil, &matchError{"Invalid path '" + p.src + "' : " + msg}
			}
		}
		next = make([]any, 0, len(nodes))
		for _, n := range nodes {
			next = apply(next, s, n, root, leaf)
		}
		nodes = next
		if !s.definite() {
			upstreamDefinite = false
		}
	}
	return nodes, nil
}

// strictFailure reports why step i cannot apply to cur when every step
// before it is definite; "" when it can (or Jayway lets it select nothing).
func strictFailure(steps []step, i int, cur any) string {
	s := &steps[i]
	switch s.kind {
	case stepField:
		if _, ok := cur.(map[string]any); !ok {
			return stepFailure(steps, i, cur)
		}
		// A missing member selects nothing: AWS answers [] for "$.a[*]" on
		// {}, where Jayway would fail with "Missing property in path".
	case stepNames:
		if _, ok := cur.(map[string]any); !ok {
			return stepFailure(steps, i, cur)
		}
	case stepIndex, stepIndexes, stepSlice:
		if _, ok := cur.([]any); !ok {
			return stepFailure(steps, i, cur)
		}
	case stepFilter:
		switch cur.(type) {
		case map[string]any, []any:
		default:
			return stepFailure(steps, i, cur)
		}
	}
	return ""
}

// apply appends to out what step s selects from n. root is "$" for filters.
func apply(out []any, s *step, n, root any, leaf bool) []any {
	if s.descent {
		return applyDescent(out, s, n, root)
	}
	switch s.kind {
	case stepField:
		if m, ok := n.(map[string]any); ok {
			if v, ok := m[s.name]; ok {
				out = append(out, v)
			}
		}
	case stepIndex:
		if a, ok := n.([]any); ok {
			if v, ok := index(a, s.index); ok {
				out = append(out, v)
			}
		}
	case stepWildcard:
		out = appendChildren(out, n)
	case stepNames:
		m, ok := n.(map[string]any)
		if !ok {
			break
		}
		if leaf {
			out = append(out, mergeMembers(m, s.names))
			break
		}
		for _, name := range s.names {
			if v, ok := m[name]; ok {
				out = append(out, v)
			}
		}
	case stepIndexes:
		if a, ok := n.([]any); ok {
			for _, i := range s.indexes {
				if v, ok := index(a, i); ok {
					out = append(out, v)
				}
			}
		}
	case stepSlice:
		if a, ok := n.([]any); ok {
			from, to := s.slice.bounds(len(a))
			if from < to {
				out = append(out, a[from:to]...)
			}
		}
	case stepFilter:
		switch t := n.(type) {
		case []any:
			for _, e := range t {
				if s.filter.test(e, root) {
					out = append(out, e)
				}
			}
		case map[string]any:
			// Jayway tests an object itself, not its members.
			if s.filter.test(t, root) {
				out = append(out, t)
			}
		}
	}
	return out
}

// applyDescent applies s (reached through "..") to n and every node below
// it, in document order with object members sorted by key.
func applyDescent(out []any, s *step, n, root any) []any {
	flat := *s
	flat.descent = false
	switch flat.kind {
	case stepFilter:
		// RFC 9535: the children of each node that pass the filter, so that
		// no node is reported twice.
		for _, c := range appendChildren(nil, n) {
			if s.filter.test(c, root) {
				out = append(out, c)
			}
		}
	case stepNames:
		if m, ok := n.(map[string]any); ok {
			for _, name := range s.names {
				if v, ok := m[name]; ok {
					out = append(out, v)
				}
			}
		}
	default:
		out = apply(out, &flat, n, root, false)
	}
	switch t := n.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			out = applyDescent(out, s, t[k], root)
		}
	case []any:
		for _, e := range t {
			out = applyDescent(out, s, e, root)
		}
	}
	return out
}

// appendChildren appends the members of an object (sorted by key) or the
// elements of an array.
func appendChildren(out []any, n any) []any {
	switch t := n.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			out = append(out, t[k])
		}
	case []any:
		out = append(out, t...)
	}
	return out
}

// mergeMembers is Jayway's answer to a final ['a','b']: one object holding
// those of the members that m has.
func mergeMembers(m map[string]any, names []string) map[string]any {
	merged := make(map[string]any, len(names))
	for _, name := range names {
		if v, ok := m[name]; ok {
			merged[name] = v
		}
	}
	return merged
}

// index returns a[i], counting from the end when i is negative.
func index(a []any, i int) (any, bool) {
	if i < 0 {
		i += len(a)
	}
	if i < 0 || i >= len(a) {
		return nil, false
	}
	return a[i], true
}

// bounds clamps the slice to an array of length n, as Jayway does.
func (s sliceSpec) bounds(n int) (from, to int) {
	from, to = 0, n
	if s.hasFrom {
		from = s.from
		if from < 0 {
			from = max(n+from, 0)
		}
	}
	if s.hasTo {
		to = s.to
		if to < 0 {
			to = n + to
		}
	}
	from, to = min(from, n), min(max(to, 0), n)
	return from, to
}
