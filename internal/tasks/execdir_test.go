package tasks

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommandsRunInTheExecutionDir pins that baton:shell and mapped
// commands run in their execution's working directory (Request.Dir, the
// files of a deployed project) when it has one, a baton:shell "dir"
// relative to it; and where they ran before when it has none.
func TestCommandsRunInTheExecutionDir(t *testing.T) {
	base, runDir := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(runDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	const mapped = "arn:aws:lambda:us-east-1:123456789012:function:Pwd"
	r := newResolver(t, Options{WorkDir: base, Mappings: map[string]string{mapped: "pwd"}})
	tests := []struct {
		name     string
		resource string
		input    map[string]any
		dir      string
		want     string
	}{
		{"shell, no execution dir", ShellResource, map[string]any{"command": []any{"pwd"}}, "", base},
		{"shell in the execution dir", ShellResource, map[string]any{"command": []any{"pwd"}}, runDir, runDir},
		{"shell dir under it", ShellResource, map[string]any{"command": []any{"pwd"}, "dir": "sub"}, runDir, filepath.Join(runDir, "sub")},
		{"shell absolute dir", ShellResource, map[string]any{"command": []any{"pwd"}, "dir": base}, runDir, base},
		{"mapped, no execution dir", mapped, map[string]any{}, "", base},
		{"mapped in the execution dir", mapped, map[string]any{}, runDir, runDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, r, Request{Resource: tc.resource, Input: tc.input, Dir: tc.dir})
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := got.(string); s != tc.want {
				t.Errorf("ran in %v, want %s", got, tc.want)
			}
		})
	}
}
