package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// nodeLockKey is the advisory lock a server holds on the database it runs
// executions from ("baton" in ASCII).
const nodeLockKey int64 = 0x6261746f6e

// NodeLock is the right to run the executions stored in the database: a
// session advisory lock held on a connection of its own. One server at a
// time holds it, so that two servers never run the same execution; the
// database releases it when that connection ends, whether the server
// stopped or died.
type NodeLock struct {
	conn     *pgx.Conn
	onLost   func(error)
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NodeLockCheck is how often a NodeLock checks that its connection, and so
// the lock, is still alive.
var NodeLockCheck = 2 * time.Second

// LockNode takes the node lock, waiting for it up to wait, or says which
// server holds it. onLost is
// called, once, if the connection that holds the lock fails: the lock may
// then be gone, and the server must stop running executions.
func (s *Store) LockNode(ctx context.Context, wait time.Duration, onLost func(error)) (*NodeLock, error) {
	conn, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: node lock: %w", classify(err))
	}
	// A server killed a moment ago may still hold it: its session ends
	// as soon as the database sees its connection closed.
	var ok bool
	deadline := time.Now().Add(wait)
	for {
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, nodeLockKey).Scan(&ok); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("postgres: node lock: %w", classify(err))
		}
		if ok || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			conn.Close(context.Background())
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !ok {
		holder := "another server"
		var addr, app *string
		var since *time.Time
		err := conn.QueryRow(ctx, `SELECT host(a.client_addr), a.application_name, a.backend_start
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted
				AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1`, nodeLockKey).Scan(&addr, &app, &since)
		if err == nil && since != nil {
			holder = fmt.Sprintf("another server (connected from %s since %s)", deref(addr, "a local socket"), since.UTC().Format(time.RFC3339))
		}
		conn.Close(context.Background())
		return nil, fmt.Errorf("postgres: %s runs the executions of this database: stop it first, or give this server a database of its own (running several servers on one database, as a cluster, is not supported yet)", holder)
	}
	l := &NodeLock{conn: conn, onLost: onLost, stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch()
	return l, nil
}

func deref(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

// watch pings the lock's connection until Release; a failed ping means
// the lock may be gone (the database releases it with the session).
func (l *NodeLock) watch() {
	defer close(l.done)
	t := time.NewTicker(NodeLockCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), NodeLockCheck)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				l.onLost(fmt.Errorf("postgres: lost the connection that holds the node lock: %w", classify(err)))
				return
			}
		}
	}
}

// Release gives the lock up by closing its connection. It is idempotent.
func (l *NodeLock) Release() error {
	var err error
	l.stopOnce.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = l.conn.Close(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil // the server ends the session, and the lock, anyway
		}
	})
	return err
}
