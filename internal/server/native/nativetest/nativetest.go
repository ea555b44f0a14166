// Package nativetest supports tests of the native API, its Go client and
// the CLI: the real service over a real SQLite store, with Engine, a
// scripted stand-in for internal/engine that tests drive by hand (append
// events, end executions, queue activity tasks), and Watcher, the live
// updates it publishes.
package nativetest

import (
	"context"
	"github.com/batonhq/baton/internal/auth"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// Env is a service over a fresh store, with its engine and watcher.
type Env struct {
	Service *service.Service
	Engine  *Engine
	Watcher *Watcher
	Store   *sqlite.Store
}

// New returns an Env whose store lives in t.TempDir() and is closed when
// the test ends.
func New(t testing.TB, cfg ...service.Config) *Env {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	w := &Watcher{}
	eng := NewEngine(st, w)
	var c service.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	return &Env{Service: service.New(c, st, eng), Engine: eng, Watcher: w, Store: st}
}

// Serve serves h under /api/v1/ on an httptest server closed when the test
// ends, and returns the server's base URL.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", auth.Open(h)) // as a server without authentication
	srv := httptest.NewUnstartedServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	srv.Config.BaseContext = func(_ net.Listener) context.Context { return ctx }
	srv.Start()
	t.Cleanup(func() {
		cancel() // ends the streams and long polls still open
		srv.Close()
	})
	return srv.URL
}
