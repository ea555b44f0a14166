package tasks

import (
	"context"
	"os/exec"
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
