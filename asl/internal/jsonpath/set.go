package jsonpath

import (
	"maps"

	"github.com/batonhq/baton/internal/value"
)

// Set returns a copy of root with value placed at the Reference Path p
// (which must start at "$"), creating missing objects on the way. "$" returns
// value itself. Only the maps and slices on the way to the target are copied;
// root itself is never modified. It fails (wrapping ErrSet) when a step
// crosses a non-object, as AWS does ("Unable to apply ReferencePath $.a.b to
// input ..."). A null on the way, like a missing member, becomes an object.
func Set(root any, p *Path, value any) (any, error) {
	if p.root != RootInput {
		return nil, &setError{"Unable to apply ReferencePath " + p.src + " to input " + marshal(root) +
			": a ResultPath must start with '$', not a variable or the context object"}
	}
	if !p.definite {
		return nil, &setError{"Unable to apply ReferencePath " + p.src + " to input " + marshal(root) +
			": the path is not a Reference Path"}
	}
	out, ok := set(root, p.steps, value)
	if !ok {
		return nil, &setError{"Unable to apply ReferencePath " + p.src + " to input " + marshal(root)}
	}
	return out, nil
}

// set returns node with steps replaced by v, copying what it changes.
func set(node any, steps []step, v any) (any, bool) {
	if len(steps) == 0 {
		return v, true
	}
	s := &steps[0]
	switch s.kind {
	case stepField:
		var m map[string]any
		switch t := node.(type) {
		case map[string]any:
			m = make(map[string]any, len(t)+1)
			maps.Copy(m, t)
		case nil:
			m = make(map[string]any, 1)
		default:
			return nil, false
		}
		child, ok := set(m[s.name], steps[1:], v)
		if !ok {
			return nil, false
		}
		m[s.name] = child
		return m, true
	case stepIndex:
		a, ok := node.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		child, ok := set(a[i], steps[1:], v)
		if !ok {
			return nil, false
		}
		c := make([]any, len(a))
		copy(c, a)
		c[i] = child
		return c, true
	}
	return nil, false
}

func marshal(v any) string { return value.MarshalString(v) }
