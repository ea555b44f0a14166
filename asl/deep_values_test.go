package asl_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

// TestDeepValues: values nested deeper than the snapshot can hold (5,000
// levels; encoding/json refuses 10,000) fail the state, however they are
// built. Before, a JSONata Output 40,000 levels deep succeeded, the
// execution's snapshot could not be written, and after a restart the
// execution could not be loaded ("database damaged").
func TestDeepValues(t *testing.T) {
	nest := func(expr string, n string) string {
		return "{% $reduce([1.." + n + "], function($a, $i){ " + expr + " }, {}) %}"
	}
	waitThenEnd := map[string]any{"Type": "Wait", "Seconds": 5, "End": true}
	cases := []struct {
		name    string
		def     map[string]any
		input   any
		errName string // "" when it must reach the Wait and survive a snapshot
	}{
		{"JSONata Output just under the limit", map[string]any{"QueryLanguage": "JSONata", "StartAt": "P", "States": map[string]any{
			"P": map[string]any{"Type": "Pass", "Output": nest(`{"a": $a}`, "4990"), "Next": "W"}, "W": waitThenEnd}}, map[string]any{}, ""},
		{"JSONata Output", map[string]any{"QueryLanguage": "JSONata", "StartAt": "P", "States": map[string]any{
			"P": map[string]any{"Type": "Pass", "Output": nest(`{"a": $a}`, "6000"), "Next": "W"}, "W": waitThenEnd}}, map[string]any{}, asl.ErrQueryEvaluationError},
		{"JSONata Assign", map[string]any{"QueryLanguage": "JSONata", "StartAt": "P", "States": map[string]any{
			"P": map[string]any{"Type": "Pass", "Assign": map[string]any{"v": nest(`{"b": $a}`, "6000")}, "Next": "W"}, "W": waitThenEnd}}, map[string]any{}, asl.ErrQueryEvaluationError},
		{"JSONPath Parameters wrapping the input in a loop", map[string]any{"StartAt": "Init", "States": map[string]any{
			"Init": map[string]any{"Type": "Pass", "Assign": map[string]any{"n": 0}, "Next": "Wrap"},
			"Wrap": map[string]any{"Type": "Pass", "Parameters": map[string]any{"a.$": "$"}, "Assign": map[string]any{"n.$": "States.MathAdd($n, 1)"}, "Next": "Loop"},
			"Loop": map[string]any{"Type": "Choice", "Choices": []any{map[string]any{"Variable": "$n", "NumericGreaterThan": 20, "Next": "W"}}, "Default": "Wrap"},
			"W":    waitThenEnd}}, deepInput(4990), asl.ErrDataLimitExceeded},
		{"JSONPath Assign wrapping a variable in a loop", map[string]any{"StartAt": "Init", "States": map[string]any{
			"Init": map[string]any{"Type": "Pass", "Assign": map[string]any{"n": 0, "v.$": "$"}, "Next": "Wrap"},
			"Wrap": map[string]any{"Type": "Pass", "Assign": map[string]any{"v": map[string]any{"a.$": "$v"}, "n.$": "States.MathAdd($n, 1)"}, "Next": "Loop"},
			"Loop": map[string]any{"Type": "Choice", "Choices": []any{map[string]any{"Variable": "$n", "NumericGreaterThan": 20, "Next": "W"}}, "Default": "Wrap"},
			"W":    waitThenEnd}}, deepInput(4990), asl.ErrDataLimitExceeded},
		{"ResultPath wrapping a deep input", map[string]any{"StartAt": "P", "States": map[string]any{
			"P": map[string]any{"Type": "Pass", "ResultPath": "$" + strings.Repeat(".b", 900), "Next": "W"}, "W": waitThenEnd}},
			deepInput(4500), asl.ErrDataLimitExceeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, _ := json.Marshal(c.def)
			d, err := asl.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			m, err := asl.Compile(d, asl.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out asl.Output
			x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: c.input}, t0, &out)
			if c.errName != "" {
				if x.Status != asl.StatusFailed || x.Error != c.errName || !strings.Contains(x.Cause, "5000 levels") {
					t.Fatalf("want %s naming the limit, got %s %s: %.300s", c.errName, x.Status, x.Error, x.Cause)
				}
				return
			}
			if x.Status != asl.StatusRunning {
				t.Fatalf("want it waiting, got %s %s: %.300s", x.Status, x.Error, x.Cause)
			}
			snap, err := asl.MarshalExecution(x)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := asl.UnmarshalExecution(snap); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// deepInput is {"a": {"a": ... 1}} n levels deep.
func deepInput(n int) any {
	var v any = 1
	for range n {
		v = map[string]any{"a": v}
	}
	return v
}

// TestParseJSONDepth: an execution's input, a task's result or a string for
// States.StringToJson nested deeper than 5,000 levels is refused as it is
// parsed, with the limit in the message.
func TestParseJSONDepth(t *testing.T) {
	for _, c := range []struct {
		n  int
		ok bool
	}{{5000, true}, {5001, false}, {9999, false}} {
		_, err := asl.ParseJSON([]byte(strings.Repeat("[", c.n) + strings.Repeat("]", c.n)))
		if (err == nil) != c.ok || (err != nil && !strings.Contains(err.Error(), "5000 levels")) {
			t.Errorf("%d levels: %v", c.n, err)
		}
	}
}
