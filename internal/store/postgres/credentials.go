package postgres

// Tokens and access keys (store.Credentials).

import (
	"context"
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
	return s.insert(ctx, fmt.Sprintf("credential %q", cr.ID), `INSERT INTO credentials (`+sqlrows.CredentialColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		cr.ID, cr.Kind, cr.Name, sqlrows.NonNil(cr.Secret), roles, sqlrows.Nanos(cr.Created), sqlrows.Nanos(cr.Expires), sqlrows.Nanos(cr.Revoked), sqlrows.Nanos(cr.LastUsed))
}

// GetCredential returns the credential of that ID.
func (s *Store) GetCredential(ctx context.Context, id string) (*store.Credential, error) {
	return get(ctx, s, sqlrows.ScanCredential, "credential", id, `SELECT `+sqlrows.CredentialColumns+` FROM credentials WHERE id = $1`)
}

// ListCredentials returns the credentials of a kind ("" for all), oldest first.
func (s *Store) ListCredentials(ctx context.Context, kind string) (_ []*store.Credential, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+sqlrows.CredentialColumns+` FROM credentials WHERE $1 = '' OR kind = $1 ORDER BY created, id`, kind)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanCredential)
}

// RevokeCredential sets the revocation time unless it is set already (in
// one statement: of two concurrent revocations, the first to commit is
// kept).
func (s *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, "credential", id, `UPDATE credentials SET revoked = CASE WHEN revoked = 0 THEN $1 ELSE revoked END WHERE id = $2`, sqlrows.Nanos(at), id)
}

// TouchCredential sets the time of last use.
func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, "credential", id, `UPDATE credentials SET last_used = $1 WHERE id = $2`, sqlrows.Nanos(at), id)
}
