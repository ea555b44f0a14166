// Package intrinsic parses and evaluates the JSONPath intrinsic functions of
// the Amazon States Language (States.Format, States.StringToJson, ...; all 18).
//
// Evaluation follows what Step Functions does rather than only what the
// specification says: a failing call is a States.Runtime error whose cause
// reads "The function '<expression>' had the following error: ..." and, for a
// bad argument, "Invalid arguments in States.<Name>".
package intrinsic

import (
	"fmt"

	"github.com/batonhq/baton/asl/internal/jsonpath"
)

// Error names used by the failures of Eval.
const (
	// ErrRuntime is what Step Functions reports for every failing intrinsic
	// call: bad arguments, exceeded limits and arguments whose path matches
	// nothing. It cannot be caught by a Catcher.
	ErrRuntime = "States.Runtime"
	// ErrIntrinsicFailure is the name the specification gives to a failing
	// intrinsic function; Step Functions does not use it in practice.
	ErrIntrinsicFailure = "States.IntrinsicFailure"
)

// Call is a parsed intrinsic function call. Safe for concurrent use.
type Call struct {
	src  string
	root *callNode
}

// IsCall reports whether s looks like an intrinsic function call (starts
// with "States." and a function name followed by "(").
func IsCall(s string) bool {
	const prefix = "States."
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return false
	}
	n := scanName(s, 0)
	return n > len(prefix) && n < len(s) && s[n] == '('
}

// Parse parses s and checks the function names, arity and the types of
// literal arguments. The error is a *SyntaxError saying what is wrong and
// where.
func Parse(s string) (*Call, error) {
	p := &parser{src: s}
	root, err := p.parseTop()
	if err != nil {
		return nil, err
	}
	return &Call{src: s, root: root}, nil
}

// String returns the source text of the call.
func (c *Call) String() string {
	if c == nil {
		return ""
	}
	return c.src
}

// Eval evaluates the call. Errors are *Error with the name Step Functions
// uses (ErrRuntime) and a cause worded as AWS words it.
func (c *Call) Eval(env jsonpath.Env) (any, error) {
	if c == nil || c.root == nil {
		return nil, &Error{Name: ErrRuntime, Cause: "no intrinsic function to evaluate"}
	}
	v, err := c.root.eval(&env)
	if err != nil {
		return nil, &Error{
			Name:  ErrRuntime,
			Cause: fmt.Sprintf("The function '%s' had the following error: %s", c.src, err.Error()),
		}
	}
	return v, nil
}

// Error is a runtime failure of an intrinsic function.
type Error struct {
	Name  string // e.g. "States.Runtime"
	Cause string
}

// Error returns "Name: Cause".
func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// SyntaxError is returned by Parse: Msg says what is wrong at byte Offset of
// Src.
type SyntaxError struct {
	Src    string
	Offset int
	Msg    string
}

// Error says what is wrong, in which source and at which offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid intrinsic function '%s': %s at offset %d", e.Src, e.Msg, e.Offset)
}
