package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/batonhq/baton/internal/store"
)

// health is what the store learned of its own state from the errors of its
// calls: the layers above answer 503 and report not ready from it.
type health struct {
	// damaged is set, for good, by the first error that found the
	// database damaged: it does not heal by itself.
	damaged atomic.Pointer[error]
	// writeFail is the error of the last write when it failed for a
	// passing reason (a full disk); a successful write clears it.
	writeFail atomic.Pointer[error]
	probedAt  atomic.Int64 // unix nanos of the last probe write, to rate-limit them
}

// walGone tells whether the WAL file was deleted or replaced while the
// store has it open (by hand, or by a cleanup job). SQLite goes on writing
// the deleted file, which holds every transition since the last
// checkpoint: a crash would lose them, a restart on a replaced file would
// read another WAL. A graceful close still checkpoints them into the
// database through the open file, so that is what the error asks for.
func (s *Store) walGone() error {
	if s.wal == nil {
		return nil
	}
	if fi, err := os.Stat(s.walPath); err == nil && os.SameFile(fi, s.wal) {
		return nil
	}
	return fmt.Errorf("%w: the database's WAL file %s was deleted or replaced while the server runs; the transitions stored since the last checkpoint are only in the deleted file. Stop the server gracefully (SIGTERM, not kill -9): closing copies them into the database; then start it again", store.ErrUnavailable, s.walPath)
}

// probeEvery bounds how often Health tries a write while writes fail.
const probeEvery = time.Second

// classify wraps an error of SQLite that is a failure of the store itself:
// a full disk, an I/O error or a lock held too long (SQLITE_BUSY) wraps
// store.ErrUnavailable, a damaged database
// store.ErrDamaged. Other errors are returned as they are.
func classify(err error) error {
	var e *sqlite.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%w: the disk is full: %w", store.ErrUnavailable, err)
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: the disk failed a read or write (I/O error, file size limit, read-only file system): %w", store.ErrUnavailable, err)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w for longer than the busy timeout: %w", store.ErrUnavailable, store.ErrLocked, err)
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%w: %w", store.ErrDamaged, err)
	}
	return err
}

// fault classifies *errp (see classify) and records what it says of the
// store's health. Public methods defer it on their named error result.
func (s *Store) fault(errp *error) {
	err := classify(*errp)
	*errp = err
	if errors.Is(err, store.ErrDamaged) {
		s.health.damaged.CompareAndSwap(nil, &err)
	}
}

// wrote records the outcome of a write transaction: a passing failure
// makes Health report it until a write succeeds again.
func (s *Store) wrote(err error) {
	switch {
	case err == nil:
		if s.health.writeFail.Load() != nil {
			s.health.writeFail.Store(nil)
		}
	case errors.Is(err, store.ErrUnavailable):
		s.health.writeFail.Store(&err)
	}
}

// Health reports why the store cannot serve: the database was found
// damaged (for good), or writes fail (a full disk), in which case it tries a
// small write, at most once a second, to learn whether they pass again. It
// returns nil when the store is well.
func (s *Store) Health(ctx context.Context) error {
	if err := s.health.damaged.Load(); err != nil {
		return *err
	}
	if err := s.walGone(); err != nil {
		return err
	}
	errp := s.health.writeFail.Load()
	if errp == nil {
		return nil
	}
	now := time.Now().UnixNano()
	last := s.health.probedAt.Load()
	if now-last < int64(probeEvery) || !s.health.probedAt.CompareAndSwap(last, now) {
		return *errp
	}
	// Rewriting the header's user_version (unused by Baton) appends a page
	// to the WAL: a write like any other.
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, "PRAGMA user_version = 0")
		return err
	})
}
