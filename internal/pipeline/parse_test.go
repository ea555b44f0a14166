package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// diagnosticsOf parses src and returns its diagnostics as strings.
func diagnosticsOf(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse([]byte(src))
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse returned %T: %v", err, err)
	}
	out := make([]string, len(ve.Diagnostics))
	for i, d := range ve.Diagnostics {
		out[i] = d.String()
	}
	return out
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"1h30m", 90 * time.Minute, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{int64(30), 30 * time.Second, true},
		{"500ms", 0, false},
		{"1.5s", 0, false},
		{"0s", 0, false},
		{"-5m", 0, false},
		{"soon", 0, false},
		{int64(0), 0, false},
		{1.5, 0, false},
		{"99999999999d", 0, false},
	} {
		got, err := parseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDuration(%v) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSplitTemplate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		parts string // text|{expr}|...
		err   bool
	}{
		{"plain", "plain", false},
		{"{% $x %}", "{$x}", false},
		{"s3://b/{% $input.day %}/f", "s3://b/|{$input.day}|/f", false},
		{"{% '%}' & 'a' %}", "{'%}' & 'a'}", false},
		{"{% /* %} */ 1 %}", "{/* %} */ 1}", false},
		{"{% 1", "", true},
		{"a {% 1 %} b {% 2 %}", "a |{1}| b |{2}", false},
	} {
		parts, err := splitTemplate(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("splitTemplate(%q) error %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		var got []string
		for _, p := range parts {
			if p.expr {
				got = append(got, "{"+p.text+"}")
			} else {
				got = append(got, p.text)
			}
		}
		if g := strings.Join(got, "|"); g != tc.parts {
			t.Errorf("splitTemplate(%q) = %q, want %q", tc.in, g, tc.parts)
		}
	}
}

// TestChecks pins one check per row: the file, and a piece of the one
// diagnostic it must give ("" when the file is valid).
func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"minimal", "name: a\nsteps: [{name: s, command: [echo]}]\n", ""},
		{"no steps nor body", "name: a\n", "1:1: A pipeline needs steps"},
		{"shell type implied by script", "name: a\nsteps: [{name: s, script: echo}]\n", ""},
		{"shell only with script", "name: a\nsteps: [{name: s, command: [echo], shell: bash}]\n", "chooses what runs a script"},
		{"depends_on as one string", "name: a\nsteps: [{name: s, command: [x]}, {name: t, depends_on: s, command: [x]}]\n", ""},
		{"transitive upstream", "name: a\nsteps: [{name: s, command: [x]}, {name: t, depends_on: s, command: [x]}, {name: u, depends_on: t, command: [\"{% $steps.s.output %}\"]}]\n", ""},
		{"handler reads any step", "name: a\nsteps: [{name: s, command: [x]}]\nhandlers: {on_exit: [{name: h, command: [\"{% $steps.s.status %}\"]}]}\n", ""},
		{"handlers ordered in their list", "name: a\nsteps: [{name: s, command: [x]}]\nhandlers: {on_failure: [{name: h, command: [x]}, {name: i, depends_on: [h], command: [x]}]}\n", ""},
		{"step reads a handler", "name: a\nsteps: [{name: s, command: [\"{% $steps.h.output %}\"]}]\nhandlers: {on_exit: [{name: h, command: [x]}]}\n", "a handler, which runs after the DAG"},
		{"max_concurrency without for_each", "name: a\nsteps: [{name: s, max_concurrency: 2, command: [x]}]\n", "which this step does not have"},
		{"for_each literal with item", "name: a\nsteps: [{name: s, for_each: [a, b], command: [echo, \"{% $item %}\"]}]\n", ""},
		{"on_limit without max_active_runs", "name: a\non_limit: skip\nsteps: [{name: s, command: [x]}]\n", "max_active_runs, which is not set"},
		{"static field with expression", "name: a\nsteps: [{name: s, type: sql, connection: \"{% $input.c %}\", query: x}]\n", "cannot hold an expression"},
		{"param default type", "name: a\nparams: {n: {type: integer, default: 3}, b: {type: boolean, default: true, enum: [true]}}\nsteps: [{name: s, command: [x]}]\n", ""},
		{"param enum default", "name: a\nparams: {c: {type: string, default: red, enum: [green, blue]}}\nsteps: [{name: s, command: [x]}]\n", "not one of the param's enum values"},
		{"retry on alone", "name: a\ndefaults: {retry: {on: States.ALL}}\nsteps: [{name: s, command: [x]}]\n", ""},
		{"body escapes the project", "name: a\nbody: ../x.asl.json\n", "inside the project"},
		{"cron needs one ?", "name: a\ntrigger: {schedule: {cron: \"cron(0 3 * * * *)\"}}\nsteps: [{name: s, command: [x]}]\n", "must be '?'"},
		{"cron characters", "name: a\ntrigger: {schedule: {cron: \"0 3 * * $\"}}\nsteps: [{name: s, command: [x]}]\n", "'$' is not a value"},
		{"cron range", "name: a\ntrigger: {schedule: {cron: \"cron(0 25 * * ? *)\"}}\nsteps: [{name: s, command: [x]}]\n", "25 is out of range: use 0-23"},
		{"rate singular", "name: a\ntrigger: {schedule: {cron: rate(1 minutes)}}\nsteps: [{name: s, command: [x]}]\n", "with 1 the unit is singular"},
		{"schedule day and weekday", "name: a\ntrigger: {schedule: {day: 13, weekday: 5}}\nsteps: [{name: s, command: [x]}]\n", "day or weekday, not both"},
		{"schedule rate", "name: a\ntrigger: {schedule: {cron: rate(5 minutes)}}\nsteps: [{name: s, command: [x]}]\n", ""},
		{"schedule five fields", "name: a\ntrigger: {schedule: [{cron: \"0 3 * * *\"}, {hour: 3, minute: 30}]}\nsteps: [{name: s, command: [x]}]\n", ""},
		{"schedule ends before start", "name: a\ntrigger: {schedule: {hour: 1, start: \"2026-02-01T00:00:00Z\", end: \"2026-01-01T00:00:00Z\"}}\nsteps: [{name: s, command: [x]}]\n", "ends before it starts"},
		{"data trigger relative dir", "name: a\ntrigger: {data: [{path: \"file://landing/*.csv\"}]}\nsteps: [{name: s, command: [x]}]\n", "watches an absolute directory"},
		{"data trigger s3 without connection", "name: a\ntrigger: {data: [{path: \"s3://landing/*.csv\"}]}\nsteps: [{name: s, command: [x]}]\n", "add connection: NAME"},
		{"data trigger wildcard dir", "name: a\ntrigger: {data: [{path: \"file:///srv/*/x.csv\"}]}\nsteps: [{name: s, command: [x]}]\n", "Only the last segment"},
		{"data trigger ends with slash", "name: a\ntrigger: {data: [{path: \"s3://landing/sales/\", connection: lake}]}\nsteps: [{name: s, command: [x]}]\n", "ends with /"},
		{"data trigger", "name: a\ntrigger: {data: [{path: \"s3://landing/sales/*.csv\", connection: lake, batch: {size: 2, window: 1m}}, {path: \"file:///srv/in/*\"}]}\nsteps: [{name: s, command: [x]}]\n", ""},
		{"not a mapping", "- a\n- b\n", "The pipeline file must be a mapping"},
		{"http relative url with connection", "name: a\nsteps: [{name: s, type: http, connection: api, url: /refresh}]\n", ""},
		{"workflow arn", "name: a\nsteps: [{name: s, type: workflow, workflow: \"arn:aws:states:us-east-1:123456789012:stateMachine:x\"}]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := diagnosticsOf(t, tc.src)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Fatalf("want valid, got:\n%s", strings.Join(got, "\n"))
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("want one diagnostic containing %q, got:\n%s", tc.want, strings.Join(got, "\n"))
			}
		})
	}
}

// TestParseDir reads a project directory: pipeline.yaml at its top, the
// body file and SQL files beside it; diagnostics carry the file names.
func TestParseDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ParseDir(dir); err == nil || !strings.Contains(err.Error(), "has no pipeline.yaml") {
		t.Fatalf("ParseDir of an empty directory: %v", err)
	}
	write("pipeline.yaml", "name: p\nsteps: [{name: load, type: sql, connection: w, file: sql/load.sql}]\n")
	_, err := ParseDir(dir)
	if err == nil || !strings.Contains(err.Error(), "pipeline.yaml:2:") || !strings.Contains(err.Error(), "sql/load.sql cannot be read") {
		t.Fatalf("missing SQL file: %v", err)
	}
	write("sql/load.sql", "SELECT 1")
	if _, err := ParseDir(dir); err != nil {
		t.Fatal(err)
	}
	write("pipeline.yaml", "name: p\nbody: flow.asl.json\n")
	write("flow.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}`)
	_, err = ParseDir(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "flow.asl.json")+":1:") {
		t.Fatalf("invalid body file: %v", err)
	}
	write("flow.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	pl, err := ParseDir(dir)
	if err != nil || pl.Body == nil || pl.Body.Definition == nil || pl.Body.File != "flow.asl.json" {
		t.Fatalf("valid body file: %+v, %v", pl, err)
	}
}

// generatedDAG is a pipeline of n steps in chains of 10 that fan out and
// in, each reading its upstream's output: the shape of the 10,000-step
// benchmark of issue 9.
func generatedDAG(n int) string {
	var b strings.Builder
	b.WriteString("name: big\nsteps:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: s%d\n    command: [echo, \"{%% $steps.s%d.output %%}\"]\n", i, max(i-1, 0))
		switch {
		case i == 0:
			b.WriteString("    command: [echo]\n")
		case i%10 == 0:
			fmt.Fprintf(&b, "    depends_on: [s%d, s%d]\n", i-1, i/2)
		default:
			fmt.Fprintf(&b, "    depends_on: [s%d]\n", i-1)
		}
	}
	return b.String()
}

// TestLargeDAG validates a generated 10,000-step DAG within a time budget
// (the target is 200 ms on an idle machine; the test allows for a
// loaded one).
func TestLargeDAG(t *testing.T) {
	src := strings.Replace(generatedDAG(10_000), "  - name: s0\n    command: [echo, \"{% $steps.s0.output %}\"]\n", "  - name: s0\n", 1)
	start := time.Now()
	_, err := Parse([]byte(src))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err.Error()[:min(len(err.Error()), 2000)])
	}
	t.Logf("10,000 steps, %d bytes: validated in %v", len(src), took)
	if took > 5*time.Second {
		t.Fatalf("validating 10,000 steps took %v", took)
	}
}

// TestHostile feeds files built to cost time or memory; each must be
// answered quickly (with a diagnostic containing want; "" : valid).
func TestHostile(t *testing.T) {
	ring := func(n int) string {
		var b strings.Builder
		b.WriteString("name: r\nsteps:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {name: s%d, depends_on: [s%d, s%d], command: [x]}\n", i, (i+1)%n, (i+7)%n)
		}
		return b.String()
	}
	unknownRefs := func(n int) string {
		var b strings.Builder
		b.WriteString("name: u\nsteps:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {name: s%d, command: [\"{%% $steps.nosuchstepatall%d.output %%}\"], unknownfield%d: 1}\n", i, i, i)
		}
		return b.String()
	}
	farReads := func(n int) string {
		var b strings.Builder
		b.WriteString("name: f\nsteps:\n  - {name: s0, command: [x]}\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "  - {name: s%d, depends_on: [s%d], command: [\"{%% $steps.s0.output %%}\", \"{%% $steps.s%d.output %%}\"]}\n", i, i-1, n-1)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		src  string
		want string
	}{
		{"deep nesting", "name: x\nsteps: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), "nested too deeply"},
		{"cycles everywhere", ring(5000), "makes a cycle"},
		{"unknown references", unknownRefs(5000), "names no step"},
		{"reads across a long chain", farReads(5000), "does not depend on it"},
		{"deep expression", "name: x\nsteps: [{name: a, command: [\"{% " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + " %}\"]}]\n", "more than the 16384 an expression may have"},
		{"many expressions", "name: x\nsteps: [{name: a, command: [" + strings.Repeat("\"{% $x.y.z + 1 %}\",", 20_000) + "\"{% 1 + %}\"]}]\n", "not valid"},
		{"long key", "name: x\n" + strings.Repeat("k", 200_000) + ": 1\nsteps: []\n", "Unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse([]byte(tc.src))
			took := time.Since(start)
			if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
				msg := fmt.Sprint(err)
				t.Fatalf("want %q, got %s", tc.want, msg[:min(len(msg), 500)])
			}
			t.Logf("%d bytes: %v", len(tc.src), took)
			if took > 10*time.Second {
				t.Fatalf("took %v", took)
			}
		})
	}
}

func BenchmarkParse10k(b *testing.B) {
	src := []byte(strings.Replace(generatedDAG(10_000), "  - name: s0\n    command: [echo, \"{% $steps.s0.output %}\"]\n", "  - name: s0\n", 1))
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEffective pins how a step's retry, timeout and env merge over the
// defaults: field by field, key by key.
func TestEffective(t *testing.T) {
	pl, err := Parse([]byte(`name: m
defaults:
  timeout: 1h
  retry: {retries: 3, interval: 10s, backoff_rate: 2, jitter: full}
  env: {TZ: UTC, MODE: batch}
steps:
  - {name: a, command: [x]}
  - name: b
    command: [x]
    timeout: 5m
    retry: {retries: 5, on: [Shell.ExitError]}
    env: {MODE: stream, DAY: "{% $input.day %}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := pl.Steps[0], pl.Steps[1]
	if got := pl.EffectiveTimeout(a); got != time.Hour {
		t.Errorf("a timeout %v", got)
	}
	if got := pl.EffectiveTimeout(b); got != 5*time.Minute {
		t.Errorf("b timeout %v", got)
	}
	r := pl.EffectiveRetry(b)
	if *r.Retries != 5 || *r.Interval != 10*time.Second || *r.BackoffRate != 2 || r.Jitter != JitterFull || len(r.On) != 1 {
		t.Errorf("b retry %+v", r)
	}
	if *pl.Defaults.Retry.Retries != 3 {
		t.Error("merging changed the defaults")
	}
	env := pl.EffectiveEnv(b)
	if env["TZ"] != "UTC" || env["MODE"] != "stream" || env["DAY"] != "{% $input.day %}" || pl.Defaults.Env["MODE"] != "batch" {
		t.Errorf("b env %v", env)
	}
}

// TestHostileMemory bounds what hostile files allocate in all: the reader's
// limits (alias expansion, path cost) and the parser's own bounds keep it
// within a small multiple of the file.
func TestHostileMemory(t *testing.T) {
	laughs := "a: &a [" + strings.Repeat("\"lol\",", 9) + "\"lol\"]\n"
	for i, prev := range []string{"a", "b", "c", "d", "e", "f"} {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n"
	}
	for _, tc := range []struct{ name, src string }{
		{"billion laughs", laughs},
		{"10,000 steps", generatedDAG(10_000)},
		{"cycles", strings.Repeat("x", 0) + "name: r\nsteps:\n" + func() string {
			var b strings.Builder
			for i := range 5000 {
				fmt.Fprintf(&b, "  - {name: s%d, depends_on: [s%d], command: [x]}\n", i, (i+1)%5000)
			}
			return b.String()
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _ = Parse([]byte(tc.src))
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes in, %d MB allocated", len(tc.src), alloc>>20)
			if limit := uint64(64<<20 + 400*len(tc.src)); alloc > limit {
				t.Fatalf("allocated %d bytes for a %d-byte file (limit %d)", alloc, len(tc.src), limit)
			}
		})
	}
}
