package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
)

// TestWorkerEmptyPollsBackOff: a server that answers every poll at once
// with no task does not make the worker poll in a tight loop (it polled
// thousands of times a second).
func TestWorkerEmptyPollsBackOff(t *testing.T) {
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	w := &worker{c: client.New(srv.URL), activity: "a", name: "w", argv: []string{"true"}, log: io.Discard}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	w.loop(ctx, context.Background())
	if n := polls.Load(); n > 3 {
		t.Fatalf("%d polls in 1.5 s against a server answering at once, want at most 3", n)
	}
}
