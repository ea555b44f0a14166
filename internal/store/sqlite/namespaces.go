package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/store"
)

// CreateNamespace inserts n; ErrExists when its name or account is taken.
func (s *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO namespaces (name, account_id, created) VALUES (?, ?, ?)`,
			n.Name, n.AccountID, nanos(n.Created))
		if isUnique(err) {
			return fmt.Errorf("namespace %q (account %s): %w", n.Name, n.AccountID, store.ErrExists)
		}
		return err
	})
}

// GetNamespace returns the namespace of that name.
func (s *Store) GetNamespace(ctx context.Context, name string) (_ *store.Namespace, err error) {
	defer s.fault(&err)
	n := &store.Namespace{Name: name}
	var created int64
	err = s.queryRow(ctx, `SELECT account_id, created FROM namespaces WHERE name = ?`, name).Scan(&n.AccountID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("namespace %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	n.Created = fromNanos(created)
	return n, nil
}

// ListNamespaces returns every namespace, sorted by name.
func (s *Store) ListNamespaces(ctx context.Context) (_ []*store.Namespace, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT name, account_id, created FROM namespaces ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Namespace
	for rows.Next() {
		n := &store.Namespace{}
		var created int64
		if err := rows.Scan(&n.Name, &n.AccountID, &created); err != nil {
			return nil, err
		}
		n.Created = fromNanos(created)
		out = append(out, n)
	}
	return out, rows.Err()
}
