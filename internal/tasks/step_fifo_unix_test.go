//go:build unix

package tasks

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

// TestStepFIFOsDoNotHang: a FIFO as a copy's source or as the directory of
// a wait_for's path fails at once: opening one blocked until a writer
// came, past the step's timeout.
func TestStepFIFOsDoNotHang(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Skip("no FIFOs:", err)
	}
	r := newResolver(t, Options{WorkDir: dir})
	runStepCases(t, r, steptask.ResourceCopy, []stepCase{
		{name: "a FIFO as the source", input: `{"from": "file://fifo", "to": "file://x"}`, req: Request{Timeout: 5 * time.Second}, failure: ErrorCopy, causeHas: []string{"not a regular file"}},
	})
	runStepCases(t, r, steptask.ResourceWaitFor, []stepCase{
		{name: "a FIFO as the directory", input: `{"path": "file://fifo/*.csv"}`, req: Request{Timeout: 5 * time.Second}, failure: ErrorWaitFor, causeHas: []string{"not a directory"}},
	})
}
