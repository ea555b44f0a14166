package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
)

// nodeLockKey is the advisory lock a server holds on the database it runs
// executions from ("baton" in ASCII).
const nodeLockKey int64 = 0x6261746f6e

// NodeLock is the right to run the executions stored in the database: a
// session advisory lock held on a connection of its own, and the epoch of
// the node lease that the lock let it take. One server at a time holds it,
// so that two servers never run the same execution:
//
//   - The database releases the lock when that connection's session ends:
//     at once when the server stops or dies, and after LockOptions.Timeout
//     of silence (idle_session_timeout) when the server hangs or its
//     network is cut.
//   - The holder pings the connection every Timeout/5; when a ping fails
//     it calls onLost, long before the database gives the lock away.
//   - Fencing: taking the lock bumps the lease's epoch, and every write
//     transaction of the store checks the epoch it took (Store.tx). A
//     server that lost the lock but did not notice (paused for longer than
//     Timeout, say) can no longer write anything.
type NodeLock struct {
	*session
	s     *Store
	Epoch int64 // the lease's epoch this lock took
}

// LockOptions tune LockNode.
type LockOptions struct {
	// Wait is how long to wait for a lock another server holds (0: do
	// not wait; negative: until ctx ends). Waiting servers are standbys.
	Wait time.Duration
	// Timeout is how long the database waits before it gives the lock of
	// a silent server to another (default 10s).
	Timeout time.Duration
	// Holder names this server in the lease, for the messages of others.
	Holder string
	// OnWait is called once if the lock is held by another server (who).
	OnWait func(who string)
	// OnLost is called, once, if the connection that holds the lock fails:
	// the lock may then be gone, and the server must stop running
	// executions (its writes are refused anyway).
	OnLost func(error)
}

// DefaultLockTimeout is LockOptions.Timeout's default.
const DefaultLockTimeout = 10 * time.Second

// ErrFenced is the failure of a write by a server whose node lock another
// server has taken since.
var ErrFenced = errors.New("another server has taken over this database's executions (this server's node lock was lost)")

// LockNode takes the node lock and the lease, waiting for them as
// opts.Wait says, or says which server holds them.
func (s *Store) LockNode(ctx context.Context, opts LockOptions) (*NodeLock, error) {
	timeout := leaseTimeout(opts.Timeout)
	holder := holderName(opts.Holder)
	se, err := s.openSession(ctx, holder, timeout, "the node lock", nil, opts.OnLost)
	if err != nil {
		return nil, err
	}
	conn := se.conn
	fail := func(err error) (*NodeLock, error) {
		conn.Close(context.Background())
		return nil, err
	}
	// A server killed a moment ago may still hold it: its session ends
	// as soon as the database sees its connection closed.
	deadline := time.Now().Add(opts.Wait)
	told := false
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, nodeLockKey).Scan(&ok); err != nil {
			return fail(fmt.Errorf("postgres: node lock: %w", classify(err)))
		}
		if ok {
			break
		}
		// Who holds it is read only when it is said, not at every try.
		if opts.Wait >= 0 && !time.Now().Before(deadline) {
			who, cluster := s.holder(ctx, conn)
			if cluster {
				return fail(fmt.Errorf("postgres: %s runs the executions of this database with --cluster: start this server with --cluster to join it, or give it a database of its own", who))
			}
			return fail(fmt.Errorf("postgres: %s runs the executions of this database: stop it first, or give this server a database of its own", who))
		}
		if !told && opts.OnWait != nil {
			who, _ := s.holder(ctx, conn)
			opts.OnWait(who)
			told = true
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if s.opts.MigrateUnderLock {
		// Migrations may wait (for goose's lock) or run for longer than
		// the lease: the lock's session must not fall silent meanwhile,
		// or the database ends it and another server takes the lock.
		if err := se.keepAlive(func() error { return s.migrate(ctx) }); err != nil {
			return fail(err)
		}
	}
	// The bump waits for the write transactions of the previous holder
	// that are checking its epoch (they hold the row FOR SHARE), so that
	// none of them commits after it.
	var epoch int64
	if err := conn.QueryRow(ctx, `UPDATE node_lease SET epoch = epoch + 1, holder = $1, since = $2
		WHERE one = 1 RETURNING epoch`, holder, time.Now().UnixNano()).Scan(&epoch); err != nil {
		return fail(fmt.Errorf("postgres: node lease: %w", classify(err)))
	}
	l := &NodeLock{session: se, s: s, Epoch: epoch}
	s.lock.Store(l)
	s.fence.Store(epoch)
	se.start()
	return l, nil
}

// holder describes the server holding the lock, as the lease and the
// database's view of its session say, or the cluster holding it shared
// (cluster: JoinCluster).
func (s *Store) holder(ctx context.Context, conn *pgx.Conn) (who string, cluster bool) {
	if c := clusterHolder(ctx, conn); c != "" {
		return c, true
	}
	var name string
	var since int64
	if err := conn.QueryRow(ctx, `SELECT holder, since FROM node_lease WHERE one = 1`).Scan(&name, &since); err != nil || name == "" {
		return "another server", false
	}
	return fmt.Sprintf("another server (%s, since %s)", name, time.Unix(0, since).UTC().Format(time.RFC3339)), false
}

// fenceQuery is the first statement of a write transaction when the store
// runs under a node lock: it holds the lease row FOR SHARE until COMMIT.
const fenceQuery = `SELECT epoch FROM node_lease WHERE one = 1 FOR SHARE`

// checkFence runs fenceQuery in tx.
func checkFence(ctx context.Context, tx pgx.Tx, epoch int64) error {
	return checkEpoch(tx.QueryRow(ctx, fenceQuery), epoch)
}

// checkEpoch reads fenceQuery's answer: ErrFenced unless it is epoch.
func checkEpoch(row pgx.Row, epoch int64) error {
	var now int64
	if err := row.Scan(&now); err != nil {
		return err
	}
	if now != epoch {
		return fmt.Errorf("postgres: %w: %w (lease epoch %d, this server's %d)", store.ErrUnavailable, ErrFenced, now, epoch)
	}
	return nil
}

// Release gives the lock up by closing its connection. It is idempotent.
func (l *NodeLock) Release() error { return l.close() }

// nodeAppPrefix starts the application_name of node lock sessions.
const nodeAppPrefix = "baton node: "

// nodeAppName is the application_name of the node lock session of holder:
// the prefix and as much of holder as fits in 63 bytes, in ASCII with Go's
// escapes (PostgreSQL turns every other byte of it into '?'), cut between
// two letters. nodeName reads it back.
func nodeAppName(holder string) string {
	app := nodeAppPrefix
	for _, r := range holder {
		q := strconv.QuoteToASCII(string(r))
		q = q[1 : len(q)-1]
		if len(app)+len(q) > 63 {
			break
		}
		app += q
	}
	return app
}

// nodeName is the holder's name that nodeAppName(holder) carries after
// its prefix (as it is, if it does not read as escaped).
func nodeName(s string) string {
	if name, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return name
	}
	return s
}

// Node is a server of the database, as its node lock session shows it.
type Node struct {
	Name    string    // its LockOptions.Holder (as much as fits the session's name)
	Active  bool      // it holds the node lock: it runs the executions
	Epoch   int64     // the lease's epoch, for the active one
	Since   time.Time // active since (the lease), or waiting since (a standby's session)
	Address string    // its address as the database sees it ("" for a local socket)
}

// Nodes lists the servers of the database: the one holding the node lock
// first, then the standbys waiting for it, oldest first. Cluster members
// are not listed (ClusterNodes).
func (s *Store) Nodes(ctx context.Context) ([]Node, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	var epoch, since int64
	var holder string
	if err := q.QueryRow(ctx, `SELECT epoch, holder, since FROM node_lease WHERE one = 1`).Scan(&epoch, &holder, &since); err != nil {
		return nil, classify(err)
	}
	rows, err := q.Query(ctx, `SELECT substr(a.application_name, $2), coalesce(host(a.client_addr), ''), a.backend_start,
			EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
				AND l.mode = 'ExclusiveLock' AND l.objsubid = 1
				AND ((l.classid::bigint << 32) | l.objid::bigint) = $1)
		FROM pg_stat_activity a
		WHERE a.datname = current_database() AND starts_with(a.application_name, $3)
			AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND `+memberLock+`)
		ORDER BY a.backend_start`, nodeLockKey, len(nodeAppPrefix)+1, nodeAppPrefix)
	if err != nil {
		return nil, classify(err)
	}
	var out []Node
	var n Node
	_, err = pgx.ForEachRow(rows, []any{&n.Name, &n.Address, &n.Since, &n.Active}, func() error {
		n.Since = n.Since.UTC()
		n.Name = nodeName(n.Name)
		if n.Active {
			n.Epoch, n.Since = epoch, time.Unix(0, since).UTC()
			out = append([]Node{n}, out...)
		} else {
			out = append(out, n)
		}
		return nil
	})
	return out, classify(err)
}
