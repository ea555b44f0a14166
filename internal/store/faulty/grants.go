// Pass-throughs of store.Grants (see methods.go).

package faulty

import (
	"context"

	"github.com/batonhq/baton/internal/store"
)

func (f *Store) CreateGrant(ctx context.Context, g *store.Grant) error {
	return f.around(ctx, "CreateGrant", g.From+"/"+g.To, func() error { return f.Store.CreateGrant(ctx, g) })
}

func (f *Store) ListGrants(ctx context.Context) ([]*store.Grant, error) {
	var a []*store.Grant
	err := f.around(ctx, "ListGrants", "", func() (err error) {
		a, err = f.Store.ListGrants(ctx)
		return err
	})
	return a, err
}

func (f *Store) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	return f.around(ctx, "DeleteGrant", from+"/"+to, func() error { return f.Store.DeleteGrant(ctx, from, to, workflow) })
}
