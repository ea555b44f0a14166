package sqlite

import (
	"context"
	"database/sql"
	"os"
	"sync"
)

// WAL sizes that drive checkpoints.
const (
	// checkpointAt is the WAL size from which the checkpointer copies the
	// WAL back into the database. Large, so that a page updated by many
	// commits is copied once.
	checkpointAt = 32 << 20
	// walKeep is the size the WAL file is truncated to when it restarts
	// (PRAGMA journal_size_limit), so that its size tells how much was
	// written since the last checkpoint.
	walKeep = 4 << 20
)

// checkpointer runs WAL checkpoints on a connection of its own, off the
// write path: the writer connection has automatic checkpoints disabled
// and nudges the checkpointer after each commit.
type checkpointer struct {
	db      *sql.DB
	walPath string
	kick    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startCheckpointer(db *sql.DB, walPath string) *checkpointer {
	c := &checkpointer{db: db, walPath: walPath, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.wg.Go(c.loop)
	return c
}

// nudge tells the checkpointer that the WAL grew; it never blocks.
func (c *checkpointer) nudge() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		fi, err := os.Stat(c.walPath)
		if err != nil || fi.Size() < checkpointAt {
			continue
		}
		// PASSIVE never blocks the writer or the readers. An error (e.g.
		// SQLITE_BUSY from another process) is retried at the next nudge.
		_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	c.wg.Wait()
	return c.db.Close()
}
