package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInit: the generated project carries the schema modeline and passes
// validate; init refuses a non-empty directory and a bad name, and
// accepts an empty one.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	if r := runBaton(t, dir, "", "init", "demo"); r.code != 0 {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	proj := filepath.Join(dir, "demo")
	src, err := os.ReadFile(filepath.Join(proj, "pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(src), "\n"); first != "# yaml-language-server: $schema=https://baton.dev/schemas/pipeline.json" {
		t.Errorf("first line %q, want the schema modeline", first)
	}
	for _, f := range []string{"README.md", "steps/hello.sh"} {
		if _, err := os.Stat(filepath.Join(proj, f)); err != nil {
			t.Error(err)
		}
	}
	if r := runBaton(t, dir, "", "validate", proj); r.code != 0 {
		t.Errorf("generated project invalid: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBaton(t, dir, "", "graph", proj); r.code != 0 || !strings.Contains(r.stdout, "n0 --> n1") {
		t.Errorf("graph of generated project: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"init", "demo"}, 2, "not empty"},
		{[]string{"init", "other", "--dir", proj}, 2, "not empty"},
		{[]string{"init", "bad name"}, 2, "letters, digits"},
		{[]string{"init", "ok", "--dir", empty}, 0, "created"},
	}
	for _, tt := range tests {
		if r := runBaton(t, dir, "", tt.args...); r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tt.args, r.code, tt.code, tt.stderr, r.stderr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(proj, "pipeline.yaml")); string(after) != string(src) {
		t.Error("a refused init changed pipeline.yaml")
	}
}

// TestSchemaPipeline: schema pipeline prints the JSON Schema.
func TestSchemaPipeline(t *testing.T) {
	r := runBaton(t, t.TempDir(), "", "schema", "pipeline")
	var s map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &s) != nil || s["$schema"] == nil {
		t.Errorf("schema pipeline: exit %d\n%.200s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBaton(t, t.TempDir(), "", "schema", "asl"); r.code != 2 || !strings.Contains(r.stderr, "pipeline") {
		t.Errorf("schema asl: exit %d\n%s", r.code, r.stderr)
	}
}
