package tasks

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/batonhq/baton/internal/steptask"
)

// BenchmarkStepShellTrue is one `command: ["true"]` step through the
// executor; BenchmarkExecTrue is the floor: os/exec running the same
// program. The difference is what the executor adds to a step.
func BenchmarkStepShellTrue(b *testing.B) {
	r, err := NewResolver(Options{})
	if err != nil {
		b.Fatal(err)
	}
	exec, err := r.Executor(steptask.ResourceShell, "s")
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]any{"command": []any{"true"}}
	for b.Loop() {
		if _, err := exec.Run(context.Background(), Request{Resource: steptask.ResourceShell, Input: in}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecTrue(b *testing.B) {
	for b.Loop() {
		if err := exec.Command("true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStepShellAllocations pins what a step that writes nothing costs in
// garbage: the copies of its stdout and stderr used to allocate two 32 KiB
// buffers a step (76 KB a step in all); now about 10 KB. Its stdin is
// empty and closed: a command that reads it ends.
func TestStepShellAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation figures mean nothing under the race detector (sync.Pool drops items at random)")
	}
	r := newResolver(t, Options{})
	x, err := r.Executor(steptask.ResourceShell, "s")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"command": []any{"sh", "-c", "cat; echo read=eof > \"$BATON_OUTPUT\""}}
	run := func() {
		out, err := x.Run(context.Background(), Request{Resource: steptask.ResourceShell, Input: in})
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := out.(map[string]any); !ok || m["read"] != "eof" {
			t.Fatalf("output %v", out)
		}
	}
	run() // warm the pool
	const n = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		run()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 32<<10 {
		t.Errorf("a step allocates %d bytes", per)
	}
}

// TestReadFileLimit pins the reader of $BATON_OUTPUT files: at most
// limit+1 bytes, and the errors os.Open and io.ReadAll gave.
func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name    string
		path    string
		limit   int
		want    int
		wantErr string
	}{
		{"empty", write("empty", 0), 10, 0, ""},
		{"under the limit", write("under", 9), 10, 9, ""},
		{"at the limit", write("at", 10), 10, 10, ""},
		{"over the limit: limit+1 bytes", write("over", 10_000), 10, 11, ""},
		{"large, under a large limit", write("large", 100_000), 1 << 20, 100_000, ""},
		{"missing", filepath.Join(dir, "missing"), 10, 0, "open " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"a directory", dir, 10, 0, "open " + dir + ": " + errNotRegular.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := readFileLimit(c.path, c.limit)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(b) != c.want {
				t.Fatalf("%d bytes, %v; want %d", len(b), err, c.want)
			}
		})
	}
	name, err := createOutputFile()
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(name)
	if fi, err := os.Stat(name); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("output file %v %v", fi, err)
	}
}
