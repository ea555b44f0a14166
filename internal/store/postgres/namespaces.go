package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// CreateNamespace inserts n; ErrExists when its name or account is taken
// (both are unique keys, which concurrent inserts respect).
func (s *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	return s.insert(ctx, fmt.Sprintf("namespace %q (account %s)", n.Name, n.AccountID),
		`INSERT INTO namespaces (name, account_id, created, execution_retention) VALUES ($1, $2, $3, $4)`,
		n.Name, n.AccountID, sqlrows.Nanos(n.Created), int64(n.ExecutionRetention))
}

// GetNamespace returns the namespace of that name.
func (s *Store) GetNamespace(ctx context.Context, name string) (*store.Namespace, error) {
	return get(ctx, s, sqlrows.ScanNamespace, "namespace", name, `SELECT `+sqlrows.NamespaceColumns+` FROM namespaces WHERE name = $1`)
}

// ListNamespaces returns every namespace, sorted by name.
func (s *Store) ListNamespaces(ctx context.Context) (_ []*store.Namespace, err error) {
	defer fault(&err)
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+sqlrows.NamespaceColumns+` FROM namespaces ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrows.ScanNamespace)
}

// SetNamespaceRetention sets how long a namespace keeps closed executions.
func (s *Store) SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error {
	return s.update(ctx, "namespace", name, `UPDATE namespaces SET execution_retention = $1 WHERE name = $2`, int64(retention), name)
}
