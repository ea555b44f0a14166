// Package notifytest holds real protocol fakes of the notification
// receivers, for tests: a Slack Web API (chat.postMessage, chat.update), an
// SMTP server (go-smtp, with STARTTLS or implicit TLS and AUTH), a Standard
// Webhooks receiver and an OpsGenie Alert API. Each listens on a real TCP
// port of 127.0.0.1, so that a test can point the real baton binary at it,
// records what it received, can be told to fail (an error for the next N
// calls, rate limiting, down), is safe for concurrent use, and has Wait
// helpers that poll with a deadline.
package notifytest

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// pollEvery is how often the Wait helpers look.
const pollEvery = 5 * time.Millisecond

// Eventually polls cond until it holds, failing t with what after timeout.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("after %v: %s", timeout, what)
		case <-tick.C:
		}
	}
}

// Down modes of an HTTP fake.
type Down int

const (
	Up          Down = iota // answering
	Unavailable             // answering 503 Service Unavailable to everything
	Refusing                // not listening: connections are refused
)

// httpFake is an HTTP server on 127.0.0.1 that can be taken down
// (answering 503, or closed so that connections are refused) and brought
// back on the same port.
type httpFake struct {
	addr    string
	handler http.Handler

	mu   sync.Mutex
	srv  *http.Server
	down Down
}

func startHTTP(t testing.TB, h http.Handler) *httpFake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	f := &httpFake{addr: ln.Addr().String()}
	f.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		down := f.down
		f.mu.Unlock()
		if down != Up {
			http.Error(w, "service unavailable (notifytest: down)", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
	f.serve(ln)
	t.Cleanup(f.close)
	return f
}

func (f *httpFake) serve(ln net.Listener) {
	srv := &http.Server{Handler: f.handler, ReadHeaderTimeout: 10 * time.Second}
	f.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// SetDown takes the fake down (Unavailable: 503 to everything; Refusing:
// the listener and every connection closed, so connections are refused) or
// brings it back on the same port (Up).
func (f *httpFake) SetDown(d Down) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d == f.down {
		return nil
	}
	was := f.down
	f.down = d
	switch {
	case d == Refusing:
		return f.srv.Close()
	case was == Refusing:
		ln, err := net.Listen("tcp", f.addr)
		if err != nil {
			f.down = Refusing
			return err
		}
		f.serve(ln)
	}
	return nil
}

func (f *httpFake) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv != nil {
		_ = f.srv.Close()
	}
}

// faults is a programmable failure: answer with a fault for the next n
// calls.
type faults[T any] struct {
	n     int
	fault T
}

// take returns the fault of the next call, if there is one.
func (f *faults[T]) take() (T, bool) {
	var zero T
	if f.n <= 0 {
		return zero, false
	}
	f.n--
	return f.fault, true
}

// statusFaults answers the next n requests with an HTTP status.
type statusFaults struct {
	mu     sync.Mutex
	faults faults[statusFault]
}

type statusFault struct{ status, retryAfter int }

// FailNext answers the next n requests with status (and a Retry-After of
// retryAfter seconds when it is not 0); they are not recorded.
func (s *statusFaults) FailNext(n, status, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faults[statusFault]{n: n, fault: statusFault{status, retryAfter}}
}

// take returns the next request's fault.
func (s *statusFaults) take() (statusFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.take()
}
