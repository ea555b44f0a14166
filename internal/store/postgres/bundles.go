package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// PutBundle inserts b unless its digest is stored already. Two nodes
// putting one digest at once: the second INSERT waits for the first and
// then does nothing, so exactly one of them is told created.
func (s *Store) PutBundle(ctx context.Context, b *store.Bundle) (created bool, err error) {
	if b == nil || b.Digest == "" {
		return false, errors.New("postgres: put bundle: no digest")
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO bundles (digest, size, created, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (digest) DO NOTHING`, b.Digest, len(b.Data), sqlrows.Nanos(b.Created), sqlrows.NonNil(b.Data))
		if err != nil {
			return fmt.Errorf("bundle %q: %w", b.Digest, err)
		}
		created = tag.RowsAffected() == 1
		return nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// GetBundle returns the bundle stored under digest.
func (s *Store) GetBundle(ctx context.Context, digest string) (_ *store.Bundle, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	b := &store.Bundle{Digest: digest}
	var created int64
	err = q.QueryRow(ctx, `SELECT size, created, data FROM bundles WHERE digest = $1`, digest).Scan(&b.Size, &created, &b.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("bundle %q: %w", digest, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %w", digest, err)
	}
	b.Created = sqlrows.FromNanos(created)
	return b, nil
}
