// Pass-throughs of store.AuditLog and of retention's deletes (see
// methods.go).

package retrying

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (s *Store) AppendAudit(ctx context.Context, entries []*store.AuditEntry) error {
	return s.do(ctx, "AppendAudit", write, func() error { return s.Store.AppendAudit(ctx, entries) })
}

func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, page store.Page) ([]*store.AuditEntry, string, error) {
	var a []*store.AuditEntry
	var next string
	err := s.do(ctx, "ListAudit", read, func() (err error) {
		a, next, err = s.Store.ListAudit(ctx, f, page)
		return err
	})
	return a, next, err
}

func (s *Store) TrimAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := s.do(ctx, "TrimAudit", write, func() (err error) {
		n, err = s.Store.TrimAudit(ctx, before, limit)
		return err
	})
	return n, err
}

func (s *Store) DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (int, error) {
	var n int
	err := s.do(ctx, "DeleteClosedExecutions", write, func() (err error) {
		n, err = s.Store.DeleteClosedExecutions(ctx, arnPrefix, before, limit)
		return err
	})
	return n, err
}

func (s *Store) SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error {
	return s.do(ctx, "SetNamespaceRetention", write, func() error { return s.Store.SetNamespaceRetention(ctx, name, retention) })
}
