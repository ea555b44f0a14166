package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	"github.com/batonhq/baton/internal/store"
)

// Options tune a Store. The zero value is the default.
type Options struct {
	// MaxConns is the size of the connection pool (default 16).
	MaxConns int
	// StatementTimeout bounds every statement on the server side (default
	// 30s), so that a lock held by a stuck client cannot stall the engine
	// for ever.
	StatementTimeout time.Duration
	// IdleInTransactionTimeout ends, on the server side, a session of this
	// store that sits in a transaction this long (default 5s): the store
	// never waits inside a transaction, so such a session belongs to a
	// server that hangs or was cut off, and its locks must not hold up
	// the others (a standby taking over waits for them).
	IdleInTransactionTimeout time.Duration
	// MigrateUnderLock leaves the migrations to LockNode, which applies
	// them once it holds the node lock: a standby of a newer version then
	// does not change the schema under the server that runs.
	MigrateUnderLock bool
}

// Store is the PostgreSQL implementation of store.Store. It is safe for
// concurrent use, by several goroutines and by several processes (nodes).
type Store struct {
	pool      *pgxpool.Pool
	cfg       *pgxpool.Config
	opts      Options
	closeOnce sync.Once
	closed    atomic.Bool
	// writeFail holds the last write's failure of the database itself
	// (store.ErrUnavailable) until a write succeeds again: Health says so.
	writeFail atomic.Pointer[error]
	// fence is the node lease's epoch this store's server took (LockNode):
	// every write checks it. 0: no lock taken, writes unchecked (tests,
	// tools).
	fence atomic.Int64
	lock  atomic.Pointer[NodeLock]
	// member is the store's server's cluster membership (JoinCluster):
	// every Commit checks the partitions it writes against its fences.
	member atomic.Pointer[Member]
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open connects to the database that dsn names (a postgres:// URL or a
// key=value connection string), applies the pending migrations (several
// nodes starting at once take turns: goose's advisory lock; see also
// Options.MigrateUnderLock) and returns the store.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: say only
		// what is wrong with it.
		return nil, fmt.Errorf("postgres: the connection string is not valid: %s", redact(err.Error(), dsn))
	}
	cfg.MaxConns = int32(16)
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(opts.MaxConns)
	}
	timeout := opts.StatementTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(timeout.Milliseconds())
	idle := opts.IdleInTransactionTimeout
	if idle <= 0 {
		idle = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = fmt.Sprint(idle.Milliseconds())
	// The connection string may name the server's connections (an
	// application_name of its own per node of a cluster, say, to tell
	// them apart in pg_stat_activity); "baton" otherwise.
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "baton"
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", classify(err))
	}
	s := &Store{pool: pool, cfg: cfg, opts: opts}
	if opts.MigrateUnderLock {
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the pending migrations, holding goose's session
// advisory lock so that nodes starting together apply them once.
func (s *Store) migrate(ctx context.Context) error {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	p, err := goose.NewProvider(database.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", classify(err))
	}
	return nil
}

// Close closes the pool. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.pool.Close()
	})
	return nil
}

// Health reports whether the database answers and the last write did not
// fail for a reason of the database's own.
func (s *Store) Health(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", classify(err))
	}
	if e := s.writeFail.Load(); e != nil {
		return *e
	}
	return nil
}

var errClosed = fmt.Errorf("postgres: store is closed: %w", store.ErrUnavailable)

// querier is what reads need: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// read returns the pool for a read, or errClosed.
func (s *Store) read() (querier, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	return s.pool, nil
}

// tx runs fn in one transaction: it commits when fn returns nil and rolls
// back otherwise. A failure of the database itself is classified (see
// classify) and, when the transaction certainly did not commit, marked
// store.NoEffect so that a decorator may repeat the call.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) (err error) {
	if err := s.writable(ctx); err != nil {
		return err
	}
	noEffect := true
	defer func() { err = s.finish(err, noEffect) }()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	if epoch := s.fence.Load(); epoch != 0 {
		err = checkFence(ctx, tx, epoch)
	}
	if err == nil {
		err = fn(tx)
	}
	if err != nil {
		// Roll back without ctx: a cancelled ctx must not keep the
		// connection in a transaction (pgx then closes it anyway).
		_ = tx.Rollback(context.Background())
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		// A COMMIT whose answer was lost may have committed: only a
		// refusal from the server (a serialization failure, say) is known
		// to have had no effect.
		var pe *pgconn.PgError
		noEffect = errors.As(err, &pe)
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// writable says why a write cannot begin: the store is closed (no
// effect) or ctx is done.
func (s *Store) writable(ctx context.Context) error {
	if s.closed.Load() {
		return store.NoEffect(errClosed)
	}
	return ctx.Err()
}

// finish classifies the failure of a write (see classify), marks it
// store.NoEffect when the transaction certainly did not commit, and keeps
// the store's health: a failure of the database until a write passes; a
// fenced write tells the node lock. A Commit fenced by a partition lease
// (*store.PartitionsLostError) stays as it is, for errors.As.
func (s *Store) finish(err error, noEffect bool) error {
	err = classify(err)
	switch {
	case err == nil:
		if s.writeFail.Load() != nil {
			s.writeFail.Store(nil)
		}
	case errors.Is(err, ErrFenced):
		if l := s.lock.Load(); l != nil {
			l.lose(err)
		}
		s.writeFail.Store(&err)
		err = store.NoEffect(err)
	case errors.As(err, new(*store.PartitionsLostError)):
		// Refused before any write: not a failure of the database.
		err = store.NoEffect(err)
	case errors.Is(err, store.ErrUnavailable):
		s.writeFail.Store(&err)
		if noEffect {
			err = store.NoEffect(err)
		}
	}
	return err
}

// Error codes of PostgreSQL (SQLSTATE) the store tells apart.
const (
	codeUniqueViolation = "23505"
)

// isUnique reports whether err is a violation of a PRIMARY KEY or UNIQUE
// constraint.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeUniqueViolation
}

// classify wraps err with store.ErrUnavailable when the database could not
// be reached or refused for a passing reason (connection lost, server
// shutting down, too many connections, out of disk, a lock or statement
// timeout, a serialization failure or deadlock), so that callers retry.
func classify(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrDamaged) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			// The session ended by a timeout of the server's: idle in
			// transaction (a server paused mid-transaction), or PostgreSQL
			// 17's transaction_timeout. A new connection may pass. (Not
			// every FATAL: a wrong password is FATAL too, and no retry
			// mends it.)
			pe.Code == "25P03", pe.Code == "25P04",
			strings.HasPrefix(pe.Code, "53"), // insufficient resources (disk full, too many connections)
			strings.HasPrefix(pe.Code, "57"), // operator intervention (shutdown, query canceled by timeout)
			strings.HasPrefix(pe.Code, "40"): // transaction rollback (serialization failure, deadlock)
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		case pe.Code == "55P03": // lock_not_available
			return fmt.Errorf("%w: %w: %w", store.ErrUnavailable, store.ErrLocked, err)
		case strings.HasPrefix(pe.Code, "XX"): // internal error: data corrupted
			return fmt.Errorf("%w: %w", store.ErrDamaged, err)
		}
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, pgx.ErrTxClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(root(err).Error(), "conn closed") {
		return fmt.Errorf("%w: the database cannot be reached: %w", store.ErrUnavailable, err)
	}
	return err
}

// root is the innermost error of err's chain: pgx's own, not the store's
// messages around it, which may quote what a request said.
func root(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// redact removes the password of dsn from msg.
func redact(msg, dsn string) string {
	if cfg, err := pgconn.ParseConfig(dsn); err == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	return msg
}
