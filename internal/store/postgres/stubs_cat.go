package postgres

// Temporary: methods not ported yet (this file goes before the branch merges).

import (
	"context"
	"github.com/batonhq/baton/internal/store"
	"time"
)

var _ = time.Now
var _ context.Context
var _ store.Page

func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	panic("postgres: not ported yet")
}

func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetStateMachine(ctx context.Context, arn string) (_ *store.StateMachine, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListStateMachines(ctx context.Context, page store.Page) (_ []*store.StateMachine, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	panic("postgres: not ported yet")
}

func (s *Store) CreateVersion(ctx context.Context, v *store.Version) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetVersion(ctx context.Context, arn string) (_ *store.Version, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListVersions(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Version, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteVersion(ctx context.Context, arn string) error {
	panic("postgres: not ported yet")
}

func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	panic("postgres: not ported yet")
}

func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetAlias(ctx context.Context, arn string) (_ *store.Alias, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListAliases(ctx context.Context, stateMachineArn string, page store.Page) (_ []*store.Alias, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	panic("postgres: not ported yet")
}

func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetActivity(ctx context.Context, arn string) (_ *store.Activity, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListActivities(ctx context.Context, page store.Page) (_ []*store.Activity, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	panic("postgres: not ported yet")
}

func (s *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	panic("postgres: not ported yet")
}

func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	panic("postgres: not ported yet")
}

func (s *Store) ListTags(ctx context.Context, arn string) (_ map[string]string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) SetNotificationSettings(ctx context.Context, arn string, body []byte) error {
	panic("postgres: not ported yet")
}

func (s *Store) NotificationSettings(ctx context.Context, arn string) (_ []byte, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) PutBundle(ctx context.Context, b *store.Bundle) (created bool, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) GetBundle(ctx context.Context, digest string) (_ *store.Bundle, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetNamespace(ctx context.Context, name string) (_ *store.Namespace, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListNamespaces(ctx context.Context) (_ []*store.Namespace, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error {
	panic("postgres: not ported yet")
}

func (s *Store) CreateCredential(ctx context.Context, cr *store.Credential) error {
	panic("postgres: not ported yet")
}

func (s *Store) GetCredential(ctx context.Context, id string) (_ *store.Credential, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) ListCredentials(ctx context.Context, kind string) (_ []*store.Credential, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	panic("postgres: not ported yet")
}

func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	panic("postgres: not ported yet")
}

func (s *Store) CreateGrant(ctx context.Context, g *store.Grant) error {
	panic("postgres: not ported yet")
}

func (s *Store) ListGrants(ctx context.Context) (_ []*store.Grant, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	panic("postgres: not ported yet")
}

func (s *Store) AppendAudit(ctx context.Context, entries []*store.AuditEntry) error {
	panic("postgres: not ported yet")
}

func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, page store.Page) (_ []*store.AuditEntry, _ string, err error) {
	panic("postgres: not ported yet")
}

func (s *Store) TrimAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	panic("postgres: not ported yet")
}
