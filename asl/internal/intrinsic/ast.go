package intrinsic

import (
	"fmt"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// node is one argument of a call: a literal, a path or a nested call.
type node interface {
	// eval returns the argument's value, or an error whose text is the
	// detail AWS puts after "had the following error: ".
	eval(env *jsonpath.Env) (any, error)
}

// literalNode is a string, number, boolean or null written in the call.
type literalNode struct {
	off int
	val any
	// raw is a string literal's text between the quotes with its escapes
	// kept, so that States.Format can tell "\{" from "{".
	raw string
}

func (n *literalNode) eval(*jsonpath.Env) (any, error) { return n.val, nil }

// pathNode is a Path argument: "$.x", "$$.Execution.Id", "$var.x".
type pathNode struct {
	path *jsonpath.Path
}

func (n *pathNode) eval(env *jsonpath.Env) (any, error) {
	v, err := n.path.Get(*env)
	if err != nil {
		// Step Functions fails on any argument that selects nothing, even
		// where a plain "x.$" field would not.
		//lint:ignore ST1005 the cause is AWS's text, capital included
		return nil, fmt.Errorf("The JsonPath argument for the field '%s' could not be found in the input '%s'",
			n.path.String(), value.Marshal(n.path.Document(*env)))
	}
	return v, nil
}

// callNode is a call of one of the States.* functions.
type callNode struct {
	off  int
	fn   *function
	args []node
	// tmpl is States.Format's template when its first argument is a literal,
	// compiled (and checked) by Parse.
	tmpl *template
}

func (n *callNode) eval(env *jsonpath.Env) (any, error) {
	vals := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(env)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if lim := env.MaxBytes; lim > 0 && n.fn.size != nil && n.fn.size(n, vals, lim) > lim {
		return nil, fmt.Errorf("the result of %s would be larger than %d bytes, the payload limit (--max-payload-bytes)", n.fn.name, lim)
	}
	return n.fn.eval(n, vals)
}

// invalidArgs is the detail AWS gives for any argument a function rejects.
func invalidArgs(fn string) error {
	//lint:ignore ST1005 the cause is AWS's text, capital included
	return fmt.Errorf("Invalid arguments in %s", fn)
}
