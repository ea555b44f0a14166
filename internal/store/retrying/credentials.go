// Pass-throughs of store.Credentials (see methods.go).

package retrying

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (s *Store) CreateCredential(ctx context.Context, c *store.Credential) error {
	return s.do(ctx, "CreateCredential", write, func() error { return s.Store.CreateCredential(ctx, c) })
}

func (s *Store) GetCredential(ctx context.Context, id string) (*store.Credential, error) {
	var a *store.Credential
	err := s.do(ctx, "GetCredential", read, func() (err error) {
		a, err = s.Store.GetCredential(ctx, id)
		return err
	})
	return a, err
}

func (s *Store) ListCredentials(ctx context.Context, kind string) ([]*store.Credential, error) {
	var a []*store.Credential
	err := s.do(ctx, "ListCredentials", read, func() (err error) {
		a, err = s.Store.ListCredentials(ctx, kind)
		return err
	})
	return a, err
}

func (s *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	return s.do(ctx, "RevokeCredential", write, func() error { return s.Store.RevokeCredential(ctx, id, at) })
}

func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	return s.do(ctx, "TouchCredential", write, func() error { return s.Store.TouchCredential(ctx, id, at) })
}
