package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite/sqlitetest"
)

// damagedDB writes a database of n executions with the store, closes it
// (checkpointing the WAL into the file) and returns its path.
func damagedDB(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	sqlitetest.Fill(t, s, "arn:aws:states:us-east-1:123456789012:stateMachine:fill", n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatalf("the WAL survived Close: the file alone is not the database")
	}
	return path
}

// TestCheckCatchesDamagedPages: quick_check (the default at Open) and
// integrity_check both find random pages overwritten in a real database,
// and Open refuses it with an error wrapping store.ErrDamaged.
func TestCheckCatchesDamagedPages(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			path := damagedDB(t, 2000)
			if err := Check(context.Background(), path, CheckQuick); err != nil {
				t.Fatalf("quick_check of the sound database: %v", err)
			}
			sqlitetest.CorruptPages(t, path, nil, 3, seed)
			for _, mode := range []string{"", CheckQuick, CheckFull} {
				err := Check(context.Background(), path, mode)
				if !errors.Is(err, store.ErrDamaged) {
					t.Errorf("Check(%q) = %v, want ErrDamaged", mode, err)
				}
			}
			_, err := Open(filepath.Dir(path), Options{})
			if !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Open = %v, want ErrDamaged", err)
			}
		})
	}
}

// TestCheckOff: with the check off the damaged database opens; a read that
// meets the damage fails with ErrDamaged and Health reports it for good.
func TestCheckOffRuntimeDamage(t *testing.T) {
	path := damagedDB(t, 2000)
	sqlitetest.CorruptPages(t, path, sqlitetest.PagesOf(t, path, "executions"), 5, 7)
	s, err := Open(filepath.Dir(path), Options{Check: CheckOff})
	if err != nil {
		t.Fatalf("Open with the check off: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health before any read: %v", err)
	}
	var readErr error
	page := store.Page{Limit: 1000}
	for {
		var next string
		_, next, readErr = s.ListExecutions(ctx, store.ExecutionFilter{}, page)
		if readErr != nil || next == "" {
			break
		}
		page.Token = next
	}
	if !errors.Is(readErr, store.ErrDamaged) {
		t.Fatalf("listing every execution = %v, want ErrDamaged", readErr)
	}
	if err := s.Health(ctx); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("Health after the damaged read = %v, want ErrDamaged", err)
	}
}

// TestEmptyFileRefused: an existing 0-byte baton.db is not taken for a new
// database, whatever the check.
func TestEmptyFileRefused(t *testing.T) {
	for _, mode := range []string{CheckQuick, CheckFull, CheckOff} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{Check: mode})
		if !errors.Is(err, ErrEmptyFile) {
			t.Errorf("check %s: Open = %v, want ErrEmptyFile", mode, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Size() != 0 {
			t.Errorf("check %s: the empty file was written to", mode)
		}
	}
}

// TestNotADatabase: a file that is not SQLite is damaged, not a new store.
func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("this is not a database, just text: "+fmt.Sprint(make([]byte, 5000))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{CheckQuick, CheckOff} {
		if _, err := Open(dir, Options{Check: mode}); !errors.Is(err, store.ErrDamaged) {
			t.Errorf("check %s: Open = %v, want ErrDamaged", mode, err)
		}
	}
}

func TestCheckUnknownMode(t *testing.T) {
	if err := Check(context.Background(), filepath.Join(t.TempDir(), FileName), "fast"); err == nil {
		t.Error("Check accepted an unknown mode")
	}
}

// TestHealthProbe: after a write failed for want of space, Health reports
// it until a write passes; it tries one itself at most once a second.
func TestHealthProbe(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ctx := context.Background()
	full := fmt.Errorf("%w: the disk is full", store.ErrUnavailable)
	s.wrote(full)
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health after a failed write, with room again: %v (the probe write should pass)", err)
	}
	s.wrote(full)
	if err := s.Health(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Health within a second of the last probe: %v, want the write failure", err)
	}
	s.wrote(nil)
	if err := s.Health(ctx); err != nil {
		t.Errorf("Health after a write passed: %v", err)
	}
}

// TestHealthWALDeleted: a WAL file deleted under a running store makes it
// unhealthy, saying what to do; a graceful close then keeps what the
// deleted file held, as the message says.
func TestHealthWALDeleted(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	ctx := context.Background()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health of a fresh store: %v", err)
	}
	// A write that stays in the WAL (no checkpoint runs this early).
	if err := s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, "PRAGMA user_version = 7")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, FileName+"-wal")); err != nil {
		t.Fatal(err)
	}
	err := s.Health(ctx)
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "WAL file") || !strings.Contains(err.Error(), "SIGTERM") {
		t.Errorf("Health after the WAL was deleted: %v, want ErrUnavailable naming the WAL and what to do", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, Options{})
	defer s.Close()
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != 7 {
		t.Errorf("after a graceful close and reopening: user_version %d, %v; want 7", v, err)
	}
	if err := s.Health(ctx); err != nil {
		t.Errorf("Health after reopening: %v", err)
	}
}
