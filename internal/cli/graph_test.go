package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGraph: graph draws a project in both formats, and an invalid one
// gets validate's diagnostics and exit 2.
func TestGraph(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, proj, "pipeline.yaml", "name: p\nsteps:\n  - {name: a, command: [echo]}\n  - {name: b, depends_on: [a], trigger_rule: all_done, command: [echo]}\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"graph", proj}, "n0 -->|\"all_done\"| n1"},
		{[]string{"graph", file, "--format", "dot"}, "n0 -> n1 [label=\"all_done\", style=dashed];"},
	}
	for _, tt := range tests {
		if r := runBaton(t, dir, "", tt.args...); r.code != 0 || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: exit %d, want %q in\n%s%s", tt.args, r.code, tt.want, r.stdout, r.stderr)
		}
	}
	writeFile(t, proj, "pipeline.yaml", "name: p\nsteps:\n  - {name: a, command: [echo]}\n  - {name: b, depends_on: [zz], command: [echo]}\n")
	if r := runBaton(t, dir, "", "graph", proj); r.code != 2 || !strings.Contains(r.stdout, file+":4:28: depends_on names no step 'zz'") {
		t.Errorf("invalid pipeline: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBaton(t, dir, "", "graph", proj, "--format", "svg"); r.code != 2 || !strings.Contains(r.stderr, "mermaid or dot") {
		t.Errorf("bad format: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBaton(t, dir, "", "graph", dir); r.code != 2 || !strings.Contains(r.stderr, "no pipeline.yaml") {
		t.Errorf("no project: exit %d\n%s", r.code, r.stderr)
	}
}
