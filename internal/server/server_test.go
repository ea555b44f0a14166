package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func quietConfig(dir string) Config {
	return Config{Listen: "127.0.0.1:0", DataDir: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// TestDataDirLock: a second server on the same data directory fails at once
// with an error naming the directory; after the first stops, it starts.
func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	first, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), quietConfig(dir))
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second server on the same data dir: %v", err)
	}
	// From another process, too (the lock is a POSIX record lock).
	if err := lockedElsewhere(t, dir); err != nil {
		t.Fatalf("second server on the same data dir: %v", err)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	defer again.Shutdown(context.Background())
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		resp, err := http.Get("http://" + again.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if path == "/metrics" && !strings.Contains(string(body), "baton_commits_total") {
			t.Errorf("/metrics lacks the engine's metrics")
		}
	}
}

// lockedElsewhere runs this test binary as a helper process that tries to
// start a server on dir, and returns nil when it was refused for the lock.
func lockedElsewhere(t *testing.T, dir string) error {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestLockHelper$")
	cmd.Env = append(os.Environ(), "BATON_LOCK_HELPER_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "REFUSED: ") || !strings.Contains(string(out), "in use by process") {
		return fmt.Errorf("the helper process was not refused:\n%s", out)
	}
	return nil
}

// TestLockHelper is the helper process of lockedElsewhere.
func TestLockHelper(t *testing.T) {
	dir := os.Getenv("BATON_LOCK_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process of TestDataDirLock")
	}
	s, err := Start(context.Background(), quietConfig(dir))
	if err != nil {
		fmt.Println("REFUSED:", err)
		return
	}
	s.Shutdown(context.Background())
	fmt.Println("STARTED")
}
