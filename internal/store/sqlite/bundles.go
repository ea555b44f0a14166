package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// PutBundle inserts b unless its digest is stored already.
func (s *Store) PutBundle(ctx context.Context, b *store.Bundle) (created bool, err error) {
	if b == nil || b.Digest == "" {
		return false, errors.New("sqlite: put bundle: no digest")
	}
	err = s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `INSERT INTO bundles (digest, size, created, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (digest) DO NOTHING`, b.Digest, len(b.Data), sqlrows.Nanos(b.Created), sqlrows.NonNil(b.Data))
		if err != nil {
			return fmt.Errorf("bundle %q: %w", b.Digest, err)
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// GetBundle returns the bundle stored under digest.
func (s *Store) GetBundle(ctx context.Context, digest string) (_ *store.Bundle, err error) {
	defer s.fault(&err)
	b := &store.Bundle{Digest: digest}
	var created int64
	err = s.queryRow(ctx, `SELECT size, created, data FROM bundles WHERE digest = ?`, digest).Scan(&b.Size, &created, &b.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("bundle %q: %w", digest, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %w", digest, err)
	}
	b.Created = sqlrows.FromNanos(created)
	return b, nil
}
