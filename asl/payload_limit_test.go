package asl_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
)

// zzRun compiles src with a small payload limit, runs it on input (no tasks
// expected) and returns the finished execution and the size of its output.
func zzRunLimit(t *testing.T, src string, input string, limit int) (*asl.Execution, int) {
	t.Helper()
	def, err := asl.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Compile(def, asl.Options{Rand: func() float64 { return 0.5 }, MaxPayloadBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	in, err := asl.ParseJSON([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	var out asl.Output
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: in}, t0, &out)
	if !x.Done() {
		t.Fatalf("execution still running")
	}
	return x, len(asl.MarshalJSON(x.Output))
}

func zzWantDataLimit(t *testing.T, x *asl.Execution, size, limit int) {
	t.Helper()
	if x.Status != asl.StatusFailed || x.Error != asl.ErrDataLimitExceeded {
		t.Errorf("status %s error %q: a state output of %d bytes passed a %d-byte payload limit", x.Status, x.Error, size, limit)
	}
}

// Pass with a purely static Parameters template: mayGrow is false, so the
// bound used is the (tiny) input size although the output is the template.
func TestPayloadStaticParameters(t *testing.T) {
	big := strings.Repeat("x", 2000)
	src := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"s":"` + big + `"},"End":true}}}`
	x, n := zzRunLimit(t, src, `{}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// InputPath reading the context object: the effective input is not a part of
// the state's input, yet Parameters' bound is computed from InSize.
func TestPayloadInputPathContext(t *testing.T) {
	src := `{"StartAt":"Clear","States":{
 "Clear":{"Type":"Pass","Result":{},"Next":"Dup"},
 "Dup":{"Type":"Pass","InputPath":"$$.Execution.Input","Parameters":{"a.$":"$","b.$":"$"},"End":true}}}`
	x, n := zzRunLimit(t, src, `{"big":"`+strings.Repeat("x", 600)+`"}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// Same with a variable as InputPath.
func TestPayloadInputPathVariable(t *testing.T) {
	src := `{"StartAt":"Keep","States":{
 "Keep":{"Type":"Pass","Assign":{"v.$":"$"},"Next":"Clear"},
 "Clear":{"Type":"Pass","Result":{},"Next":"Dup"},
 "Dup":{"Type":"Pass","InputPath":"$v","Parameters":{"a.$":"$","b.$":"$"},"End":true}}}`
	x, n := zzRunLimit(t, src, `{"big":"`+strings.Repeat("x", 600)+`"}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// A union with repeated indexes selects the same value many times: the
// Parameters bound counts one copy of the input per path.
func TestPayloadUnionRepeats(t *testing.T) {
	src := `{"StartAt":"Dup","States":{
 "Dup":{"Type":"Pass","Parameters":{"a.$":"$.arr[0,0,0,0,0]"},"End":true}}}`
	x, n := zzRunLimit(t, src, `{"arr":["`+strings.Repeat("x", 300)+`"]}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// Recursive descent repeats nested values once per depth level.
func TestPayloadDescent(t *testing.T) {
	src := `{"StartAt":"Dup","States":{
 "Dup":{"Type":"Pass","Parameters":{"a.$":"$..*"},"End":true}}}`
	x, n := zzRunLimit(t, src, `{"a":{"b":{"c":{"d":{"e":"`+strings.Repeat("x", 300)+`"}}}}}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// Succeed/Choice/Wait outputs are never checked ("a selection from the
// input"), but OutputPath can select from the context object or repeat values.
func TestPayloadSucceedOutputPathDescent(t *testing.T) {
	src := `{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$..*"}}}`
	x, n := zzRunLimit(t, src, `{"a":{"b":{"c":{"d":{"e":"`+strings.Repeat("x", 300)+`"}}}}}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}

// Pass without Parameters/Result (mayGrow false) with a growing InputPath.
func TestPayloadPassInputPathDescent(t *testing.T) {
	src := `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$..*","End":true}}}`
	x, n := zzRunLimit(t, src, `{"a":{"b":{"c":{"d":{"e":"`+strings.Repeat("x", 300)+`"}}}}}`, 1000)
	zzWantDataLimit(t, x, n, 1000)
}
