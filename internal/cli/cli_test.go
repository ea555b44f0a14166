package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// baton is the path of the binary built once for these tests: they run the
// real command, as users do.
var baton string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "baton-cli-test")
	if err != nil {
		panic(err)
	}
	baton = filepath.Join(dir, "baton")
	build := exec.Command("go", "build", "-o", baton, "github.com/batonhq/baton/cmd/baton")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building baton: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func runBaton(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	return runBatonWithin(t, 5*time.Minute, dir, stdin, nil, args...)
}

// runBatonEnv is runBaton with env added to the environment.
func runBatonEnv(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	return runBatonWithin(t, 5*time.Minute, dir, stdin, env, args...)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// copyDir copies an example into dst so that its outputs land in a temp dir.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "out" || strings.HasPrefix(rel, "out"+string(filepath.Separator)) {
			return nil
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, s)
	}
	return v
}

func jsonFile(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRunSalesMarketingETL(t *testing.T) {
	tmp := t.TempDir()
	ex := filepath.Join(tmp, "examples", "sales-marketing-etl")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "sales-marketing-etl"), ex)
	r := runBaton(t, tmp, "", "run", "examples/sales-marketing-etl/workflow.asl.json", "--input", `{"workdir":"examples/sales-marketing-etl"}`)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got := decode(t, r.stdout)
	if got["status"] != "SUCCEEDED" {
		t.Fatalf("status %v", got["status"])
	}
	want := jsonFile(t, filepath.Join(ex, "expected", "output.json"))
	if !reflect.DeepEqual(got["output"], want) {
		t.Errorf("output\n got: %v\nwant: %v", got["output"], want)
	}
	joined, err := os.ReadFile(filepath.Join(ex, "out", "joined.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expected, err := os.ReadFile(filepath.Join(ex, "expected", "joined.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(joined, expected) {
		t.Errorf("out/joined.csv differs from expected/joined.csv:\n%s", joined)
	}
	for _, f := range []string{"sales_by_day.csv.gz", "marketing.csv.gz"} {
		if _, err := os.Stat(filepath.Join(ex, "out", f)); err != nil {
			t.Errorf("missing output %s: %v", f, err)
		}
	}
	if !strings.Contains(r.stderr, "JMSD") {
		t.Errorf("progress on stderr does not name the states:\n%s", r.stderr)
	}
}

func TestRunRetryCatchWithMocks(t *testing.T) {
	tmp := t.TempDir()
	ex := filepath.Join(tmp, "examples", "retry-catch")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "retry-catch"), ex)
	r := runBaton(t, tmp, "", "run", "examples/retry-catch/retry-catch.asl.json",
		"--mock-config", "examples/retry-catch/mocks.json", "--test-case", "HappyPath", "--skip-waits",
		"--input", `{"workdir":"examples/retry-catch","tmpdir":"`+filepath.Join(tmp, "state")+`"}`)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got := decode(t, r.stdout)
	want := jsonFile(t, filepath.Join(ex, "expected", "HappyPath.output.json"))
	if !reflect.DeepEqual(got["output"], want) {
		t.Errorf("output\n got: %v\nwant: %v", got["output"], want)
	}
	if !strings.Contains(r.stderr, "retrying in") {
		t.Errorf("progress does not show the retries:\n%s", r.stderr)
	}
}

func TestRunMapExample(t *testing.T) {
	root := repoRoot(t)
	input, err := os.ReadFile(filepath.Join(root, "examples", "map", "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := runBaton(t, root, "", "run", "examples/map/workflow.asl.json", "--input", string(input), "--quiet")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got := decode(t, r.stdout)
	want := jsonFile(t, filepath.Join(root, "examples", "map", "expected", "output.json"))
	if !reflect.DeepEqual(got["output"], want) {
		t.Errorf("output\n got: %v\nwant: %v", got["output"], want)
	}
	if r.stderr != "" {
		t.Errorf("--quiet printed progress: %s", r.stderr)
	}
}

// TestRunJSONataExample runs the JSONata example: Map, shell tasks, Catch,
// Choice conditions and variables in JSONata mode.
func TestRunJSONataExample(t *testing.T) {
	root := repoRoot(t)
	r := runBaton(t, root, "", "run", "examples/jsonata-sales/workflow.asl.json", "--input-file", "examples/jsonata-sales/input.json", "--quiet")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got := decode(t, r.stdout)
	want := jsonFile(t, filepath.Join(root, "examples", "jsonata-sales", "expected", "output.json"))
	if !reflect.DeepEqual(got["output"], want) {
		t.Errorf("output\n got: %v\nwant: %v", got["output"], want)
	}
	r = runBaton(t, root, "", "validate", "examples/jsonata-sales/workflow.asl.json")
	if r.code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestRunFailureAndHistory(t *testing.T) {
	dir := t.TempDir()
	def := writeFile(t, dir, "fail.asl.json", `{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}], "Default": "Broken"},
    "Broken": {"Type": "Fail", "Error": "Data.Invalid", "Cause": "ok was not true"},
    "Done": {"Type": "Succeed"}
  }
}`)
	r := runBaton(t, dir, `{"ok": false}`, "run", def, "--history")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	got := decode(t, r.stdout)
	if got["status"] != "FAILED" || got["error"] != "Data.Invalid" || got["cause"] != "ok was not true" {
		t.Errorf("got %v", got)
	}
	hist, _ := got["history"].([]any)
	var types []string
	for _, e := range hist {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	want := []string{"ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "FailStateEntered", "ExecutionFailed"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("history types %v, want %v", types, want)
	}

	// The same machine succeeds on stdin input.
	r = runBaton(t, dir, `{"ok": true}`, "run", def)
	if r.code != 0 || decode(t, r.stdout)["status"] != "SUCCEEDED" {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestRunUnmappedResource(t *testing.T) {
	dir := t.TempDir()
	def := writeFile(t, dir, "lambda.asl.json", `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Load", "End": true}}}`)
	r := runBaton(t, dir, "", "run", def)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"--resource", "--mock-config"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("error does not mention %s:\n%s", want, r.stderr)
		}
	}
	// Mapped to a local command, it runs: the command gets the input on stdin.
	r = runBaton(t, dir, "", "run", def, "--input", `{"n": 41}`, "--resource", "arn:aws:lambda:us-east-1:123456789012:function:Load=cat")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := decode(t, r.stdout)["output"]; !reflect.DeepEqual(got, map[string]any{"n": 41.0}) {
		t.Errorf("output %v", got)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	bad := writeFile(t, dir, "bad.asl.json", "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"Nowhere\"}\n  }\n}\n")
	r := runBaton(t, dir, "", "validate", good)
	if r.code != 0 {
		t.Fatalf("valid file: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = runBaton(t, dir, "", "validate", good, bad)
	if r.code != 2 {
		t.Fatalf("invalid file: exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stdout, bad+":4:") || !strings.Contains(r.stdout, "/States/A/Next") {
		t.Errorf("diagnostic lacks file:line or pointer:\n%s", r.stdout)
	}
	r = runBaton(t, dir, "", "validate", "--format", "json", bad)
	var files []struct {
		File        string
		Valid       bool
		Diagnostics []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &files); err != nil {
		t.Fatalf("--format json: %v\n%s", err, r.stdout)
	}
	if len(files) != 1 || files[0].Valid || len(files[0].Diagnostics) == 0 {
		t.Errorf("json result %+v", files)
	}
	// An invalid definition given to run is exit 2 too.
	r = runBaton(t, dir, "", "run", bad)
	if r.code != 2 {
		t.Errorf("run on invalid definition: exit %d, want 2", r.code)
	}
}

// TestValidatePipeline: validate takes a project directory or a
// pipeline.yaml, and reports the pipeline's problems (and its body file's)
// like ASL's.
func TestValidatePipeline(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, proj, "pipeline.yaml", "name: p\nsteps:\n  - {name: a, command: [echo]}\n  - {name: b, depends_on: [zz], command: [echo]}\n")
	for _, arg := range []string{proj, file} {
		r := runBaton(t, dir, "", "validate", arg)
		if r.code != 2 || !strings.Contains(r.stdout, file+":4:28: depends_on names no step 'zz'") {
			t.Errorf("validate %s: exit %d\n%s%s", arg, r.code, r.stdout, r.stderr)
		}
	}
	writeFile(t, proj, "pipeline.yaml", "name: p\nbody: flow.asl.json\n")
	writeFile(t, proj, "flow.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	if r := runBaton(t, dir, "", "validate", proj); r.code != 0 {
		t.Errorf("valid project: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBaton(t, dir, "", "validate", dir); r.code != 2 || !strings.Contains(r.stdout, "without a pipeline.yaml") {
		t.Errorf("directory without pipeline.yaml: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	r := runBaton(t, ".", "", "run")
	if r.code != 2 {
		t.Errorf("run without a file: exit %d, want 2", r.code)
	}
	r = runBaton(t, ".", "", "run", "x.json", "--no-such-flag")
	if r.code != 2 || !strings.Contains(r.stderr, "--help") {
		t.Errorf("unknown flag: exit %d: %s", r.code, r.stderr)
	}
	r = runBaton(t, ".", "", "run", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--skip-waits") || !strings.Contains(r.stdout, "Examples:") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stdout)
	}
}

// TestRunChecksBeforeStarting: mistakes in mappings and mock files are all
// reported before anything runs.
func TestRunChecksBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	def := writeFile(t, dir, "etl.asl.json", `{"StartAt": "Extract", "States": {
  "Extract": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Extract"}, "Next": "Load"},
  "Load": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Load"}, "End": true}}}`)
	// One function mapped, the other not: exit 2 naming the missing one.
	r := runBaton(t, dir, "", "run", def, "--resource", "Extract=cat")
	if r.code != 2 || !strings.Contains(r.stderr, `"Load"`) || strings.Contains(r.stdout, "status") {
		t.Errorf("unmapped FunctionName: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A test case that mocks a state the machine lacks (a typo) is an error.
	mocks := writeFile(t, dir, "mocks.json", `{"StateMachines": {"etl": {"TestCases": {"T": {"Extract": "OK", "Laod": "OK"}}}},
  "MockedResponses": {"OK": {"0": {"Return": {"ok": true}}}}}`)
	r = runBaton(t, dir, "", "run", def, "--mock-config", mocks, "--test-case", "T")
	if r.code != 2 || !strings.Contains(r.stderr, `"Laod"`) || !strings.Contains(r.stderr, `"Load"`) {
		t.Errorf("mock typo: exit %d\n%s", r.code, r.stderr)
	}
}

// TestRunOutputStartsWithStatus: the status comes first, before a possibly
// large output.
func TestRunOutputStartsWithStatus(t *testing.T) {
	dir := t.TempDir()
	def := writeFile(t, dir, "p.asl.json", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	r := runBaton(t, dir, `{"a": 1}`, "run", def)
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"status":"SUCCEEDED","output":{"a":1}}`) {
		t.Errorf("exit %d stdout %q", r.code, r.stdout)
	}
}

// TestMeaninglessFlagValues: values that mean nothing are usage errors
// (exit 2) naming the flag, before anything runs or connects.
func TestMeaninglessFlagValues(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "p.json")
	if err := os.WriteFile(def, []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", def, "--max-events", "-1"},
		{"worker", "--activity", "a", "--server", "http://127.0.0.1:1", "--concurrency", "100000000", "--", "true"},
		{"worker", "--activity", "a", "--server", "http://127.0.0.1:1", "--heartbeat", "1ns", "--", "true"},
	} {
		r := runBaton(t, dir, "", args...)
		flag := args[len(args)-2]
		if args[0] == "worker" {
			flag = args[5]
		}
		if r.code != 2 || !strings.Contains(r.stderr, strings.TrimLeft(flag, "-")) {
			t.Errorf("%v: exit %d, want 2 and an error naming %s: %s", args, r.code, flag, r.stderr)
		}
	}
}
