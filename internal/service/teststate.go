package service

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
)

// TestState runs one state on its own with a given input (and optionally
// variables, a context object and a mocked task result) and returns its
// output, error or next state.
func (s *Service) TestState(ctx context.Context, in *TestStateInput) (*TestStateOutput, error) {
	if err := required(field{"definition", in.Definition}); err != nil {
		return nil, err
	}
	if err := checkDefinitionSize(in.Definition); err != nil {
		return nil, err
	}
	if err := checkEnum("inspectionLevel", in.InspectionLevel, "INFO", "DEBUG", "TRACE"); err != nil {
		return nil, err
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if !json.Valid([]byte(strings.TrimSpace(in.Definition))) {
		return nil, apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: the definition is not JSON'")
	}
	input, err := s.checkInput(in.Input)
	if err != nil {
		return nil, err
	}
	for _, f := range []field{{"variables", in.Variables}, {"context", in.Context}} {
		if f.value == "" {
			continue
		}
		if err := s.checkPayload(f.name, f.value); err != nil {
			return nil, err
		}
		var obj map[string]any
		if json.Unmarshal([]byte(f.value), &obj) != nil || obj == nil {
			return nil, apierr.New(apierr.InvalidExecutionInput, "Invalid %s: it must be a JSON object", f.name)
		}
	}
	if m := in.Mock; m != nil {
		if m.Result != "" && m.ErrorOutput != nil {
			return nil, apierr.New(apierr.ValidationException, "A mock takes either a result or an errorOutput, not both")
		}
		if err := checkEnum("mock.fieldValidationMode", m.FieldValidationMode, "STRICT", "PRESENT", "NONE"); err != nil {
			return nil, err
		}
		if m.Result != "" {
			if p := jsonProblem(m.Result); p != "" {
				return nil, apierr.New(apierr.ValidationException, "Invalid mock result: %s (it must be JSON text)", p)
			}
		}
	}
	req := *in
	req.Input = input
	return s.eng.TestState(ctx, &req)
}
