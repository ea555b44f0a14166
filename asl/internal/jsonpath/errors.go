package jsonpath

import (
	"errors"
	"fmt"
)

// ErrNoMatch is wrapped by Get's errors when a definite path (or the definite
// start of an indefinite one) selects nothing.
var ErrNoMatch = errors.New("jsonpath: no match")

// ErrSet is wrapped by Set's errors when the value cannot be placed.
var ErrSet = errors.New("jsonpath: cannot set")

// ErrSyntax is wrapped by Parse's and ParseReference's errors.
var ErrSyntax = errors.New("jsonpath: invalid path")

// matchError carries AWS's message while matching errors.Is(err, ErrNoMatch).
type matchError struct{ msg string }

func (e *matchError) Error() string        { return e.msg }
func (e *matchError) Is(target error) bool { return target == ErrNoMatch }

// setError carries AWS's message while matching errors.Is(err, ErrSet).
type setError struct{ msg string }

func (e *setError) Error() string        { return e.msg }
func (e *setError) Is(target error) bool { return target == ErrSet }

// SyntaxError describes why a path does not parse and where.
type SyntaxError struct {
	Path   string // the source text
	Offset int    // byte offset of the problem in Path
	Msg    string // what is wrong
}

// Error renders e as: invalid path '$.a[': unterminated '[' at offset 3.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid path '%s': %s at offset %d", e.Path, e.Msg, e.Offset)
}

// Is makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }
