package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batonhq/baton/internal/store"
)

// TestClassifyEndOfSession: the database ending a session by a timeout is a
// passing failure, whatever its SQLSTATE class: the idle-in-transaction
// timeout (25P03, a server paused mid-transaction) or PostgreSQL 17's
// transaction_timeout (25P04) ask for a retry on a new connection, not
// a permanent error.
func TestClassifyEndOfSession(t *testing.T) {
	for _, pe := range []*pgconn.PgError{
		{Severity: "FATAL", Code: "25P03", Message: "terminating connection due to idle-in-transaction timeout"},
		{Severity: "FATAL", Code: "25P04", Message: "terminating connection due to transaction timeout"},
		{Severity: "FATAL", Code: "57P05", Message: "terminating connection due to idle-session timeout"},
		{Severity: "ERROR", Code: "40001", Message: "could not serialize access"},
	} {
		err := classify(fmt.Errorf("postgres: commit: %w", pe))
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("classify(%s %s) = %v, want store.ErrUnavailable", pe.Severity, pe.Code, err)
		}
	}
	// A refusal of the statement stays what it is.
	for _, pe := range []*pgconn.PgError{
		{Severity: "ERROR", Code: "25P02", Message: "current transaction is aborted"},
		{Severity: "ERROR", Code: "23505", Message: "duplicate key"},
	} {
		if err := classify(pe); errors.Is(err, store.ErrUnavailable) {
			t.Errorf("classify(%s %s) = %v, want no store.ErrUnavailable", pe.Severity, pe.Code, err)
		}
	}
}

// TestClassifyWrongPassword: a FATAL at connection that no retry mends (a
// wrong password) is not a passing failure.
func TestClassifyWrongPassword(t *testing.T) {
	pe := &pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: "password authentication failed"}
	if err := classify(fmt.Errorf("connect: %w", pe)); errors.Is(err, store.ErrUnavailable) {
		t.Errorf("classify(FATAL 28P01) = %v, want no store.ErrUnavailable", err)
	}
}
