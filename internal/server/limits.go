package server

import (
	"net"
	"sync"
	"sync/atomic"
)

// probeHeadroom is how many connections past --max-connections are still
// accepted, to answer /healthz and /readyz (and 503 to anything else) and
// then close. Past that, connections are closed as soon as accepted: the
// listener never stops accepting, so a flood cannot block the probes in
// the kernel's backlog, and it never holds more descriptors than the cap
// and this headroom.
const probeHeadroom = 32

// capListener counts open connections and marks those accepted past the
// cap (see guard).
type capListener struct {
	net.Listener
	max  int64
	open atomic.Int64
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		n := l.open.Add(1)
		if n > l.max+probeHeadroom {
			l.open.Add(-1)
			c.Close()
			continue
		}
		return &countedConn{Conn: c, l: l, over: n > l.max}, nil
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
	c.once.Do(func() { c.l.open.Add(-1) })
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
