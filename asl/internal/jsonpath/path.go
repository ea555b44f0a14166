// Package jsonpath parses and evaluates the JSONPath dialect of the Amazon
// States Language: Paths ("$.a[*].b", filters, slices), Reference Paths (only
// "." and "[n]" / "['x']" steps; must be unambiguous), the context object
// ("$$.Execution.Id") and variables ("$name.field").
//
// Values are the JSON values of package value: nil, bool, int64, float64,
// json.Number, string, []any, map[string]any. Values are never mutated:
// Set copies the spine it changes.
//
// Step Functions evaluates paths with Jayway JsonPath, and this package follows
// its semantics and messages: a definite path that selects nothing is an
// error; an indefinite path returns the list of its matches. Where Go maps
// lose the order of object members (wildcards, recursive descent), members
// are visited in key order.
package jsonpath

// Root tells what a path starts from.
type Root int

// The roots a path can start from.
const (
	RootInput    Root = iota // "$" or "$.x": the state's data
	RootContext              // "$$" or "$$.x": the context object
	RootVariable             // "$name" or "$name.x": a variable
)

// Path is a compiled path. It is safe for concurrent use.
type Path struct {
	src       string
	root      Root
	varName   string
	reference bool // parsed by ParseReference
	definite  bool // selects at most one value
	steps     []step
}

// Env is what a path is evaluated against.
type Env struct {
	Input   any
	Context func() any                    // lazily built context object; nil means {}
	Var     func(name string) (any, bool) // variable lookup; nil means none defined
	// MaxBytes bounds, in JSON bytes, the strings that intrinsic functions
	// build from the environment (States.Format, States.JsonToString),
	// checked before they are built: nested States.Array calls share one
	// value many times, and its text could be far larger than any
	// payload. 0 means no bound.
	MaxBytes int
}

// String returns the source text.
func (p *Path) String() string { return p.src }

// Root tells what the path starts from.
func (p *Path) Root() Root { return p.root }

// VarName is the variable the path starts from, for RootVariable.
func (p *Path) VarName() string { return p.varName }

// IsIdentity reports whether the path is exactly "$".
func (p *Path) IsIdentity() bool { return p.src == "$" }

// IsDefinite reports whether the path selects at most one value: it has no
// wildcards, filters, slices, unions or recursive descent. Get returns the
// value itself for a definite path and a list of matches otherwise.
func (p *Path) IsDefinite() bool { return p.definite }

// IsReference reports whether the path was compiled by ParseReference.
func (p *Path) IsReference() bool { return p.reference }

// Document returns what the path is applied to in env: the input, the
// context object or the variable's value (nil when undefined). Error
// messages quote it.
func (p *Path) Document(env Env) any {
	switch p.root {
	case RootContext:
		if env.Context != nil {
			return env.Context()
		}
		return map[string]any{}
	case RootVariable:
		if env.Var != nil {
			if v, ok := env.Var(p.varName); ok {
				return v
			}
		}
		return nil
	}
	return env.Input
}
