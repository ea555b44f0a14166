// Pass-throughs of store.Grants (see methods.go).

package retrying

import (
	"context"

	"github.com/batonhq/baton/internal/store"
)

func (s *Store) CreateGrant(ctx context.Context, g *store.Grant) error {
	return s.do(ctx, "CreateGrant", write, func() error { return s.Store.CreateGrant(ctx, g) })
}

func (s *Store) ListGrants(ctx context.Context) ([]*store.Grant, error) {
	var a []*store.Grant
	err := s.do(ctx, "ListGrants", read, func() (err error) {
		a, err = s.Store.ListGrants(ctx)
		return err
	})
	return a, err
}

func (s *Store) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	return s.do(ctx, "DeleteGrant", write, func() error { return s.Store.DeleteGrant(ctx, from, to, workflow) })
}
