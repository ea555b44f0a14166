package asl_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

func TestTestState(t *testing.T) {
	type task struct {
		result       any
		errName, cse string
	}
	js := func(v any) string { return string(asl.MarshalJSON(v)) }
	iv := func(v asl.InspectedValue) string {
		if !v.Set {
			return "-"
		}
		return js(v.Value)
	}
	cases := []struct {
		name      string
		def       string
		input     string
		vars      map[string]any
		task      *task
		status    string
		output    string // "-": none
		errName   string
		next      string
		inspect   string // AfterInputPath AfterParameters Result AfterResultSelector AfterResultPath, "-" when absent
		variables string
		wantTask  string // the task's input
	}{
		{name: "pass data flow",
			def:   `{"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.b", "v.$": "$x"}, "ResultPath": "$.r", "OutputPath": "$.r", "Next": "B"}`,
			input: `{"a": {"b": 1}}`, vars: map[string]any{"x": "vx"},
			status: "SUCCEEDED", output: `{"b":1,"v":"vx"}`, next: "B",
			inspect: `{"b":1} {"b":1,"v":"vx"} {"b":1,"v":"vx"} - {"a":{"b":1},"r":{"b":1,"v":"vx"}}`, variables: `{"x":"vx"}`},
		{name: "pass end with result and assign",
			def:    `{"Type": "Pass", "Result": {"k": 2}, "Assign": {"y.$": "$.k"}, "End": true}`,
			input:  `{"in": 1}`,
			status: "SUCCEEDED", output: `{"k":2}`,
			inspect: `{"in":1} {"in":1} {"k":2} - {"k":2}`, variables: `{"y":2}`},
		{name: "JSONata pass: Output and Assign",
			def:    `{"QueryLanguage": "JSONata", "Type": "Pass", "Output": "{% $states.input.a + 1 %}", "Assign": {"y": "{% $states.input.a %}"}, "End": true}`,
			input:  `{"a": 1}`,
			status: "SUCCEEDED", output: `2`, inspect: `{"a":1} - - - -`, variables: `{"y":1}`},
		{name: "JSONata pass: a bomb fails with the limit",
			def:    `{"QueryLanguage": "JSONata", "Type": "Pass", "Output": "{% $reduce([1..30], function($a, $i){ $a & $a }, 'ab') %}", "End": true}`,
			input:  `{}`,
			status: "FAILED", output: `-`, errName: asl.ErrQueryEvaluationError, inspect: `{} - - - -`},
		{name: "JSONata task: Output",
			def:    `{"QueryLanguage": "JSONata", "Type": "Task", "Resource": "baton:shell", "Arguments": {"cmd": "{% $states.input.c %}"}, "Output": "{% $states.result.stdout %}", "Next": "Load"}`,
			input:  `{"c": "echo hi"}`,
			task:   &task{result: map[string]any{"stdout": "hi"}},
			status: "SUCCEEDED", output: `"hi"`, next: "Load",
			inspect: `{"c":"echo hi"} {"cmd":"echo hi"} {"stdout":"hi"} - -`, wantTask: `{"cmd":"echo hi"}`},
		{name: "pass next is itself",
			def:    `{"Type": "Pass", "Next": "TestState"}`,
			input:  `1`,
			status: "SUCCEEDED", output: `1`, next: "TestState", inspect: `1 1 1 - 1`},
		{name: "task succeeds",
			def:    `{"Type": "Task", "Resource": "baton:shell", "Parameters": {"cmd.$": "$.c"}, "ResultSelector": {"out.$": "$.stdout"}, "ResultPath": "$.res", "Assign": {"raw.$": "$.stdout"}, "Next": "Load"}`,
			input:  `{"c": "echo hi"}`,
			task:   &task{result: map[string]any{"stdout": "hi"}},
			status: "SUCCEEDED", output: `{"c":"echo hi","res":{"out":"hi"}}`, next: "Load",
			inspect:   `{"c":"echo hi"} {"cmd":"echo hi"} {"stdout":"hi"} {"out":"hi"} {"c":"echo hi","res":{"out":"hi"}}`,
			variables: `{"raw":"hi"}`, wantTask: `{"cmd":"echo hi"}`},
		{name: "task failure retriable",
			def:    `{"Type": "Task", "Resource": "baton:shell", "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true}`,
			input:  `{}`,
			task:   &task{errName: "Boom", cse: "bad"},
			status: "RETRIABLE", output: "-", errName: "Boom", next: "TestState",
			inspect: `{} {} - - -`, wantTask: `{}`},
		{name: "task failure caught",
			def:    `{"Type": "Task", "Resource": "baton:shell", "Retry": [{"ErrorEquals": ["Other"]}], "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Handler"}], "End": true}`,
			input:  `{"a": 1}`,
			task:   &task{errName: "Boom", cse: "bad"},
			status: "CAUGHT_ERROR", output: `{"a":1,"err":{"Cause":"bad","Error":"Boom"}}`, errName: "Boom", next: "Handler",
			inspect: `{"a":1} {"a":1} - - -`, wantTask: `{"a":1}`},
		{name: "task failure unhandled",
			def:    `{"Type": "Task", "Resource": "baton:shell", "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}], "End": true}`,
			input:  `{}`,
			task:   &task{errName: "Boom", cse: "bad"},
			status: "FAILED", output: "-", errName: "Boom",
			inspect: `{} {} - - -`, wantTask: `{}`},
		{name: "task result path error caught",
			def:    `{"Type": "Task", "Resource": "baton:shell", "ResultPath": "$.a.b", "Catch": [{"ErrorEquals": ["States.ResultPathMatchFailure"], "Next": "H"}], "End": true}`,
			input:  `{"a": 1}`,
			task:   &task{result: 5},
			status: "CAUGHT_ERROR", errName: "States.ResultPathMatchFailure", next: "H",
			output:  `{"Cause":"Unable to apply ResultPath \"$.a.b\" to input \"{\"a\":1}\"","Error":"States.ResultPathMatchFailure"}`,
			inspect: `{"a":1} {"a":1} 5 5 -`, wantTask: `{"a":1}`},
		{name: "choice",
			def:    `{"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"}`,
			input:  `{"n": 9}`,
			status: "SUCCEEDED", output: `{"n":9}`, next: "Big", inspect: `{"n":9} - - - -`},
		{name: "choice default",
			def:    `{"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"}`,
			input:  `{"n": 1}`,
			status: "SUCCEEDED", output: `{"n":1}`, next: "Small", inspect: `{"n":1} - - - -`},
		{name: "choice no match",
			def:    `{"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}]}`,
			input:  `{"n": 1}`,
			status: "FAILED", output: "-", errName: "States.NoChoiceMatched", inspect: `{"n":1} - - - -`},
		{name: "wait does not wait",
			def:    `{"Type": "Wait", "Seconds": 86400, "OutputPath": "$.a", "Next": "After"}`,
			input:  `{"a": 1}`,
			status: "SUCCEEDED", output: `1`, next: "After", inspect: `{"a":1} - - - -`},
		{name: "succeed",
			def:    `{"Type": "Succeed", "InputPath": "$.a"}`,
			input:  `{"a": [1]}`,
			status: "SUCCEEDED", output: `[1]`, inspect: `[1] - - - -`},
		{name: "fail",
			def:    `{"Type": "Fail", "Error": "Oops", "Cause": "because"}`,
			input:  `{}`,
			status: "FAILED", output: "-", errName: "Oops", inspect: `- - - - -`},
		{name: "runtime error",
			def:    `{"Type": "Pass", "InputPath": "$.missing", "End": true}`,
			input:  `{}`,
			status: "FAILED", output: "-", errName: "States.Runtime", inspect: `- - - - -`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := asl.ParseJSON([]byte(c.input))
			if err != nil {
				t.Fatal(err)
			}
			var gotTask string
			req := asl.TestStateRequest{Definition: []byte(c.def), Input: in, Variables: c.vars, Now: t0}
			if c.task != nil {
				req.RunTask = func(_ context.Context, rt asl.RunTask) (any, string, string) {
					gotTask = js(rt.Input)
					return c.task.result, c.task.errName, c.task.cse
				}
			}
			res, err := asl.TestState(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			out := "-"
			if res.Status == "SUCCEEDED" || res.Status == "CAUGHT_ERROR" {
				out = js(res.Output)
			}
			if res.Status != c.status || out != c.output || res.Error != c.errName || res.NextState != c.next {
				t.Errorf("got %s %s error %q (%s) next %q\nwant %s %s error %q next %q", res.Status, out, res.Error, res.Cause, res.NextState,
					c.status, c.output, c.errName, c.next)
			}
			ins := res.Inspection
			if got := strings.Join([]string{iv(ins.AfterInputPath), iv(ins.AfterParameters), iv(ins.Result), iv(ins.AfterResultSelector), iv(ins.AfterResultPath)}, " "); got != c.inspect {
				t.Errorf("inspection\n got %s\nwant %s", got, c.inspect)
			}
			if js(ins.Input) != js(in) {
				t.Errorf("inspection input %s", js(ins.Input))
			}
			if vars := js(ins.Variables); (c.variables != "" || vars != "{}") && vars != c.variables {
				t.Errorf("variables %s, want %s", vars, c.variables)
			}
			if gotTask != c.wantTask {
				t.Errorf("task input %s, want %s", gotTask, c.wantTask)
			}
		})
	}
}

func TestTestStateErrors(t *testing.T) {
	ctx := context.Background()
	_, err := asl.TestState(ctx, asl.TestStateRequest{Definition: []byte("{\"Type\": \"Pass\",\n \"Foo\": 1, \"Next\": \"B\"}")})
	var verr *asl.ValidationError
	if !errors.As(err, &verr) || len(verr.Diagnostics) != 1 {
		t.Fatalf("unknown field: %v", err)
	}
	if d := verr.Diagnostics[0]; d.Pointer != "/Foo" || d.Pos.Line != 2 || d.Code != asl.CodeSchema {
		t.Errorf("diagnostic %+v", d)
	}
	_, err = asl.TestState(ctx, asl.TestStateRequest{Definition: []byte(`{"Type": "Pass", "End": tru}`)})
	if !errors.As(err, &verr) || verr.Diagnostics[0].Code != asl.CodeInvalidJSON || verr.Diagnostics[0].Pos.Line != 1 {
		t.Errorf("bad JSON: %v", err)
	}
	_, err = asl.TestState(ctx, asl.TestStateRequest{Definition: []byte(`{"Type": "Pass"}`)})
	if !errors.As(err, &verr) {
		t.Errorf("neither Next nor End: %v", err)
	}
	for _, def := range []string{
		`{"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}], "End": true}`,
		`{"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, "End": true}`,
	} {
		if _, err := asl.TestState(ctx, asl.TestStateRequest{Definition: []byte(def)}); err == nil || !strings.Contains(err.Error(), "not support") {
			t.Errorf("%s: %v", def, err)
		}
	}
	if _, err := asl.TestState(ctx, asl.TestStateRequest{Definition: []byte(`{"Type": "Task", "Resource": "baton:shell", "End": true}`)}); err == nil {
		t.Error("a Task state without RunTask ran")
	}
}
