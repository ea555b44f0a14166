package postgres

// Grants between namespaces (store.Grants).

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// CreateGrant inserts g; ErrExists when the same grant is there.
func (s *Store) CreateGrant(ctx context.Context, g *store.Grant) error {
	return s.insert(ctx, fmt.Sprintf("grant %s -> %s of %s", g.From, g.To, g.Workflow),
		`INSERT INTO grants (from_ns, to_ns, workflow, created, created_by) VALUES ($1, $2, $3, $4, $5)`,
		g.From, g.To, g.Workflow, sqlrows.Nanos(g.Created), g.CreatedBy)
}

// ListGrants returns every grant by From, To, Workflow.
func (s *Store) ListGrants(ctx context.Context) (_ []*store.Grant, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+sqlrows.GrantColumns+` FROM grants ORDER BY from_ns, to_ns, workflow`)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanGrant)
}

// DeleteGrant removes a grant; ErrNotFound when there is none.
func (s *Store) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM grants WHERE from_ns = $1 AND to_ns = $2 AND workflow = $3`, from, to, workflow)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("grant %s -> %s of %s: %w", from, to, workflow, store.ErrNotFound)
		}
		return nil
	})
}
