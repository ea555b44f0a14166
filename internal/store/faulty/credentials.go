// Pass-throughs of store.Credentials (see methods.go).

package faulty

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (f *Store) CreateCredential(ctx context.Context, c *store.Credential) error {
	return f.around(ctx, "CreateCredential", c.ID, func() error { return f.Store.CreateCredential(ctx, c) })
}

func (f *Store) GetCredential(ctx context.Context, id string) (*store.Credential, error) {
	var a *store.Credential
	err := f.around(ctx, "GetCredential", id, func() (err error) {
		a, err = f.Store.GetCredential(ctx, id)
		return err
	})
	return a, err
}

func (f *Store) ListCredentials(ctx context.Context, kind string) ([]*store.Credential, error) {
	var a []*store.Credential
	err := f.around(ctx, "ListCredentials", kind, func() (err error) {
		a, err = f.Store.ListCredentials(ctx, kind)
		return err
	})
	return a, err
}

func (f *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	return f.around(ctx, "RevokeCredential", id, func() error { return f.Store.RevokeCredential(ctx, id, at) })
}

func (f *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	return f.around(ctx, "TouchCredential", id, func() error { return f.Store.TouchCredential(ctx, id, at) })
}
