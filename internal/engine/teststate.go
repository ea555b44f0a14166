package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// testStateTimeout bounds the task a TestState call runs.
const testStateTimeout = 5 * time.Minute

// TestState runs one state on its own (the TestState API). The state's task,
// if any, is the mock of the request or, for built-in and mapped resources,
// runs for real; activities and callbacks need a mock.
func (e *Engine) TestState(ctx context.Context, in *service.TestStateInput) (*service.TestStateOutput, error) {
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
	req := asl.TestStateRequest{Definition: def, Input: input, Variables: vars, StateName: name, Now: e.clk.Now(),
		RunTask: func(ctx context.Context, t asl.RunTask) (any, string, string) { return e.testTask(ctx, in.Mock, t) }}
	res, err := asl.TestState(ctx, req)
	if err != nil {
		var ve *asl.ValidationError
		if errors.As(err, &ve) {
			return nil, apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: %v", err)
		}
		return nil, apierr.New(apierr.ValidationException, "%v", err)
	}
	out := &service.TestStateOutput{Status: res.Status, Error: res.Error, Cause: res.Cause, NextState: res.NextState}
	if res.Status == asl.TestStatusSucceeded || res.Status == asl.TestStatusCaughtError {
		out.Output = string(asl.MarshalJSON(res.Output))
	}
	if in.InspectionLevel == "DEBUG" || in.InspectionLevel == "TRACE" {
		ins := res.Inspection
		d := &service.InspectionData{Input: string(asl.MarshalJSON(ins.Input))}
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
func (e *Engine) testTask(ctx context.Context, mock *service.MockInput, t asl.RunTask) (any, string, string) {
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
	kind, _, _ := e.classify(t.Resource)
	if kind != store.TaskBuiltin {
		return nil, asl.ErrRuntime, "TestState cannot wait for a " + kind + " task (" + t.Resource + "): give a mock result"
	}
	ex, err := e.cfg.Executors.Executor(t.Resource, t.StateName)
	if err != nil {
		return nil, ErrNoExecutor, err.Error()
	}
	timeout := t.Timeout
	if timeout <= 0 || timeout > testStateTimeout {
		timeout = testStateTimeout
	}
	out, err := ex.Run(ctx, tasks.Request{Resource: t.Resource, Input: t.Input, StateName: t.StateName, Timeout: timeout})
	var f *tasks.Failure
	switch {
	case errors.As(err, &f):
		return nil, f.Name, f.Cause
	case err != nil:
		return nil, ErrTaskFailed, strings.TrimSpace(err.Error())
	}
	return out, "", ""
}
