package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// maxDefinitionLen is Step Functions' limit on a definition, in bytes.
const maxDefinitionLen = 1 << 20

// maxValidateResults is ValidateStateMachineDefinition's limit on
// maxResults and its default.
const maxValidateResults = 100

// Diagnostic severities of ValidateStateMachineDefinition.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// ValidateStateMachineDefinition checks a definition without storing it and
// returns OK or FAIL with the problems found.
func (s *Service) ValidateStateMachineDefinition(_ context.Context, in *ValidateStateMachineDefinitionInput) (*ValidateStateMachineDefinitionOutput, error) {
	if err := required(field{"definition", in.Definition}); err != nil {
		return nil, err
	}
	if err := checkDefinitionSize(in.Definition); err != nil {
		return nil, err
	}
	if err := checkEnum("type", in.Type, store.TypeStandard, store.TypeExpress); err != nil {
		return nil, err
	}
	if err := checkEnum("severity", in.Severity, SeverityError, SeverityWarning); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > maxValidateResults {
		return nil, validationErrors([]string{fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and %d", in.MaxResults, maxValidateResults)})
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = maxValidateResults
	}
	diags := s.definitionDiagnostics(in.Definition, typeOr(in.Type))
	out := &ValidateStateMachineDefinitionOutput{Result: "OK", Diagnostics: []ValidateStateMachineDefinitionDiagnostic{}}
	for _, d := range diags {
		out.Result = "FAIL" // every diagnostic Baton finds is an error
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			break
		}
		out.Diagnostics = append(out.Diagnostics, ValidateStateMachineDefinitionDiagnostic{
			Severity: SeverityError,
			Code:     d.Code,
			Message:  diagnosticMessage(d),
			Location: d.Pointer,
		})
	}
	return out, nil
}

// diagnosticMessage is the message of d with its position, when known.
func diagnosticMessage(d asl.Diagnostic) string {
	if d.Pos.Line == 0 {
		return d.Message
	}
	return fmt.Sprintf("%s (line %d, column %d)", d.Message, d.Pos.Line, d.Pos.Col)
}

func typeOr(t string) string {
	if t == "" {
		return store.TypeStandard
	}
	return t
}

// definitionDiagnostics parses a definition and returns its problems for a
// state machine of type typ on this server (none when it is valid).
func (s *Service) definitionDiagnostics(def, typ string) []asl.Diagnostic {
	d, err := asl.Parse([]byte(def))
	if err != nil {
		var ve *asl.ValidationError
		if errors.As(err, &ve) && len(ve.Diagnostics) > 0 {
			return ve.Diagnostics
		}
		return []asl.Diagnostic{{Code: asl.CodeSchema, Message: err.Error()}}
	}
	out := s.disabledDiagnostics(d)
	if typ == store.TypeExpress {
		out = append(out, expressDiagnostics(d)...)
	}
	return out
}

// disabledDiagnostics reports Task states whose resource the server's
// operator switched off (Config.DisabledResource): refused at deploy rather
// than failing each run.
func (s *Service) disabledDiagnostics(d *asl.Definition) []asl.Diagnostic {
	if s.cfg.DisabledResource == nil {
		return nil
	}
	var out []asl.Diagnostic
	eachState(d, func(name string, st *asl.State) {
		if st.Resource == "" {
			return
		}
		if err := s.cfg.DisabledResource(st.Resource, name); err != nil {
			ptr := st.Pointer + "/Resource"
			out = append(out, asl.Diagnostic{Pointer: ptr, Pos: d.Source.Lookup(ptr), Code: asl.CodeSchema, Message: err.Error()})
		}
	})
	return out
}

// eachState calls f with every state of d, those of Parallel branches and
// Map item processors included.
func eachState(d *asl.Definition, f func(name string, st *asl.State)) {
	if d == nil {
		return
	}
	for _, name := range d.StateOrder {
		st := d.States[name]
		if st == nil {
			continue
		}
		f(name, st)
		for _, b := range st.Branches {
			eachState(b, f)
		}
		eachState(st.ItemProcessor, f)
	}
}

// expressDiagnostics reports what Express state machines cannot run: the
// .sync and .waitForTaskToken integration patterns and activities.
func expressDiagnostics(d *asl.Definition) []asl.Diagnostic {
	var out []asl.Diagnostic
	eachState(d, func(_ string, st *asl.State) {
		ptr := st.Pointer + "/Resource"
		pos := d.Source.Lookup(ptr)
		switch r := st.Resource; {
		case strings.Contains(r, ".sync"):
			out = append(out, asl.Diagnostic{Pointer: ptr, Pos: pos, Code: asl.CodeSchema,
				Message: "Express state machine does not support '.sync' service integration"})
		case strings.HasSuffix(r, ".waitForTaskToken"):
			out = append(out, asl.Diagnostic{Pointer: ptr, Pos: pos, Code: asl.CodeSchema,
				Message: "Express state machine does not support '.waitForTaskToken' service integration"})
		case strings.Contains(r, ":activity:"):
			out = append(out, asl.Diagnostic{Pointer: ptr, Pos: pos, Code: asl.CodeSchema,
				Message: "Express state machine does not support Activity ARN"})
		}
	})
	return out
}

// checkDefinition checks a definition for a state machine of type typ and
// returns InvalidDefinition listing every problem ("line:col: message
// (pointer)", one a line).
func (s *Service) checkDefinition(def, typ string) error {
	if err := checkDefinitionSize(def); err != nil {
		return err
	}
	diags := s.definitionDiagnostics(def, typ)
	if len(diags) == 0 {
		return nil
	}
	lines := make([]string, len(diags))
	for i, d := range diags {
		lines[i] = d.Code + ": " + d.String()
	}
	return apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: %s", strings.Join(lines, "\n"))
}

func checkDefinitionSize(def string) error {
	if len(def) > maxDefinitionLen {
		return validationErrors([]string{fmt.Sprintf("Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to %d", maxDefinitionLen)})
	}
	return nil
}

// checkPayload checks the size of an input, output or task result against
// the server's limit.
func (s *Service) checkPayload(name, v string) error {
	if len(v) > s.cfg.MaxPayloadBytes {
		return apierr.New(apierr.ValidationException,
			"1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d (%d bytes given; this server's limit is %d bytes, raise it with baton server --max-payload-bytes)",
			name, s.cfg.MaxPayloadBytes, len(v), s.cfg.MaxPayloadBytes)
	}
	return nil
}

// jsonProblem returns why v is not a single JSON value, or "".
func jsonProblem(v string) string {
	if json.Valid([]byte(v)) {
		return ""
	}
	var x any
	if err := json.Unmarshal([]byte(v), &x); err != nil {
		return err.Error()
	}
	return "not a JSON value"
}

// checkInput checks an execution input: size, then JSON. Empty means "{}".
func (s *Service) checkInput(v string) (string, error) {
	if v == "" {
		return "{}", nil
	}
	if err := s.checkPayload("input", v); err != nil {
		return "", err
	}
	if p := jsonProblem(v); p != "" {
		return "", apierr.New(apierr.InvalidExecutionInput, "Invalid State Machine Execution Input: '%s' (the input must be JSON text)", p)
	}
	return v, nil
}

// checkOutput checks a task's output: size, then JSON.
func (s *Service) checkOutput(v string) error {
	if err := s.checkPayload("output", v); err != nil {
		return err
	}
	if p := jsonProblem(v); p != "" {
		return apierr.New(apierr.InvalidOutput, "Invalid Output: '%s' (the output must be JSON text)", p)
	}
	return nil
}
