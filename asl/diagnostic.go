package asl

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic codes. Where AWS's ValidateStateMachineDefinition has a code
// for a problem, Baton uses the same one, so that tools written for AWS
// understand Baton's answers.
const (
	CodeInvalidJSON       = "INVALID_JSON_DESCRIPTION"  // the definition is not JSON
	CodeInvalidYAML       = "INVALID_YAML_DESCRIPTION"  // the definition is not YAML (Baton only)
	CodeMissingDefinition = "MISSING_DESCRIPTION"       // the definition is empty
	CodeSchema            = "SCHEMA_VALIDATION_FAILED"  // a field is missing, unknown or has a bad value
	CodeInvalidResource   = "INVALID_RESOURCE"          // a Task's Resource is not a URI
	CodeMissingEndState   = "MISSING_END_STATE"         // a machine has no terminal state
	CodeDuplicateState    = "DUPLICATE_STATE_NAME"      // a state name appears more than once
	CodeInvalidStateName  = "INVALID_STATE_NAME"        // a state name is empty or too long
	CodeMissingTarget     = "MISSING_TRANSITION_TARGET" // a transition names no state, or a state is unreachable
	CodeUnsupported       = "UNSUPPORTED_FEATURE"       // valid ASL that this version of Baton does not run
)

// Diagnostic is one problem found in a definition.
type Diagnostic struct {
	File    string // the file name, when the definition came from a file
	Pointer string // JSON pointer of the value concerned, e.g. "/States/Foo/Next"
	Pos     Pos    // where the value (or the offending key) starts
	Code    string // one of the Code constants
	Message string // what is wrong, for humans
}

// String formats the diagnostic as "file:line:col: message (pointer)", the
// file part left out when unknown.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: %s", d.Pos.Line, d.Pos.Col, d.Message)
	if d.Pointer != "" {
		fmt.Fprintf(&b, " (%s)", d.Pointer)
	}
	return b.String()
}

// ValidationError is what Parse returns for an invalid definition: every
// problem found, sorted by position.
type ValidationError struct {
	Diagnostics []Diagnostic
}

// Error lists the diagnostics, one a line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return "invalid state machine definition:\n" + strings.Join(lines, "\n")
}

// sortDiagnostics orders diagnostics by position, then pointer and message
// so that the order is stable, and drops exact repeats.
func sortDiagnostics(ds []Diagnostic) []Diagnostic {
	slices.SortFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Pointer, b.Pointer),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(ds)
}
