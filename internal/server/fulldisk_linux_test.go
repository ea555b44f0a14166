package server

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/batonhq/baton/internal/store/sqlite"
)

// mountTmpfs mounts a tmpfs of size bytes on dir, or skips the test when
// it cannot (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a real full disk needs root to mount a small tmpfs; TestFullDiskInjected covers the same path with an injected fault")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); TestFullDiskInjected covers the same path with an injected fault", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

// fillDisk writes a file in dir until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		_, err := f.Write(buf)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Fill the last blocks, smaller than the buffer.
	small := make([]byte, 512)
	for {
		if _, err := f.Write(small); err != nil {
			return
		}
	}
}

// TestFullDiskTmpfs: the server's data directory on a 2 MB tmpfs is filled
// up, then the filler is removed (see fullDisk).
func TestFullDiskTmpfs(t *testing.T) {
	dir := t.TempDir()
	mountTmpfs(t, dir, 2<<20)
	filler := filepath.Join(dir, "filler")
	fullDisk(t, dir, "disk is full", func() { fillDisk(t, filler) }, func() {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFullDiskFileSizeLimit is the same without root: a child process
// (this test binary) ignores SIGXFSZ and lowers its RLIMIT_FSIZE to the size
// of the WAL, so that the next writes fail with EFBIG, then lifts it.
func TestFullDiskFileSizeLimit(t *testing.T) {
	if os.Getenv("BATON_FSIZE_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestFullDiskFileSizeLimit$", "-test.v")
		cmd.Env = append(os.Environ(), "BATON_FSIZE_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestFullDiskFileSizeLimit") {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		return
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of killing the process
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wal := filepath.Join(dir, sqlite.FileName+"-wal")
	fullDisk(t, dir, "file size limit", func() {
		fi, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		lim := syscall.Rlimit{Cur: uint64(fi.Size()), Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
	}, func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	})
}

// fullDisk runs a server on dir, calls fill and checks that starts are
// answered 200 or 503 (never 500), the first 503 saying want, that /readyz
// says not ready and /healthz stays 200; then calls free and checks that
// the server recovers by itself and that every acknowledged start is
// stored, also after a restart.
func fullDisk(t *testing.T, dir, want string, fill, free func()) {
	s, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			s.Shutdown(context.Background())
		}
	}()
	sm := createWaiting(t, s)
	acked := []string{}
	if code, out := startExec(t, s, sm, "before"); code != 200 {
		t.Fatalf("start: %d %v", code, out)
	}
	acked = append(acked, "before")

	fill()
	refused := false
	for i := 0; i < 200 && !refused; i++ {
		name := "full-" + strconv.Itoa(i+1)
		code, out := startExec(t, s, sm, name)
		switch code {
		case 200:
			acked = append(acked, name)
		case 503:
			refused = true
			if out["__type"] != "ServiceUnavailable" || !strings.Contains(out["message"].(string), want) {
				t.Errorf("start on a full disk: %v, want ServiceUnavailable saying %q", out, want)
			}
			// SQLite rolls back a commit that failed on a full disk by
			// itself; our ROLLBACK's "no transaction is active" is noise.
			if msg, _ := out["message"].(string); strings.Contains(msg, "rollback") {
				t.Errorf("start on a full disk: message %q speaks of a failed rollback", msg)
			}
		default:
			t.Fatalf("start on a full disk: %d %v, want 200 or 503", code, out)
		}
	}
	if !refused {
		t.Fatal("200 starts passed on a full disk")
	}
	t.Logf("%d starts passed on the full disk before the first 503", len(acked)-1)
	if code, body := get(t, s, "/readyz"); code != 503 {
		t.Errorf("/readyz on a full disk: %d %q", code, body)
	}
	code, out := sfn(t, s, "CreateStateMachine", map[string]any{"name": "other", "definition": waitDefinition,
		"roleArn": "arn:aws:iam::123456789012:role/r"})
	if code != 503 || out["__type"] != "ServiceUnavailable" {
		t.Errorf("CreateStateMachine on a full disk: %d %v, want 503", code, out)
	}
	if code, _ := get(t, s, "/healthz"); code != 200 {
		t.Errorf("/healthz on a full disk: %d", code)
	}

	free()
	waitStatus(t, s, "/readyz", 200)
	if code, out := startExec(t, s, sm, "after"); code != 200 {
		t.Fatalf("start once space is freed: %d %v", code, out)
	}
	acked = append(acked, "after")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped = true

	// Everything acknowledged is there after a restart (quick_check passes).
	s, err = Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer s.Shutdown(context.Background())
	code, out = sfn(t, s, "ListExecutions", map[string]any{"stateMachineArn": sm, "maxResults": 1000})
	if code != 200 {
		t.Fatalf("ListExecutions: %d %v", code, out)
	}
	have := map[string]bool{}
	for _, e := range out["executions"].([]any) {
		have[e.(map[string]any)["name"].(string)] = true
	}
	for _, name := range acked {
		if !have[name] {
			t.Errorf("acknowledged start %s lost", name)
		}
	}
}
