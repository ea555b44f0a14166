package server

import (
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
)

// probeHeadroom is how many connections past --max-connections are still
// accepted, to answer /healthz and /readyz (and 503 to anything else) and
// then close. Past that, connections are closed as soon as accepted: the
// listener never stops accepting, so a flood cannot block the probes in
// the kernel's backlog, and it never holds more descriptors than the cap
// and this headroom. A flood of connections that send nothing would fill
// the headroom too and shut the probes out (they would be closed at
// accept): so when it is full, the oldest connection of the headroom that
// has not sent a request yet makes room for the new one (see evictWaiting).
const probeHeadroom = 32

// capListener counts open connections and marks those accepted past the
// cap (see guard).
type capListener struct {
	net.Listener
	max  int64
	open atomic.Int64

	mu sync.Mutex
	// waiting are the connections past the cap that have not sent a
	// request yet, oldest first (at most probeHeadroom).
	waiting []*countedConn
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		n := l.open.Add(1)
		if n > l.max+probeHeadroom && !l.evictWaiting() {
			l.open.Add(-1)
			c.Close()
			continue
		}
		cc := &countedConn{Conn: c, l: l, over: n > l.max}
		if cc.over {
			l.mu.Lock()
			l.waiting = append(l.waiting, cc)
			l.mu.Unlock()
		}
		return cc, nil
	}
}

// evictWaiting closes the oldest connection past the cap that has not
// sent a request yet, if any: a probe sends its request at once, a flood's
// idle connection does not.
func (l *capListener) evictWaiting() bool {
	l.mu.Lock()
	if len(l.waiting) == 0 {
		l.mu.Unlock()
		return false
	}
	c := l.waiting[0]
	l.waiting = slices.Delete(l.waiting, 0, 1)
	l.mu.Unlock()
	c.Close()
	return true
}

// forget takes c off the waiting list.
func (l *capListener) forget(c *countedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.Index(l.waiting, c); i >= 0 {
		l.waiting = slices.Delete(l.waiting, i, i+1)
	}
}

// connState is the server's ConnState hook: a connection past the cap
// that has begun a request (or is gone) can no longer be evicted.
func connState(c net.Conn, state http.ConnState) {
	if cc, ok := plainConn(c).(*countedConn); ok && cc.over && state != http.StateNew {
		cc.l.forget(cc)
	}
}

// countedConn gives its slot back when closed.
type countedConn struct {
	net.Conn
	l    *capListener
	over bool
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.open.Add(-1)
		if c.over {
			c.l.forget(c)
		}
	})
	return c.Conn.Close()
}

// Defaults of the connection limits.
const (
	maxDefaultConnections = 10000
	maxDefaultStreams     = 1000
)

// DefaultLimits returns the defaults of the connection limits:
// connections (from the file descriptor limit) and event streams (at most
// half the connections, so that other requests still get through).
func DefaultLimits() (connections, streams int) {
	connections = defaultMaxConnections()
	return connections, min(maxDefaultStreams, max(connections/2, 1))
}
