package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/auth/sigv4"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

func TestRoles(t *testing.T) {
	if !Admin.Includes(Viewer) || !Deployer.Includes(Operator) || Operator.Includes(Deployer) || Role("root").Includes(Viewer) {
		t.Error("role order")
	}
	p := &Principal{Roles: []store.RoleGrant{{Namespace: "a", Role: "deployer"}, {Namespace: "*", Role: "viewer"}}}
	for _, tc := range []struct {
		ns   string
		role Role
		want bool
	}{{"a", Operator, true}, {"a", Admin, false}, {"b", Viewer, true}, {"b", Operator, false}} {
		if got := p.Has(tc.ns, tc.role); got != tc.want {
			t.Errorf("Has(%s, %s) = %v", tc.ns, tc.role, got)
		}
	}
	if p.Covers(store.RoleGrant{Namespace: "*", Role: "operator"}) || !p.Covers(store.RoleGrant{Namespace: "a", Role: "deployer"}) {
		t.Error("Covers")
	}
	if g, err := ParseGrant("team-b:Operator", "x"); err != nil || g != (store.RoleGrant{Namespace: "team-b", Role: "operator"}) {
		t.Errorf("ParseGrant: %v %v", g, err)
	}
	if _, err := ParseGrant("root", "x"); err == nil {
		t.Error("ParseGrant of an unknown role")
	}
	if FromContext(context.Background()) != nil || FromContext(WithPrincipal(context.Background(), p)) != p {
		t.Error("context")
	}
}

func TestSealer(t *testing.T) {
	dir := t.TempDir()
	s, generated, err := LoadSealer("", dir)
	if err != nil || !generated {
		t.Fatalf("LoadSealer: %v %v", generated, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	sealed, err := s.Seal("id1", []byte("secret"))
	if err != nil || strings.Contains(string(sealed), "secret") {
		t.Fatalf("Seal: %q %v", sealed, err)
	}
	s2, generated, err := LoadSealer("", dir)
	if err != nil || generated {
		t.Fatalf("LoadSealer again: %v %v", generated, err)
	}
	if got, err := s2.Open("id1", sealed); err != nil || string(got) != "secret" {
		t.Errorf("Open: %q %v", got, err)
	}
	if _, err := s2.Open("id2", sealed); !errors.Is(err, ErrSealed) {
		t.Errorf("Open for another id: %v", err)
	}
	t.Setenv("BATON_TEST_KEY", strings.Repeat("ab", 32))
	other, _, err := LoadSealer("env:BATON_TEST_KEY", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open("id1", sealed); !errors.Is(err, ErrSealed) {
		t.Errorf("Open under another key: %v", err)
	}
	if _, _, err := LoadSealer("env:BATON_NO_SUCH_VARIABLE", dir); err == nil {
		t.Error("LoadSealer of an unset variable")
	}
	os.WriteFile(filepath.Join(dir, "short"), []byte("short"), 0o600)
	if _, _, err := LoadSealer("file:"+filepath.Join(dir, "short"), dir); err == nil {
		t.Error("LoadSealer of a short key")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newAuth(t *testing.T) (*Authenticator, *clock, string) {
	dir := t.TempDir()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, _, err := LoadSealer("", dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)}
	return New(st, s, c.now, nil), c, dir
}

func TestTokens(t *testing.T) {
	a, c, _ := newAuth(t)
	ctx := context.Background()
	if _, err := a.Create(ctx, CreateOptions{Kind: store.CredentialToken}); err == nil {
		t.Error("a token without roles")
	}
	nc, err := a.Create(ctx, CreateOptions{Kind: store.CredentialToken, Name: "ci", Expires: c.t.Add(time.Hour),
		Roles: []store.RoleGrant{{Namespace: "team-a", Role: "operator"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nc.Token, TokenPrefix+nc.ID+"_") {
		t.Fatalf("token %q of id %q", nc.Token, nc.ID)
	}
	p, err := a.Token(ctx, nc.Token)
	if err != nil || p.ID != nc.ID || !p.Has("team-a", Operator) || p.Has("team-b", Viewer) {
		t.Fatalf("Token: %+v %v", p, err)
	}
	for _, bad := range []string{"", "Bearer", "baton_", nc.Token + "x", TokenPrefix + "nope_x"} {
		if _, err := a.Token(ctx, bad); err == nil {
			t.Errorf("Token(%q) passed", bad)
		}
	}
	c.t = c.t.Add(2 * time.Hour)
	if _, err := a.Token(ctx, nc.Token); !errors.Is(err, ErrExpired) {
		t.Errorf("an expired token: %v", err)
	}
	nc2, _ := a.Create(ctx, CreateOptions{Kind: store.CredentialToken, Roles: []store.RoleGrant{{Namespace: "*", Role: "viewer"}}})
	if _, err := a.Token(ctx, nc2.Token); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, nc2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Token(ctx, nc2.Token); !errors.Is(err, ErrRevoked) {
		t.Errorf("a revoked token: %v", err)
	}
	list, err := a.List(ctx, store.CredentialToken)
	if err != nil || len(list) != 2 || list[0].Secret != nil {
		t.Errorf("List: %v %v", list, err)
	}
}

func TestAccessKeys(t *testing.T) {
	a, _, _ := newAuth(t)
	ctx := context.Background()
	nc, err := a.Create(ctx, CreateOptions{Kind: store.CredentialAccessKey, Roles: []store.RoleGrant{{Namespace: "team-a", Role: "deployer"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nc.ID, AccessKeyPrefix) || len(nc.ID) != 20 || len(nc.SecretAccessKey) != 40 {
		t.Fatalf("key %q secret of %d characters", nc.ID, len(nc.SecretAccessKey))
	}
	secret, p, err := a.AccessKey(ctx, nc.ID)
	if err != nil || secret != nc.SecretAccessKey || !p.Has("team-a", Deployer) {
		t.Fatalf("AccessKey: %v %v", p, err)
	}
	if _, _, err := a.AccessKey(ctx, "AKIANOPE"); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	a.Revoke(ctx, nc.ID)
	if _, _, err := a.AccessKey(ctx, nc.ID); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Errorf("revoked key: %v", err)
	}
	// A token's id is no access key.
	tok, _ := a.Create(ctx, CreateOptions{Kind: store.CredentialToken, Roles: []store.RoleGrant{{Namespace: "*", Role: "admin"}}})
	if _, _, err := a.AccessKey(ctx, tok.ID); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Errorf("a token's id as a key: %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	a, _, dir := newAuth(t)
	ctx := context.Background()
	path, err := a.Bootstrap(ctx, dir)
	if err != nil || path != filepath.Join(dir, AdminTokenFile) {
		t.Fatalf("Bootstrap: %q %v", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	p, err := a.Token(ctx, strings.TrimSpace(string(b)))
	if err != nil || !p.Has("any", Admin) {
		t.Fatalf("the admin token: %v %v", p, err)
	}
	if path, err := a.Bootstrap(ctx, dir); err != nil || path != "" {
		t.Errorf("Bootstrap again: %q %v", path, err)
	}
}

// TestSealerRotation: after a key rotation, values sealed under the former
// key open while it is given as a previous key, and only then; new values
// are sealed under the new key.
func TestSealerRotation(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BATON_TEST_OLD_KEY", strings.Repeat("ab", 32))
	t.Setenv("BATON_TEST_NEW_KEY", strings.Repeat("cd", 32))
	old, _, err := LoadSealer("env:BATON_TEST_OLD_KEY", dir)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("BATNKEY1", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	cur, _, err := LoadSealer("env:BATON_TEST_NEW_KEY", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Open("BATNKEY1", sealed); err != ErrSealed {
		t.Fatalf("the new key alone opened the old value: %v", err)
	}
	if err := cur.WithPrevious([]string{"env:BATON_TEST_OLD_KEY"}); err != nil {
		t.Fatal(err)
	}
	if plain, err := cur.Open("BATNKEY1", sealed); err != nil || string(plain) != "secret" {
		t.Fatalf("with the previous key: %q %v", plain, err)
	}
	fresh, _ := cur.Seal("BATNKEY2", []byte("new"))
	if _, err := old.Open("BATNKEY2", fresh); err != ErrSealed {
		t.Fatal("a new value was sealed under the old key")
	}
	if err := cur.WithPrevious([]string{"/etc/key"}); err == nil {
		t.Error("a previous key that is not env: or file:")
	}
}
