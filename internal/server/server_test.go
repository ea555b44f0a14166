package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
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
