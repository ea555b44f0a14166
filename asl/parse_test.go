package asl

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// treeSource exercises every kind of field the tree holds.
const treeSource = `{
  "Comment": "tree",
  "StartAt": "Task",
  "TimeoutSeconds": 600,
  "States": {
    "Task": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "InputPath": null,
      "ResultPath": "$.r",
      "Parameters": {"n": 1, "f": 2.5, "big": 123456789012345678901234567890, "p.$": "$.x", "l": [true, null]},
      "ResultSelector": {"s.$": "$.Payload"},
      "TimeoutSeconds": 30,
      "HeartbeatSecondsPath": "$.hb",
      "Credentials": {"RoleArn": "arn:aws:iam::1:role/r"},
      "Assign": {"v": 1, "w.$": "$.w"},
      "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 2, "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 9, "JitterStrategy": "FULL", "Comment": "c"}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": null, "Assign": {"e.$": "$.Error"}, "Next": "Choose"}],
      "Next": "Choose"
    },
    "Choose": {
      "Type": "Choice",
      "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 3, "Assign": {"big": true}, "Next": "P"},
        {"And": [{"Variable": "$.s", "StringEqualsPath": "$.t"}, {"Not": {"Variable": "$.b", "IsPresent": true}}], "Next": "P"}
      ],
      "Default": "P"
    },
    "P": {
      "Type": "Parallel",
      "Branches": [{"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Result": [1], "End": true}}}],
      "Next": "M"
    },
    "M": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "Parameters": {"i.$": "$$.Map.Item.Index"},
      "Iterator": {"StartAt": "Each", "States": {"Each": {"Type": "Wait", "Seconds": 0, "End": true}}},
      "MaxConcurrency": 2,
      "ToleratedFailurePercentage": 12.5,
      "Next": "Done"
    },
    "Done": {"Type": "Fail", "Error": "E", "CausePath": "$.c"}
  }
}`

func mustParse(t *testing.T, src string) *Definition {
	t.Helper()
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

func TestParseTree(t *testing.T) {
	d := mustParse(t, treeSource)
	if d.Comment != "tree" || d.StartAt != "Task" || *d.TimeoutSeconds != 600 || d.QueryLanguage != "JSONPath" || d.Pointer != "" {
		t.Errorf("top level = %+v", d)
	}
	if want := []string{"Task", "Choose", "P", "M", "Done"}; !reflect.DeepEqual(d.StateOrder, want) {
		t.Errorf("StateOrder = %v, want %v", d.StateOrder, want)
	}

	task := d.States["Task"]
	if task.Name != "Task" || task.Type != "Task" || task.Pointer != "/States/Task" || task.Next != "Choose" || task.End {
		t.Errorf("task = %+v", task)
	}
	if task.InputPath != (OptPath{Set: true, Null: true}) || task.ResultPath != (OptPath{Set: true, Value: "$.r"}) || task.OutputPath != (OptPath{}) {
		t.Errorf("paths = %+v %+v %+v", task.InputPath, task.ResultPath, task.OutputPath)
	}
	wantParams := map[string]any{"n": int64(1), "f": 2.5, "big": json.Number("123456789012345678901234567890"), "p.$": "$.x", "l": []any{true, nil}}
	if !task.HasParameters || !reflect.DeepEqual(task.Parameters, wantParams) {
		t.Errorf("Parameters = %#v", task.Parameters)
	}
	if !task.HasResultSel || !reflect.DeepEqual(task.ResultSelector, map[string]any{"s.$": "$.Payload"}) {
		t.Errorf("ResultSelector = %#v", task.ResultSelector)
	}
	if *task.TimeoutSeconds != 30 || task.HeartbeatSeconds != nil || task.HeartbeatSecondsPath != "$.hb" {
		t.Errorf("timeouts = %v %v %q", task.TimeoutSeconds, task.HeartbeatSeconds, task.HeartbeatSecondsPath)
	}
	if !reflect.DeepEqual(task.Credentials, map[string]any{"RoleArn": "arn:aws:iam::1:role/r"}) {
		t.Errorf("Credentials = %#v", task.Credentials)
	}
	if !reflect.DeepEqual(task.Assign, map[string]any{"v": int64(1), "w.$": "$.w"}) {
		t.Errorf("Assign = %#v", task.Assign)
	}
	r := task.Retry[0]
	if r.Pointer != "/States/Task/Retry/0" || !reflect.DeepEqual(r.ErrorEquals, []string{"E"}) || *r.IntervalSeconds != 2 ||
		*r.MaxAttempts != 0 || *r.BackoffRate != 1.5 || *r.MaxDelaySeconds != 9 || r.JitterStrategy != "FULL" || r.Comment != "c" {
		t.Errorf("retrier = %+v", r)
	}
	c := task.Catch[0]
	if c.Pointer != "/States/Task/Catch/0" || c.Next != "Choose" || c.ResultPath != (OptPath{Set: true, Null: true}) || c.Assign["e.$"] != "$.Error" {
		t.Errorf("catcher = %+v", c)
	}

	choose := d.States["Choose"]
	r0, r1 := choose.Choices[0], choose.Choices[1]
	if r0.Variable != "$.n" || r0.Operator != "NumericGreaterThan" || r0.Value != int64(3) || r0.Next != "P" || r0.Assign["big"] != true {
		t.Errorf("rule 0 = %+v", r0)
	}
	if r1.Operator != "And" || len(r1.And) != 2 || r1.And[0].Operator != "StringEqualsPath" || r1.And[0].Value != "$.t" ||
		r1.And[1].Operator != "Not" || r1.And[1].Not.Operator != "IsPresent" || r1.And[1].Not.Value != true ||
		r1.And[1].Not.Pointer != "/States/Choose/Choices/1/And/1/Not" {
		t.Errorf("rule 1 = %+v", r1)
	}
	if choose.Default != "P" {
		t.Errorf("Default = %q", choose.Default)
	}

	p := d.States["P"]
	b := p.Branches[0]
	if b.Pointer != "/States/P/Branches/0" || b.StartAt != "Inner" || b.Source != d.Source || b.QueryLanguage != "JSONPath" {
		t.Errorf("branch = %+v", b)
	}
	if inner := b.States["Inner"]; inner.Pointer != "/States/P/Branches/0/States/Inner" || !inner.HasResult || !reflect.DeepEqual(inner.Result, []any{int64(1)}) {
		t.Errorf("inner = %+v", inner)
	}

	m := d.States["M"]
	if m.ItemProcessor == nil || m.ItemProcessor.Pointer != "/States/M/Iterator" || m.ProcessorMode != "INLINE" {
		t.Errorf("processor = %+v, mode %q", m.ItemProcessor, m.ProcessorMode)
	}
	if !m.HasItemSelector || !m.LegacyParameters || m.HasParameters || !reflect.DeepEqual(m.ItemSelector, map[string]any{"i.$": "$$.Map.Item.Index"}) {
		t.Errorf("item selector = %#v legacy %v", m.ItemSelector, m.LegacyParameters)
	}
	if m.ItemsPath.Value != "$.items" || *m.MaxConcurrency != 2 || *m.ToleratedFailurePercentage != 12.5 {
		t.Errorf("map = %+v", m)
	}
	if each := m.ItemProcessor.States["Each"]; *each.Seconds != 0 || !each.End {
		t.Errorf("each = %+v", each)
	}
	if done := d.States["Done"]; done.Error != "E" || done.CausePath != "$.c" {
		t.Errorf("done = %+v", done)
	}
}

func TestParseSourceMap(t *testing.T) {
	d := mustParse(t, treeSource)
	tests := map[string]Pos{
		"":                                      {1, 1},
		"/StartAt":                              {3, 14},
		"/States/Task":                          {6, 13},
		"/States/Task/Next":                     {19, 15},
		"/States/Task/Parameters/l/1":           {11, 105},
		"/States/P/Branches/0/States/Inner/End": {31, 100},
		"/States/Task/NoSuchField":              {6, 13}, // the nearest ancestor
	}
	for ptr, want := range tests {
		if got := d.Source.Lookup(ptr); got != want {
			t.Errorf("Lookup(%q) = %v, want %v", ptr, got, want)
		}
	}
}

// clearSource removes the source maps, which differ between formats.
func clearSource(d *Definition) {
	d.Source = nil
	for _, st := range d.States {
		for _, b := range st.Branches {
			clearSource(b)
		}
		if st.ItemProcessor != nil {
			clearSource(st.ItemProcessor)
		}
	}
}

func TestParseYAMLMatchesJSON(t *testing.T) {
	yamlSource := `
Comment: tree
StartAt: Task
TimeoutSeconds: 600
States:
  Task:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    InputPath: null
    ResultPath: $.r
    Parameters: {n: 1, f: 2.5, big: 123456789012345678901234567890, p.$: $.x, l: [true, null]}
    ResultSelector: {s.$: $.Payload}
    TimeoutSeconds: 30
    HeartbeatSecondsPath: $.hb
    Credentials: {RoleArn: "arn:aws:iam::1:role/r"}
    Assign: {v: 1, w.$: $.w}
    Retry:
      - {ErrorEquals: [E], IntervalSeconds: 2, MaxAttempts: 0, BackoffRate: 1.5, MaxDelaySeconds: 9, JitterStrategy: FULL, Comment: c}
    Catch:
      - ErrorEquals: [States.ALL]
        ResultPath: ~
        Assign: {e.$: $.Error}
        Next: Choose
    Next: Choose
  Choose:
    Type: Choice
    Choices:
      - {Variable: $.n, NumericGreaterThan: 3, Assign: {big: true}, Next: P}
      - And:
          - {Variable: $.s, StringEqualsPath: $.t}
          - Not: {Variable: $.b, IsPresent: true}
        Next: P
    Default: P
  P:
    Type: Parallel
    Branches:
      - StartAt: Inner
        States:
          Inner: {Type: Pass, Result: [1], End: true}
    Next: M
  M:
    Type: Map
    ItemsPath: $.items
    Parameters: {i.$: $$.Map.Item.Index}
    Iterator:
      StartAt: Each
      States:
        Each: {Type: Wait, Seconds: 0, End: true}
    MaxConcurrency: 2
    ToleratedFailurePercentage: 12.5
    Next: Done
  Done: {Type: Fail, Error: E, CausePath: $.c}
`
	fromJSON := mustParse(t, treeSource)
	fromYAML := mustParse(t, yamlSource)
	if fromYAML.Source.Lookup("/States/Task/Next") != (Pos{24, 11}) {
		t.Errorf("YAML position of /States/Task/Next = %v", fromYAML.Source.Lookup("/States/Task/Next"))
	}
	clearSource(fromJSON)
	clearSource(fromYAML)
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		a, _ := json.MarshalIndent(fromJSON, "", " ")
		b, _ := json.MarshalIndent(fromYAML, "", " ")
		t.Errorf("YAML tree differs from JSON tree:\nJSON: %s\nYAML: %s", a, b)
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte("StartAt: A\nStates:\n  A: {Type: Succeed}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := ParseFile(good); err != nil || d.States["A"].Type != "Succeed" {
		t.Errorf("ParseFile(good) = %v, %v", d, err)
	}
	_, err := ParseFile(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Diagnostics) != 2 {
		t.Fatalf("ParseFile(bad) = %v, want two diagnostics", err)
	}
	want := []string{
		bad + ":1:28: Workflow has no terminal state (/States)",
		bad + ":1:34: A state of type Pass must have either 'Next' or 'End': true (/States/A)",
	}
	for i, d := range ve.Diagnostics {
		if d.File != bad || d.String() != want[i] {
			t.Errorf("diagnostic %d = %q, want %q", i, d.String(), want[i])
		}
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.json")); err == nil || errors.As(err, &ve) {
		t.Errorf("ParseFile(missing) = %v, want a file system error", err)
	}
}

func TestParseErrorListsEverything(t *testing.T) {
	_, err := Parse([]byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "Bad": 1}, "C": {"Type": "Wait"}}}`))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse = %v, want a *ValidationError", err)
	}
	var codes []string
	for _, d := range ve.Diagnostics {
		codes = append(codes, d.Code)
	}
	want := []string{CodeMissingEndState, CodeMissingTarget, CodeSchema, CodeMissingTarget, CodeSchema, CodeSchema}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("codes = %v, want %v\n%v", codes, want, err)
	}
	if !strings.HasPrefix(err.Error(), "invalid state machine definition:\n1:") {
		t.Errorf("Error() = %q", err.Error())
	}
}
