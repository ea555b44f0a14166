package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// IsPostgres reports whether a --store value names a PostgreSQL database.
func IsPostgres(storeURL string) bool {
	return strings.HasPrefix(storeURL, "postgres://") || strings.HasPrefix(storeURL, "postgresql://")
}

// CheckStore refuses a --store value that names no store Baton has.
func CheckStore(storeURL string) error {
	if storeURL == "" || storeURL == "sqlite" || IsPostgres(storeURL) {
		return nil
	}
	return fmt.Errorf("want sqlite (the default: a database in --data-dir) or a PostgreSQL URL such as postgres://baton:PASSWORD@db.example.com:5432/baton, not %q", redactURL(storeURL))
}

// redactURL hides the passwords of a URL for messages and logs: the one
// of its user information, and those a query may carry (libpq's password
// and sslpassword parameters), or a key=value connection string's, which
// --store refuses with a message that quotes it.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		s = u.Redacted()
	} else if i := strings.LastIndex(s, "@"); i >= 0 {
		s = "xxxxx" + s[i:]
	}
	if IsPostgres(s) {
		return urlPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	return kvPassword.ReplaceAllString(s, "${1}xxxxx")
}

// The password parameters of a URL's query and of a key=value string (a
// value there may be quoted, with spaces).
var (
	urlPassword = regexp.MustCompile(`(?i)(password=)[^&#]*`)
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
)

// openedStore is the store a server runs on.
type openedStore struct {
	db   store.Store
	name string // for messages: the SQLite file or the redacted URL
	// lock, with PostgreSQL, is the right to run the database's
	// executions (nil with SQLite: the data directory's lock does that).
	lock *postgres.NodeLock
	// member, with --cluster, is this node's membership of the cluster
	// (nil otherwise); pg its PostgreSQL store.
	member  *postgres.Member
	pg      *postgres.Store
	holder  string
	cluster clusterStatus
	// openError explains a failure to open or recover (the database
	// damaged, say), with what to do.
	openError func(error) error
}

// openStore opens the store cfg.Store names: SQLite in dir by default, or
// a PostgreSQL database, whose node lock it takes (onLost: see
// postgres.Store.LockNode).
func openStore(ctx context.Context, cfg Config, dir string, log *slog.Logger, onLost func(error)) (*openedStore, error) {
	if err := CheckStore(cfg.Store); err != nil {
		return nil, fmt.Errorf("--store: %w", err)
	}
	opened := time.Now()
	if !IsPostgres(cfg.Store) {
		path := filepath.Join(dir, sqlite.FileName)
		db, err := sqlite.Open(dir, sqlite.Options{Durability: cfg.Durability, Check: cfg.DBCheck})
		if err != nil {
			return nil, openError(path, err)
		}
		log.Info("database opened", "check", cmp.Or(cfg.DBCheck, sqlite.CheckQuick), "took", time.Since(opened).Round(time.Millisecond))
		return &openedStore{db: db, name: path, cluster: clusterStatus{store: "sqlite", nodes: thisNode(time.Now())}, openError: func(err error) error { return openError(path, err) }}, nil
	}
	name := redactURL(cfg.Store)
	// A server cut off in the middle of a transaction keeps its locks
	// until the database ends its session: not longer than its node lock.
	db, err := postgres.Open(ctx, cfg.Store, postgres.Options{MigrateUnderLock: true,
		IdleInTransactionTimeout: min(5*time.Second, cmp.Or(cfg.LeaseTimeout, postgres.DefaultLockTimeout))})
	if err != nil {
		return nil, fmt.Errorf("opening the PostgreSQL store %s: %w", name, err)
	}
	host, _ := os.Hostname()
	holder := cmp.Or(cfg.NodeName, hostPid(host))
	dbErr := func(err error) error {
		if errors.Is(err, store.ErrDamaged) {
			return fmt.Errorf("the PostgreSQL database %s reports damaged data: %w. Restore it from a backup (see docs/operations.md)", name, err)
		}
		return fmt.Errorf("the PostgreSQL store %s: %w", name, err)
	}
	// A database that cannot be reached (restarting, say) is waited for,
	// as a standby waits for the lock: the server starts once it can.
	retry := func(what func() error) error {
		for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
			err := what()
			if err == nil {
				return nil
			}
			if !errors.Is(err, store.ErrUnavailable) || ctx.Err() != nil {
				return err
			}
			log.Warn("the database cannot be reached; trying again", "store", name, "in", wait, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	if cfg.Cluster {
		var member *postgres.Member
		err := retry(func() (err error) {
			member, err = db.JoinCluster(ctx, postgres.JoinOptions{Holder: holder, Addr: cfg.AdvertiseURL, Timeout: cfg.LeaseTimeout, OnLost: onLost})
			return err
		})
		if err != nil {
			db.Close()
			return nil, err
		}
		log.Info("database opened; this server is a node of the cluster", "store", name, "node", holder, "advertise", cfg.AdvertiseURL, "took", time.Since(opened).Round(time.Millisecond))
		return &openedStore{db: db, name: name, member: member, pg: db, holder: holder,
			cluster: clusterStatus{store: "postgres", nodes: clusterNodesOf(db), partitions: partitionsOf(db)}, openError: dbErr}, nil
	}
	// A second server on the database is a standby: it waits for the
	// node lock, and takes over when the one holding it stops or dies.
	opts := postgres.LockOptions{Wait: -1, Timeout: cfg.LeaseTimeout, OnLost: onLost, Holder: holder,
		OnWait: func(who string) {
			log.Warn("standby: "+who+" runs this database's executions; this server takes over when it stops, or after --lease-timeout without a word from it",
				"lease_timeout", cmp.Or(cfg.LeaseTimeout, postgres.DefaultLockTimeout))
		}}
	var lock *postgres.NodeLock
	err = retry(func() (err error) {
		lock, err = db.LockNode(ctx, opts)
		return err
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	log.Info("database opened; this server holds the node lock", "store", name, "epoch", lock.Epoch, "took", time.Since(opened).Round(time.Millisecond))
	return &openedStore{db: db, name: name, lock: lock, pg: db, holder: holder, cluster: clusterStatus{store: "postgres", nodes: nodesOf(db)}, openError: dbErr}, nil
}
