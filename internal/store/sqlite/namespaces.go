package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// CreateNamespace inserts n; ErrExists when its name or account is taken.
func (s *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		_, err := c.ExecContext(ctx, `INSERT INTO namespaces (name, account_id, created, execution_retention) VALUES (?, ?, ?, ?)`,
			n.Name, n.AccountID, sqlrows.Nanos(n.Created), int64(n.ExecutionRetention))
		if isUnique(err) {
			return fmt.Errorf("namespace %q (account %s): %w", n.Name, n.AccountID, store.ErrExists)
		}
		return err
	})
}

// GetNamespace returns the namespace of that name.
func (s *Store) GetNamespace(ctx context.Context, name string) (_ *store.Namespace, err error) {
	defer s.fault(&err)
	n, err := sqlrows.ScanNamespace(s.queryRow(ctx, `SELECT `+sqlrows.NamespaceColumns+` FROM namespaces WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("namespace %q: %w", name, store.ErrNotFound)
	}
	return n, err
}

// ListNamespaces returns every namespace, sorted by name.
func (s *Store) ListNamespaces(ctx context.Context) (_ []*store.Namespace, err error) {
	defer s.fault(&err)
	rows, err := s.query(ctx, `SELECT `+sqlrows.NamespaceColumns+` FROM namespaces ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanNamespace)
}

// SetNamespaceRetention sets how long a namespace keeps closed executions.
func (s *Store) SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error {
	return s.writer(ctx, func(c *sql.Conn, _ *writeStmts) error {
		res, err := c.ExecContext(ctx, `UPDATE namespaces SET execution_retention = ? WHERE name = ?`, int64(retention), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("namespace %q: %w", name, store.ErrNotFound)
		}
		return nil
	})
}
