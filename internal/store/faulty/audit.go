// Pass-throughs of store.AuditLog and of retention's deletes (see
// methods.go).

package faulty

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (f *Store) AppendAudit(ctx context.Context, entries []*store.AuditEntry) error {
	return f.around(ctx, "AppendAudit", "", func() error { return f.Store.AppendAudit(ctx, entries) })
}

func (f *Store) ListAudit(ctx context.Context, fl store.AuditFilter, page store.Page) ([]*store.AuditEntry, string, error) {
	var a []*store.AuditEntry
	var next string
	err := f.around(ctx, "ListAudit", fl.Namespace, func() (err error) {
		a, next, err = f.Store.ListAudit(ctx, fl, page)
		return err
	})
	return a, next, err
}

func (f *Store) TrimAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := f.around(ctx, "TrimAudit", "", func() (err error) {
		n, err = f.Store.TrimAudit(ctx, before, limit)
		return err
	})
	return n, err
}

func (f *Store) DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (int, error) {
	var n int
	err := f.around(ctx, "DeleteClosedExecutions", arnPrefix, func() (err error) {
		n, err = f.Store.DeleteClosedExecutions(ctx, arnPrefix, before, limit)
		return err
	})
	return n, err
}

func (f *Store) SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error {
	return f.around(ctx, "SetNamespaceRetention", name, func() error { return f.Store.SetNamespaceRetention(ctx, name, retention) })
}
