package asl

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/batonhq/baton/asl/internal/intrinsic"
	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector, Assign): a tree whose static parts are kept as they are and
// whose ".$" fields are paths or intrinsic calls.
type template struct {
	static  any // the value when the subtree has nothing dynamic
	dynamic bool
	// For payload-limit checks without walking the payload: the JSON size
	// of the template with its dynamic fields as null, how many fields copy
	// (a part of) the input, and whether any field can be of any size
	// (intrinsic functions, the context object, variables).
	skeletonSize int
	inputPaths   int
	unbounded    bool
	fields       []templateField // object (dynamic)
	items        []*template     // array (dynamic)
	isArray      bool
}

type templateField struct {
	key     string // without ".$"
	srcKey  string // as written
	path    *jsonpath.Path
	call    *intrinsic.Call
	sub     *template
	pointer string
}

// compileTemplate compiles v (a JSON value from the definition). pointer is
// its JSON pointer, for errors.
func compileTemplate(v any, pointer string) (*template, error) {
	t, err := compileTemplateTree(v, pointer)
	if err != nil {
		return nil, err
	}
	t.skeletonSize = value.Size(t.skeleton(), 0)
	t.count(t)
	return t, nil
}

// skeleton is the template's value with every dynamic field null.
func (t *template) skeleton() any {
	if !t.dynamic {
		return t.static
	}
	if t.isArray {
		a := make([]any, len(t.items))
		for i, it := range t.items {
			a[i] = it.skeleton()
		}
		return a
	}
	m := make(map[string]any, len(t.fields))
	for _, f := range t.fields {
		if f.sub != nil {
			m[f.key] = f.sub.skeleton()
		} else {
			m[f.key] = nil
		}
	}
	return m
}

// count fills root's inputPaths and unbounded from the subtree t.
func (t *template) count(root *template) {
	for _, it := range t.items {
		it.count(root)
	}
	for _, f := range t.fields {
		switch {
		case f.sub != nil:
			f.sub.count(root)
		case f.call != nil:
			root.unbounded = true
		case selectsFromInput(f.path):
			root.inputPaths++
		default:
			// the context, a variable, or an indefinite path (unions and
			// ".." can repeat parts of the input): no bound
			root.unbounded = true
		}
	}
}

// bound is an upper bound of the payload's JSON size given one of its input
// (0: unknown), or 0 when it cannot be told without building the payload.
func (t *template) bound(input int) int {
	switch {
	case !t.dynamic:
		return t.skeletonSize
	case t.unbounded || input <= 0:
		return 0
	}
	return t.skeletonSize + t.inputPaths*input
}

func compileTemplateTree(v any, pointer string) (*template, error) {
	switch t := v.(type) {
	case map[string]any:
		out := &template{}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			fv := t[k]
			fp := pointer + "/" + escapePointer(k)
			if strings.HasSuffix(k, ".$") {
				s, ok := fv.(string)
				if !ok {
					return nil, fmt.Errorf("%s: the value of a field ending in \".$\" must be a string", fp)
				}
				f := templateField{key: strings.TrimSuffix(k, ".$"), srcKey: k, pointer: fp}
				if strings.HasPrefix(s, "$") {
					p, err := jsonpath.Parse(s)
					if err != nil {
						return nil, fmt.Errorf("%s: %v", fp, err)
					}
					f.path = p
				} else {
					c, err := intrinsic.Parse(s)
					if err != nil {
						return nil, fmt.Errorf("%s: %v", fp, err)
					}
					f.call = c
				}
				out.fields = append(out.fields, f)
				out.dynamic = true
				continue
			}
			sub, err := compileTemplateTree(fv, fp)
			if err != nil {
				return nil, err
			}
			if sub.dynamic {
				out.dynamic = true
			}
			out.fields = append(out.fields, templateField{key: k, srcKey: k, sub: sub, pointer: fp})
		}
		if !out.dynamic {
			return &template{static: v}, nil
		}
		return out, nil
	case []any:
		out := &template{isArray: true}
		for i, e := range t {
			sub, err := compileTemplateTree(e, fmt.Sprintf("%s/%d", pointer, i))
			if err != nil {
				return nil, err
			}
			if sub.dynamic {
				out.dynamic = true
			}
			out.items = append(out.items, sub)
		}
		if !out.dynamic {
			return &template{static: v}, nil
		}
		return out, nil
	}
	return &template{static: v}, nil
}

// eval builds the payload. Path failures are States.Runtime errors worded as
// AWS words them; intrinsic failures keep their own names. A payload nested
// deeper than value.MaxDepth (a loop that wraps its input or a variable at
// every turn) is States.DataLimitExceeded.
func (t *template) eval(env jsonpath.Env) (any, *Failure) {
	return t.build(env, 0)
}

// insert checks a value a path or an intrinsic put at level depth of the
// payload: only these can make it deep (the template's own static parts
// are at most the definition's 1,000 levels), so they alone are walked,
// not the whole payload at every evaluation.
func insert(v any, depth int) *Failure {
	if value.TooDeep(v, value.MaxDepth-depth) {
		return tooDeep("A payload template (Parameters, ResultSelector, ItemSelector or Assign)")
	}
	return nil
}

// tooDeep is the failure of a value nested deeper than value.MaxDepth.
func tooDeep(what string) *Failure {
	return &Failure{Error: ErrDataLimitExceeded, Cause: fmt.Sprintf("%s built a value nested more than %d levels deep, the most a value may have in an execution (a fixed limit: the stored state of executions cannot hold deeper values).", what, value.MaxDepth)}
}

// build builds the payload at level depth of the value (0: the top).
func (t *template) build(env jsonpath.Env, depth int) (any, *Failure) {
	if !t.dynamic {
		return t.static, nil
	}
	if t.isArray {
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, f := it.build(env, depth+1)
			if f != nil {
				return nil, f
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(t.fields))
	for i := range t.fields {
		f := &t.fields[i]
		switch {
		case f.sub != nil:
			v, fail := f.sub.build(env, depth+1)
			if fail != nil {
				return nil, fail
			}
			out[f.key] = v
		case f.path != nil:
			v, err := f.path.Get(env)
			if err != nil {
				return nil, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", f.path.String(), f.srcKey, value.MarshalString(f.path.Document(env)))}
			}
			if fail := insert(v, depth+1); fail != nil {
				return nil, fail
			}
			out[f.key] = v
		default:
			v, err := f.call.Eval(env)
			if err != nil {
				return nil, intrinsicFailure(err)
			}
			if fail := insert(v, depth+1); fail != nil {
				return nil, fail
			}
			out[f.key] = v
		}
	}
	return out, nil
}

func intrinsicFailure(err error) *Failure {
	if ie, ok := err.(*intrinsic.Error); ok {
		return &Failure{Error: ie.Name, Cause: ie.Cause}
	}
	return &Failure{Error: ErrIntrinsicFailure, Cause: err.Error()}
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// selectsFromInput reports whether p selects a single part of the input, so
// that what it selects is never larger than the input.
func selectsFromInput(p *jsonpath.Path) bool {
	return p == nil || (p.Root() == jsonpath.RootInput && p.IsDefinite())
}
