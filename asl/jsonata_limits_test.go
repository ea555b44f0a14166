package asl_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
)

// TestJSONataLimits runs hostile JSONata expressions (the reproductions of
// issue 8) with the default limits: each must fail fast with
// States.QueryEvaluationError and a cause that names the limit and the flag,
// where before they ran for minutes or took gigabytes. The memory cases run
// with a 16 MiB budget and no effective time limit, so that the budget is
// what stops them.
func TestJSONataLimits(t *testing.T) {
	// $b is a 1 MiB string, built by doubling: cheap, and within the budget.
	const big = `$d := function($s, $n){ $n = 0 ? $s : $d($s & $s, $n - 1) }; $b := $d("x", 20); `
	cases := []struct {
		name, expr string
		want       string // "" for success
	}{
		{"exponential recursion", `($f := function($n){ $n > 26 ? 1 : $f($n+1) + $f($n+1) }; $f(0))`, "--jsonata-timeout"},
		{"exponential recursion through $map", `($f := function($n){ $n = 0 ? 1 : $sum($map([1, 2, 3], function(){ $f($n - 1) })) }; $f(30))`, "--jsonata-timeout"},
		{"string doubled 30 times", `(` + big + `$d("xxxxxxxx", 30))`, "--jsonata-max-bytes"},
		{"string doubled by $reduce", `$reduce([1..40], function($a, $i){ $a & $a }, "x")`, "--jsonata-max-bytes"},
		{"$join of a shared string", `(` + big + `$join($map([1..100000], function(){ $b })))`, "--jsonata-max-bytes"},
		{"$string of a shared string", `(` + big + `$string($map([1..100000], function(){ $b })))`, "--jsonata-max-bytes"},
		{"& of an array", `(` + big + `$map([1..100000], function(){ $b }) & "")`, "--jsonata-max-bytes"},
		{"$pad with a long pad", `(` + big + `$pad("", 10000, $b))`, "--jsonata-max-bytes"},
		{"$replace with a long replacement", `(` + big + `$replace($substring($b, 0, 100000), "x", $b))`, "--jsonata-max-bytes"},
		{"$replace regex with a long replacement", `(` + big + `$replace($substring($b, 0, 100000), /x/, $b))`, "--jsonata-max-bytes"},
		{"nested ranges", `[1..5000000].[1..5000000]`, "--jsonata-max-bytes"},
		{"objects over a range", `(` + big + `[1..9000000].{"a": $b})`, "--jsonata-max-bytes"},
		{"grouped objects over a range", `(` + big + `[1..2000000]{ $string($): $b })`, "--jsonata-max-bytes"},
		{"transforms of a large value", `(` + big + `$v := {"a": $b}; $reduce([1..1000], function($acc, $i){ $v.($ ~> | a | {"n": $i} |) }, 0))`, "--jsonata-max-bytes"},
		{"tuples of a path with a position binding", `($x := $map([1..1000], function($i){ $i }); $count($x#$i.$x#$j.$x))`, "--jsonata-max-bytes"},
		{"an ordinary expression", `$sum([1..100000]) & "/" & $length($join($map([1..1000], function($i){ $string($i) })))`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			def := map[string]any{"QueryLanguage": "JSONata", "StartAt": "P",
				"States": map[string]any{"P": map[string]any{"Type": "Pass", "Output": "{% " + c.expr + " %}", "End": true}}}
			opts := asl.Options{MaxPayloadBytes: -1}
			errName := ""
			if c.want != "" {
				errName = asl.ErrQueryEvaluationError
			}
			if c.want == "--jsonata-max-bytes" {
				// The memory limit must be what stops these, also under
				// the race detector, which makes them ten times slower.
				opts.JSONataTimeout, opts.JSONataMaxBytes = time.Minute, 16<<20
			}
			runLimited(t, def, opts, map[string]any{}, errName, c.want)
		})
	}
}

// TestIntrinsicLimits: intrinsic functions that build strings are bounded by
// the payload limit before they build them. Nested States.Array calls share
// one value 10^6 times in a few hundred bytes of definition; its text would
// be gigabytes.
func TestIntrinsicLimits(t *testing.T) {
	arr := func(inner string) string { return "States.Array(" + strings.Repeat(inner+",", 9) + inner + ")" }
	fanout := arr(arr(arr("$.s"))) // 1,000 times a 10 KB string
	cases := []struct {
		name, call string
		fail       bool
	}{
		{"JsonToString of a shared value", "States.JsonToString(" + fanout + ")", true},
		{"Format of a shared value", "States.Format('{}', " + fanout + ")", true},
		{"Format of many arguments", "States.Format('" + strings.Repeat("{}", 100) + "'" + strings.Repeat(", $.s", 100) + ")", true},
		{"ordinary", "States.Format('{} and {}', States.JsonToString(States.Array($.s, 1)), $.s)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := map[string]any{"StartAt": "P", "States": map[string]any{"P": map[string]any{
				"Type": "Pass", "Parameters": map[string]any{"v.$": c.call}, "End": true}}}
			errName := ""
			if c.fail {
				errName = asl.ErrRuntime
			}
			runLimited(t, def, asl.Options{}, map[string]any{"s": strings.Repeat("x", 10000)}, errName, "--max-payload-bytes")
		})
	}
}

// runLimited runs def (a definition as Go values) to its end on input and
// checks the outcome: success when errName is "", else a failure with
// errName whose cause names flag. It must end within seconds.
func runLimited(t *testing.T, def map[string]any, opts asl.Options, input any, errName, flag string) {
	t.Helper()
	src, _ := json.Marshal(def)
	d, err := asl.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Compile(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out asl.Output
	start := time.Now()
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: input}, t0, &out)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("took %s", took)
	}
	if errName == "" {
		if x.Status != asl.StatusSucceeded {
			t.Fatalf("%s %s: %s", x.Status, x.Error, x.Cause)
		}
		return
	}
	if x.Status != asl.StatusFailed || x.Error != errName || !strings.Contains(x.Cause, flag) {
		t.Fatalf("want %s naming %s, got %s %s: %.300s", errName, flag, x.Status, x.Error, x.Cause)
	}
}

// TestSlowJSONataAsksInterrupt: a transition after a slow JSONata
// evaluation asks Options.Interrupt at once, not after 1,024 transitions:
// a loop of expressions of up to a second each would hold the caller
// (the engine's step-time guard) for many minutes.
func TestSlowJSONataAsksInterrupt(t *testing.T) {
	def := map[string]any{"QueryLanguage": "JSONata", "StartAt": "Slow", "States": map[string]any{
		"Slow": map[string]any{"Type": "Pass", "Output": "{% $count($map([1..300000], function($i){ $i * 2 })) %}", "Next": "Again"},
		"Again": map[string]any{"Type": "Choice", "Default": "Slow",
			"Choices": []any{map[string]any{"Condition": "{% false %}", "Next": "Done"}}},
		"Done": map[string]any{"Type": "Succeed"},
	}}
	src, _ := json.Marshal(def)
	d, err := asl.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	// The evaluation's own time limit is lifted: on a loaded machine the
	// 300,000 items may take longer than its 1 s default, which is not
	// what this test is about.
	opts := asl.Options{MaxHistoryEvents: 200, Interrupt: func() bool { calls++; return true }, Limits: asl.Limits{JSONataTimeout: time.Minute}}
	m, err := asl.Compile(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out asl.Output
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: map[string]any{}}, t0, &out)
	if !x.Interrupted() || calls != 1 || x.LastEvent > 10 {
		t.Fatalf("interrupted %v after %d events, %d calls (status %s %s)", x.Interrupted(), x.LastEvent, calls, x.Status, x.Cause)
	}
}
