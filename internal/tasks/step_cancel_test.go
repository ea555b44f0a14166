package tasks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

// TestStepsStopWhenCancelled: every step executor stops its work when its
// caller's context ends (a stopped run, a server shutting down) and
// answers with the caller's reason, not a failure of the step.
func TestStepsStopWhenCancelled(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	dir := t.TempDir()
	conns := testConnections(t, "connections:\n  db: {type: sql, driver: sqlite, path: "+filepath.Join(dir, "x.db")+"}\n", nil)
	r := newResolver(t, Options{WorkDir: dir, Connections: conns})
	tests := []struct{ resource, input string }{
		{steptask.ResourceShell, `{"command": ["sleep", "30"]}`},
		{steptask.ResourceHTTP, `{"url": "` + slow.URL + `"}`},
		{steptask.ResourceSQL, `{"connection": "db", "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"}`},
		{steptask.ResourceCopy, `{"from": "` + slow.URL + `/x", "to": "file://x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			e, err := r.Executor(tt.resource, "step")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err = e.Run(ctx, Request{Resource: tt.resource, Input: jsonValue(t, tt.input)})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v (%T), want context.Canceled", err, err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("stopping took %s", took)
			}
		})
	}
}
