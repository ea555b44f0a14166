package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// session is a connection of a server's own that holds its session
// advisory locks: the node lock (LockNode), or a cluster member's
// membership and partitions (JoinCluster). The database releases them
// when the session ends: at once when the server stops or dies, and after
// the lease timeout of silence (idle_session_timeout) when the server
// hangs or its network is cut. The server pings the session every
// timeout/5 and is told (onLost), once, when a ping fails: long before
// the database gives the locks away.
type session struct {
	conn    *pgx.Conn
	what    string // what it holds, for messages: "the node lock"
	timeout time.Duration
	every   time.Duration
	onLost  func(error)
	// busy holds a token while a statement runs on conn (pgx.Conn is not
	// safe for concurrent use): the pings skip a busy session.
	busy     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	started  bool
	stopOnce sync.Once
	lostOnce sync.Once
}

// leaseTimeout is a lease timeout as LockOptions and JoinOptions take it:
// DefaultLockTimeout for 0, at least a second.
func leaseTimeout(t time.Duration) time.Duration {
	if t <= 0 {
		t = DefaultLockTimeout
	}
	return max(t, time.Second)
}

// holderName is a server's name as LockOptions and JoinOptions take it:
// "host pid N" for "".
func holderName(h string) string {
	if h != "" {
		return h
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s pid %d", host, os.Getpid())
}

// openSession connects the session of holder, with the run-time
// parameters params besides the pool's; its pings start with start.
func (s *Store) openSession(ctx context.Context, holder string, timeout time.Duration, what string, params map[string]string, onLost func(error)) (*session, error) {
	cc := s.cfg.ConnConfig.Copy()
	for k, v := range params {
		cc.RuntimeParams[k] = v
	}
	// The database ends the session, and so releases its locks, when the
	// server has been silent this long.
	cc.RuntimeParams["idle_session_timeout"] = fmt.Sprint(timeout.Milliseconds())
	// The session's name says whose it is, to Nodes, ClusterNodes and to
	// operators reading pg_stat_activity.
	cc.RuntimeParams["application_name"] = nodeAppName(holder)
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, classify(err))
	}
	return &session{conn: conn, what: what, timeout: timeout, every: timeout / 5, onLost: onLost,
		busy: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// lost is the error onLost gets.
func (se *session) lost(err error) error {
	return fmt.Errorf("postgres: lost the connection that holds %s: %w", se.what, classify(err))
}

// lose tells the server, once, that its locks are or may be lost.
func (se *session) lose(err error) {
	se.lostOnce.Do(func() {
		if se.onLost != nil {
			se.onLost(err)
		}
	})
}

// start starts the pings.
func (se *session) start() {
	se.started = true
	go se.watch()
}

// watch pings the session until close; a failed ping means the locks may
// be gone (the database releases them with the session).
func (se *session) watch() {
	defer close(se.done)
	t := time.NewTicker(se.every)
	defer t.Stop()
	for {
		select {
		case <-se.stop:
			return
		case <-t.C:
			select {
			case se.busy <- struct{}{}:
			default:
				continue // a statement runs: it says whether the session works
			}
			ctx, cancel := context.WithTimeout(context.Background(), se.every)
			err := se.conn.Ping(ctx)
			cancel()
			<-se.busy
			if err != nil {
				se.lose(se.lost(err))
				return
			}
		}
	}
}

// use runs fn on the session once no other statement runs there. fn's
// statements are not cancelled with ctx, which would end the session and
// its locks: they get the lease timeout (a statement waiting for a lock
// must give up before, on the server's side: lock_timeout). A failure
// that closed the connection tells the server the locks may be lost.
func (se *session) use(ctx context.Context, fn func(ctx context.Context, conn *pgx.Conn) error) error {
	select {
	case se.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-se.busy }()
	if se.conn.IsClosed() {
		return fmt.Errorf("postgres: the connection that holds %s is closed", se.what)
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), se.timeout)
	defer cancel()
	err := fn(qctx, se.conn)
	if err != nil && se.conn.IsClosed() {
		err = se.lost(err)
		se.lose(err)
	}
	return err
}

// keepAlive runs fn, pinging the session every every meanwhile (before
// start); a failed ping (the locks may be gone) is its error once fn has
// returned.
func (se *session) keepAlive(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTicker(se.every)
	defer t.Stop()
	var lost error
	for {
		select {
		case err := <-done:
			if err == nil && lost != nil {
				err = se.lost(lost)
			}
			return err
		case <-t.C:
			if lost != nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), se.every)
			lost = se.conn.Ping(ctx)
			cancel()
		}
	}
}

// close stops the pings and closes the connection, which ends the session
// and releases its locks. It is idempotent.
func (se *session) close() error {
	var err error
	se.stopOnce.Do(func() {
		close(se.stop)
		if se.started {
			<-se.done
		}
		// A statement running on the session ends within the timeout.
		select {
		case se.busy <- struct{}{}:
		case <-time.After(se.timeout):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Its locks go now, not once the database has seen the connection
		// close (a moment later): a server started right after this one
		// stopped finds them free. A connection already broken fails here
		// at once, and its locks go with its session anyway.
		uctx, ucancel := context.WithTimeout(ctx, time.Second)
		_, _ = se.conn.Exec(uctx, `SELECT pg_advisory_unlock_all()`)
		ucancel()
		err = se.conn.Close(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil // the server ends the session, and the locks, anyway
		}
	})
	return err
}
