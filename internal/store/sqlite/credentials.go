package sqlite

// Tokens and access keys (store.Credentials).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// CreateCredential inserts c; ErrExists when its ID is taken.
func (s *Store) CreateCredential(ctx context.Context, cr *store.Credential) error {
	roles, err := sqlrows.Roles(cr.Roles)
	if err != nil {
		return err
	}
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO credentials (id, kind, name, secret, roles, created, expires, revoked, last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			cr.ID, cr.Kind, cr.Name, cr.Secret, roles, sqlrows.Nanos(cr.Created), sqlrows.Nanos(cr.Expires), sqlrows.Nanos(cr.Revoked), sqlrows.Nanos(cr.LastUsed))
		if isUnique(err) {
			return fmt.Errorf("credential %q: %w", cr.ID, store.ErrExists)
		}
		return err
	})
}

// GetCredential returns the credential of that ID.
func (s *Store) GetCredential(ctx context.Context, id string) (_ *store.Credential, err error) {
	defer s.fault(&err)
	c, err := sqlrows.ScanCredential(s.queryRow(ctx, `SELECT `+sqlrows.CredentialColumns+` FROM credentials WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credential %q: %w", id, store.ErrNotFound)
	}
	return c, err
}

// ListCredentials returns the credentials of a kind ("" for all), oldest first.
func (s *Store) ListCredentials(ctx context.Context, kind string) (_ []*store.Credential, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT `+sqlrows.CredentialColumns+` FROM credentials WHERE ? = '' OR kind = ? ORDER BY created, id`, kind, kind)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanCredential)
}

// RevokeCredential sets the revocation time unless it is set already.
func (s *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE credentials SET revoked = CASE WHEN revoked = 0 THEN ? ELSE revoked END WHERE id = ?`, sqlrows.Nanos(at), id)
		return mustAffect(res, err, "credential", id)
	})
}

// TouchCredential sets the time of last use.
func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE credentials SET last_used = ? WHERE id = ?`, sqlrows.Nanos(at), id)
		return mustAffect(res, err, "credential", id)
	})
}
