package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/auth/sigv4"
	"github.com/batonhq/baton/internal/store"
)

// TokenPrefix starts every token: a token leaked in a log or a repository
// is found by grep, and its id (the part after it) names it to revoke.
const TokenPrefix = "baton_"

// AccessKeyPrefix starts every access key id Baton makes.
const AccessKeyPrefix = "BATN"

// AdminTokenFile is the file in the data directory where the first start
// with authentication on writes the admin token.
const AdminTokenFile = "admin.token"

// Why a credential is refused. The server says which (never which part of
// a secret was wrong) so that the caller knows what to do.
var (
	ErrMissing   = errors.New("no credentials")
	ErrMalformed = errors.New("the token is not of the form baton_<id>_<secret>")
	ErrUnknown   = errors.New("the token is not known to this server")
	ErrRevoked   = errors.New("the credential was revoked")
	ErrExpired   = errors.New("the credential has expired")
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// cacheTTL is how long a credential read from the store is trusted before
// it is read again: a revocation made on another node takes effect within
// it (one made on this node, at once).
const cacheTTL = 5 * time.Second

// touchEvery bounds the writes of LastUsed: at most one per credential per
// interval, off the request's path.
const touchEvery = time.Minute

// Authenticator creates, lists, revokes and verifies credentials.
type Authenticator struct {
	st     store.Credentials
	sealer *Sealer
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	cache   map[string]cached
	touched map[string]time.Time
}

type cached struct {
	c       *store.Credential
	secret  string // an access key's secret, opened
	fetched time.Time
}

// New returns an Authenticator over st; sealer encrypts access keys'
// secrets; now may be nil (time.Now).
func New(st store.Credentials, sealer *Sealer, now func() time.Time, log *slog.Logger) *Authenticator {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Authenticator{st: st, sealer: sealer, now: now, log: log, cache: map[string]cached{}, touched: map[string]time.Time{}}
}

// Now is the Authenticator's clock (expiries are on it).
func (a *Authenticator) Now() time.Time { return a.now() }

// NewCredential is what Create returns: the stored credential and, once,
// its secret.
type NewCredential struct {
	*store.Credential
	// Token is the whole token (tokens); SecretAccessKey the secret (access
	// keys). Neither is stored: show them once.
	Token           string
	SecretAccessKey string
}

// CreateOptions describe a new credential.
type CreateOptions struct {
	Kind    string // store.CredentialToken or store.CredentialAccessKey
	Name    string
	Roles   []store.RoleGrant
	Expires time.Time // zero: never
}

// Create makes a credential and stores it.
func (a *Authenticator) Create(ctx context.Context, o CreateOptions) (*NewCredential, error) {
	if len(o.Roles) == 0 {
		return nil, errors.New("a credential needs at least one role: give --namespace NS --role ROLE")
	}
	for _, g := range o.Roles {
		if _, err := ParseRole(g.Role); err != nil {
			return nil, err
		}
		if g.Namespace == "" {
			return nil, errors.New("a role needs a namespace (\"*\" for every namespace)")
		}
	}
	now := a.now().UTC().Truncate(time.Millisecond)
	if !o.Expires.IsZero() && !o.Expires.After(now) {
		return nil, errors.New("the expiry is in the past")
	}
	c := &store.Credential{Kind: o.Kind, Name: o.Name, Roles: o.Roles, Created: now, Expires: o.Expires.UTC()}
	out := &NewCredential{Credential: c}
	switch o.Kind {
	case store.CredentialToken:
		c.ID = randomID(8)
		secret := randomID(32)
		sum := sha256.Sum256([]byte(secret))
		c.Secret = sum[:]
		out.Token = TokenPrefix + c.ID + "_" + secret
	case store.CredentialAccessKey:
		c.ID = AccessKeyPrefix + strings.ToUpper(randomID(10))[:16]
		b := make([]byte, 30)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		secret := base64.StdEncoding.EncodeToString(b)
		sealed, err := a.sealer.Seal(c.ID, []byte(secret))
		if err != nil {
			return nil, err
		}
		c.Secret = sealed
		out.SecretAccessKey = secret
	default:
		return nil, fmt.Errorf("unknown credential kind %q", o.Kind)
	}
	if err := a.st.CreateCredential(ctx, c); err != nil {
		return nil, err
	}
	return out, nil
}

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return idEncoding.EncodeToString(b)
}

// List returns the credentials of a kind ("" for all), without secrets.
func (a *Authenticator) List(ctx context.Context, kind string) ([]*store.Credential, error) {
	cs, err := a.st.ListCredentials(ctx, kind)
	for _, c := range cs {
		c.Secret = nil
	}
	return cs, err
}

// Get returns one credential, without its secret.
func (a *Authenticator) Get(ctx context.Context, id string) (*store.Credential, error) {
	c, err := a.st.GetCredential(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Secret = nil
	return c, nil
}

// Revoke revokes a credential; this node refuses it at once.
func (a *Authenticator) Revoke(ctx context.Context, id string) error {
	if err := a.st.RevokeCredential(ctx, id, a.now()); err != nil {
		return err
	}
	a.mu.Lock()
	delete(a.cache, id)
	a.mu.Unlock()
	return nil
}

// lookup returns a credential, from the cache when fresh.
func (a *Authenticator) lookup(ctx context.Context, id string) (cached, error) {
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Sub(e.fetched) < cacheTTL {
		return e, nil
	}
	c, err := a.st.GetCredential(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return cached{}, ErrUnknown
	}
	if err != nil {
		return cached{}, err
	}
	e = cached{c: c, fetched: now}
	if c.Kind == store.CredentialAccessKey {
		plain, err := a.sealer.Open(c.ID, c.Secret)
		if err != nil {
			return cached{}, fmt.Errorf("access key %s: %w", c.ID, err)
		}
		e.secret = string(plain)
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		clear(a.cache)
	}
	a.cache[id] = e
	a.mu.Unlock()
	return e, nil
}

// usable refuses a revoked or expired credential, and records its use.
func (a *Authenticator) usable(c *store.Credential) error {
	now := a.now()
	if !c.Revoked.IsZero() {
		return ErrRevoked
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return ErrExpired
	}
	a.mu.Lock()
	last := a.touched[c.ID]
	due := now.Sub(last) >= touchEvery
	if due {
		a.touched[c.ID] = now
	}
	a.mu.Unlock()
	if due {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.st.TouchCredential(ctx, c.ID, now); err != nil {
				a.log.Debug("recording the last use of a credential", "id", c.ID, "err", err)
			}
		}()
	}
	return nil
}

func principalOf(c *store.Credential) *Principal {
	return &Principal{ID: c.ID, Kind: c.Kind, Name: c.Name, Roles: c.Roles}
}

// ParseToken splits baton_<id>_<secret>.
func ParseToken(tok string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(tok, TokenPrefix)
	if !ok {
		return "", "", ErrMalformed
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || id == "" || secret == "" || len(tok) > 200 {
		return "", "", ErrMalformed
	}
	return id, secret, nil
}

// Token verifies a bearer token and returns its Principal.
func (a *Authenticator) Token(ctx context.Context, tok string) (*Principal, error) {
	id, secret, err := ParseToken(tok)
	if err != nil {
		return nil, err
	}
	e, err := a.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	if e.c.Kind != store.CredentialToken || subtle.ConstantTimeCompare(sum[:], e.c.Secret) != 1 {
		return nil, ErrUnknown
	}
	if err := a.usable(e.c); err != nil {
		return nil, err
	}
	return principalOf(e.c), nil
}

// AccessKey returns the secret of a usable access key, for SigV4, with the
// key's Principal. An unknown, revoked or expired key is
// sigv4.ErrUnknownKey (AWS answers all three alike).
func (a *Authenticator) AccessKey(ctx context.Context, id string) (string, *Principal, error) {
	e, err := a.lookup(ctx, id)
	if errors.Is(err, ErrUnknown) || err == nil && e.c.Kind != store.CredentialAccessKey {
		return "", nil, sigv4.ErrUnknownKey
	}
	if err != nil {
		return "", nil, err
	}
	if err := a.usable(e.c); err != nil {
		return "", nil, fmt.Errorf("%w: %w", sigv4.ErrUnknownKey, err)
	}
	return e.secret, principalOf(e.c), nil
}

// Bootstrap creates the first admin token (every namespace) when the store
// has no token yet, and writes it to dataDir/AdminTokenFile with 0600
// permissions. It returns the file's path ("" when nothing was done). The
// token itself is never logged.
func (a *Authenticator) Bootstrap(ctx context.Context, dataDir string) (string, error) {
	toks, err := a.st.ListCredentials(ctx, store.CredentialToken)
	if err != nil || len(toks) > 0 {
		return "", err
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%s exists but the database has no token: remove the file to have a new admin token made", path)
	}
	nc, err := a.Create(ctx, CreateOptions{Kind: store.CredentialToken, Name: "bootstrap admin",
		Roles: []store.RoleGrant{{Namespace: AllNamespaces, Role: string(Admin)}}})
	if err != nil {
		return "", err
	}
	if err := writeSecretFile(path, []byte(nc.Token+"\n")); err != nil {
		a.st.RevokeCredential(ctx, nc.ID, a.now())
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	return path, nil
}
