package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployProjectBundleLimit: baton deploy packs a project only within
// --max-bundle-bytes (or BATON_MAX_BUNDLE_BYTES), saying which flag to
// raise, so that a server whose own limit was raised can take a larger one.
func TestDeployProjectBundleLimit(t *testing.T) {
	_, url := server(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "proj"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "proj/pipeline.yaml", "name: big\nsteps:\n  - name: a\n    type: shell\n    script: cat data.txt\n")
	writeFile(t, dir, "proj/data.txt", strings.Repeat("x", 4096))

	tests := []struct {
		name string
		env  []string
		args []string
		code int
		says string
	}{
		{"past the flag", nil, []string{"--max-bundle-bytes", "2048"}, 2, "raise --max-bundle-bytes"},
		{"past the variable", []string{"BATON_MAX_BUNDLE_BYTES=2048"}, nil, 2, "BATON_MAX_BUNDLE_BYTES"},
		{"zero", nil, []string{"--max-bundle-bytes", "0"}, 2, "--max-bundle-bytes 0: want 1 or more"},
		{"within", nil, []string{"--max-bundle-bytes", "8192"}, 0, "big: created"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"deploy", "proj", "--server", url}, tc.args...)
			r := runBatonEnv(t, dir, "", tc.env, args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.says) {
				t.Fatalf("exit %d, want %d saying %q: %+v", r.code, tc.code, tc.says, r)
			}
		})
	}
}
