package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
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
	return s.testState(ctx, &req)
}

// testState runs the state with asl. Its task, if any, is the mock of the
// request or, for built-in and mapped resources, runs for real on the
// engine's executors; activities and callbacks need a mock.
func (s *Service) testState(ctx context.Context, in *TestStateInput) (*TestStateOutput, error) {
	def := []byte(in.Definition)
	name := in.StateName
	if name != "" || isMachine(def) {
		// A whole state machine: test one of its states.
		var m struct {
			States map[string]json.RawMessage
		}
		if err := json.Unmarshal(def, &m); err != nil || m.States == nil {
			return nil, apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: with stateName, the definition must be a state machine with a States object")
		}
		st, ok := m.States[name]
		if !ok {
			return nil, apierr.New(apierr.ValidationException, "stateName '%s' is not a state of the definition", name)
		}
		def = st
	}
	input := any(map[string]any{})
	if in.Input != "" {
		v, err := asl.ParseJSON([]byte(in.Input))
		if err != nil {
			return nil, apierr.New(apierr.InvalidExecutionInput, "Invalid Execution Input: %v", err)
		}
		input = v
	}
	var vars map[string]any
	if in.Variables != "" {
		v, err := asl.ParseJSON([]byte(in.Variables))
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			return nil, apierr.New(apierr.ValidationException, "variables must be a JSON object")
		}
		vars = m
	}
	req := asl.TestStateRequest{Definition: def, Input: input, Variables: vars, StateName: name, Now: s.now(),
		RunTask: func(ctx context.Context, t asl.RunTask) (any, string, string) { return s.testTask(ctx, in.Mock, t) }}
	res, err := asl.TestState(ctx, req)
	if err != nil {
		var ve *asl.ValidationError
		if errors.As(err, &ve) {
			return nil, apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: %v", err)
		}
		return nil, apierr.New(apierr.ValidationException, "%v", err)
	}
	out := &TestStateOutput{Status: res.Status, Error: res.Error, Cause: res.Cause, NextState: res.NextState}
	if res.Status == asl.TestStatusSucceeded || res.Status == asl.TestStatusCaughtError {
		out.Output = string(asl.MarshalJSON(res.Output))
	}
	if in.InspectionLevel == "DEBUG" || in.InspectionLevel == "TRACE" {
		ins := res.Inspection
		d := &InspectionData{Input: string(asl.MarshalJSON(ins.Input))}
		set := func(dst *string, v asl.InspectedValue) {
			if v.Set {
				*dst = string(asl.MarshalJSON(v.Value))
			}
		}
		set(&d.AfterInputPath, ins.AfterInputPath)
		set(&d.AfterParameters, ins.AfterParameters)
		set(&d.Result, ins.Result)
		set(&d.AfterResultSelector, ins.AfterResultSelector)
		set(&d.AfterResultPath, ins.AfterResultPath)
		if ins.Variables != nil {
			d.Variables = string(asl.MarshalJSON(ins.Variables))
		}
		out.InspectionData = d
	}
	return out, nil
}

func isMachine(def []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(def, &m) != nil {
		return false
	}
	_, ok := m["States"]
	return ok
}

// testTask runs the task of a tested state: the mock, or the executor.
func (s *Service) testTask(ctx context.Context, mock *MockInput, t asl.RunTask) (any, string, string) {
	if mock != nil {
		if mock.ErrorOutput != nil {
			return nil, mock.ErrorOutput.Error, mock.ErrorOutput.Cause
		}
		v, err := asl.ParseJSON([]byte(mock.Result))
		if err != nil {
			return nil, asl.ErrRuntime, "the mock result is not valid JSON: " + err.Error()
		}
		return v, "", ""
	}
	if kind := s.classify("", t.Resource).Kind; kind != store.TaskBuiltin {
		return nil, asl.ErrRuntime, "TestState cannot wait for a " + kind + " task (" + t.Resource + "): give a mock result"
	}
	o := s.eng.RunTestTask(ctx, t)
	return o.Output, o.Error, o.Cause
}
