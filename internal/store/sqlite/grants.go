package sqlite

// Grants between namespaces (store.Grants).

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// CreateGrant inserts g; ErrExists when the same grant is there.
func (s *Store) CreateGrant(ctx context.Context, g *store.Grant) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO grants (from_ns, to_ns, workflow, created, created_by) VALUES (?, ?, ?, ?, ?)`,
			g.From, g.To, g.Workflow, sqlrows.Nanos(g.Created), g.CreatedBy)
		if isUnique(err) {
			return fmt.Errorf("grant %s -> %s of %s: %w", g.From, g.To, g.Workflow, store.ErrExists)
		}
		return err
	})
}

// ListGrants returns every grant by From, To, Workflow.
func (s *Store) ListGrants(ctx context.Context) (_ []*store.Grant, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT `+sqlrows.GrantColumns+` FROM grants ORDER BY from_ns, to_ns, workflow`)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanGrant)
}

// DeleteGrant removes a grant; ErrNotFound when there is none.
func (s *Store) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `DELETE FROM grants WHERE from_ns = ? AND to_ns = ? AND workflow = ?`, from, to, workflow)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("grant %s -> %s of %s: %w", from, to, workflow, store.ErrNotFound)
		}
		return nil
	})
}
