package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/batonhq/baton/internal/store"
)

// Durability settings of Options.Durability.
const (
	// DurabilityFull syncs the WAL on every commit (PRAGMA synchronous=FULL):
	// a Commit that returned survives a power loss.
	DurabilityFull = "full"
	// DurabilityRelaxed syncs only at checkpoints (PRAGMA
	// synchronous=NORMAL): a Commit that returned survives a crash of the
	// process but the last ones may be lost on a power loss.
	DurabilityRelaxed = "relaxed"
)

// FileName is the name of the database file inside the data directory.
const FileName = "baton.db"

// Options tune a Store. The zero value is the safe default.
type Options struct {
	// Durability is DurabilityFull ("" means full) or DurabilityRelaxed.
	Durability string
	// BusyTimeout is how long a connection waits for a lock held by
	// another process before failing (default 5s).
	BusyTimeout time.Duration
	// Readers is the size of the reader connection pool (default
	// max(4, GOMAXPROCS)).
	Readers int
	// Check is how the database is checked before it is used: CheckQuick
	// ("" means quick), CheckFull or CheckOff. A damaged database fails
	// Open with an error wrapping store.ErrDamaged.
	Check string
}

// Store is the SQLite implementation of store.Store. It is safe for
// concurrent use: writes are serialized through one writer connection,
// reads run in parallel on a pool of reader connections.
type Store struct {
	db     *sql.DB // reader pool (query_only)
	wdb    *sql.DB // owns the writer connection
	w      *sql.Conn
	wmu    sync.Mutex // serializes every write and guards ws and cache
	ws     *writeStmts
	cache  execCache
	ckpt   *checkpointer
	rs     readStmts
	closed bool
	health health
	// full is set with DurabilityFull; syncDirty when a log write could not
	// set PRAGMA synchronous back to FULL: the next write does (see
	// AppendLogs).
	full, syncDirty bool
	// walPath and wal identify the WAL file the connections write, to
	// notice it deleted or replaced under the server (see walGone).
	walPath string
	wal     os.FileInfo
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)

// Open opens (creating if needed) the database dir/baton.db, checks it
// (Options.Check), applies the pending migrations and prepares the write
// path. It refuses an existing empty file (ErrEmptyFile).
func Open(dir string, opts Options) (*Store, error) {
	sync := "FULL"
	switch opts.Durability {
	case "", DurabilityFull:
	case DurabilityRelaxed:
		sync = "NORMAL"
	default:
		return nil, fmt.Errorf("sqlite: unknown durability %q (want %q or %q)", opts.Durability, DurabilityFull, DurabilityRelaxed)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = max(4, runtime.GOMAXPROCS(0))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	path := filepath.Join(dir, FileName)
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+sync+")")
		q.Add("_pragma", "foreign_keys(OFF)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		return fileURI(path, q.Encode())
	}

	ctx := context.Background()
	// An existing 0-byte file is refused even with the check off: SQLite
	// would silently make it a new, empty database.
	if _, err := preflight(path); err != nil {
		return nil, err
	}
	if err := Check(ctx, path, opts.Check); err != nil {
		return nil, err
	}
	if err := migrate(ctx, dsn()); err != nil {
		return nil, classify(err)
	}

	s := &Store{full: sync == "FULL"}
	var err error
	s.wdb, err = sql.Open("sqlite", dsn("cache_size(-65536)", "temp_store(MEMORY)",
		"wal_autocheckpoint(0)", fmt.Sprintf("journal_size_limit(%d)", walKeep)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.w, err = s.wdb.Conn(ctx)
	if err != nil {
		s.wdb.Close()
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	s.ws, err = prepareWrite(ctx, s.w)
	if err != nil {
		s.w.Close()
		s.wdb.Close()
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.db, err = sql.Open("sqlite", dsn("query_only(1)", "cache_size(-16384)"))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	s.db.SetMaxOpenConns(readers)
	s.db.SetMaxIdleConns(readers)
	s.db.SetConnMaxIdleTime(0)
	if err := s.db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	cdb, err := sql.Open("sqlite", dsn())
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	cdb.SetMaxOpenConns(1)
	s.ckpt = startCheckpointer(cdb, path+"-wal")
	s.cache.init()
	s.walPath = path + "-wal"
	s.wal, _ = os.Stat(s.walPath) // it exists while connections are open
	return s, nil
}

// Close closes every connection. It is idempotent.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	errs = append(errs, s.ckpt.close())
	if s.ws != nil {
		errs = append(errs, s.ws.close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	s.rs.close()
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// writer runs fn with the writer connection in one IMMEDIATE transaction:
// it commits when fn returns nil and rolls back otherwise.
func (s *Store) writer(ctx context.Context, fn func(c *sql.Conn, ws *writeStmts) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.tx(ctx, fn)
}

// tx is writer without the locking; the caller holds wmu.
//
// A failure of the store itself (see classify) is marked store.NoEffect
// once the transaction is rolled back: nothing of it was stored, so a
// decorator may repeat the call (store/retrying).
func (s *Store) tx(ctx context.Context, fn func(c *sql.Conn, ws *writeStmts) error) (err error) {
	rolledBack := true
	defer func() {
		s.fault(&err)
		s.wrote(err)
		if rolledBack && errors.Is(err, store.ErrUnavailable) {
			err = store.NoEffect(err)
		}
	}()
	if s.closed {
		return errClosed
	}
	if s.syncDirty {
		if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			return fmt.Errorf("sqlite: restoring synchronous=FULL: %w", err)
		}
		s.syncDirty = false
	}
	if _, err := s.w.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if err != nil {
			// Roll back without ctx: a cancelled ctx must not leave the
			// transaction open on the writer connection.
			// A COMMIT that failed on a full disk or an I/O error may have
			// rolled the transaction back already (SQLite does so itself):
			// the ROLLBACK's "no transaction is active" is then no news,
			// and would only muddle the message the client gets.
			if _, rerr := s.w.ExecContext(context.Background(), "ROLLBACK"); rerr != nil && !strings.Contains(rerr.Error(), "no transaction is active") {
				err = errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rerr))
				rolledBack = false
			}
		}
	}()
	if err := fn(s.w, s.ws); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(context.Background(), "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

var errClosed = errors.New("sqlite: store is closed")

// isUnique reports whether err is a violation of a PRIMARY KEY or UNIQUE
// constraint.
func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
