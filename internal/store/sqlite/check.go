package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/batonhq/baton/internal/store"
)

// Checks of the database at Open (Options.Check).
const (
	// CheckQuick runs PRAGMA quick_check: every b-tree page is read and its
	// structure verified, in time linear in the database's size. It does
	// not compare indexes with their tables.
	CheckQuick = "quick"
	// CheckFull runs PRAGMA integrity_check: quick_check, plus every index
	// entry matched with its row (several times slower).
	CheckFull = "full"
	// CheckOff skips the check.
	CheckOff = "off"
)

// maxProblems is how many problems a check reports.
const maxProblems = 10

// ErrEmptyFile is returned by Open for a database file of 0 bytes: SQLite
// would take it for a new, empty database, silently, when it is more likely
// a database lost to a full disk or a bad copy.
var ErrEmptyFile = errors.New("the database file is empty (0 bytes)")

// preflight refuses a database file that exists but holds nothing, and
// reports whether the file exists (a file that does not is a new database).
func preflight(path string) (exists bool, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: %w", err)
	}
	if fi.Size() == 0 {
		return true, fmt.Errorf("sqlite: %s: %w", path, ErrEmptyFile)
	}
	return true, nil
}

// Check verifies the database file at path with quick_check (CheckQuick or
// "") or integrity_check (CheckFull); CheckOff does nothing. A damaged
// database is an error wrapping store.ErrDamaged that quotes the first
// problems SQLite found. It reads the file in a connection of its own and
// takes no lock that stops a running server.
func Check(ctx context.Context, path, mode string) error {
	pragma := "quick_check"
	switch mode {
	case "", CheckQuick:
	case CheckFull:
		pragma = "integrity_check"
	case CheckOff:
		return nil
	default:
		return fmt.Errorf("sqlite: unknown database check %q (want %q, %q or %q)", mode, CheckQuick, CheckFull, CheckOff)
	}
	if exists, err := preflight(path); err != nil || !exists {
		return err
	}
	db, err := sql.Open("sqlite", fileURI(path, "mode=rw&_pragma=busy_timeout(5000)"))
	if err != nil {
		return fmt.Errorf("sqlite: check: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	problems, err := runCheck(ctx, db, pragma)
	if err != nil {
		return fmt.Errorf("sqlite: %s of %s: %w", pragma, path, classify(err))
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlite: %s of %s: %w: %s", pragma, path, store.ErrDamaged, strings.Join(problems, "; "))
	}
	return nil
}

// fileURI is the SQLite URI of the file at path with the query.
func fileURI(path, query string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + query
}

// runCheck runs a check pragma and returns the problems it lists (none when
// it answers "ok").
func runCheck(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("PRAGMA %s(%d)", pragma, maxProblems))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}
