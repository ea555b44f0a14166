package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// credentialRoutes serve /api/v1/tokens and /api/v1/access-keys: create
// (POST), list (GET), revoke (DELETE .../{id}; a revoked credential stays
// listed). Only an admin may call them, and only for namespaces it is
// admin of: a grant handed out must be one the caller holds
// (auth.Principal.Covers), and an admin of one namespace sees and revokes
// only the credentials of its namespaces.
type credentialRoutes struct {
	a *auth.Authenticator
}

// credentialJSON is a credential in answers: never its secret, except the
// once at creation.
type credentialJSON struct {
	ID              string            `json:"id"`
	Kind            string            `json:"kind"`
	Name            string            `json:"name,omitempty"`
	Roles           []store.RoleGrant `json:"roles"`
	Created         time.Time         `json:"created"`
	Expires         *time.Time        `json:"expires,omitempty"`
	Revoked         *time.Time        `json:"revoked,omitempty"`
	LastUsed        *time.Time        `json:"lastUsed,omitempty"`
	Token           string            `json:"token,omitempty"`
	SecretAccessKey string            `json:"secretAccessKey,omitempty"`
}

func toJSON(c *store.Credential) credentialJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return credentialJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Roles: c.Roles, Created: c.Created,
		Expires: opt(c.Expires), Revoked: opt(c.Revoked), LastUsed: opt(c.LastUsed)}
}

// createRequest is the body of a POST.
type createRequest struct {
	Name  string            `json:"name"`
	Roles []store.RoleGrant `json:"roles"`
	// ExpiresIn is a duration such as "90d", "12h" ("": never).
	ExpiresIn string `json:"expiresIn"`
}

func (h credentialRoutes) register(mux *http.ServeMux) {
	for path, kind := range map[string]string{"/api/v1/tokens": store.CredentialToken, "/api/v1/access-keys": store.CredentialAccessKey} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) { h.list(w, r, kind) })
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { h.create(w, r, kind) })
		mux.HandleFunc("DELETE "+path+"/{id}", func(w http.ResponseWriter, r *http.Request) { h.revoke(w, r, kind) })
	}
}

// admin returns the caller when it is an admin somewhere, else answers 403.
func (h credentialRoutes) admin(w http.ResponseWriter, r *http.Request) (*auth.Principal, bool) {
	p := auth.FromContext(r.Context())
	if !p.HasAnywhere(auth.Admin) {
		native.WriteError(w, http.StatusForbidden, codeForbidden, "only an admin may manage tokens and access keys: use a token with the admin role (baton tokens create --role admin)")
		return nil, false
	}
	return p, true
}

// coversAll tells whether p holds every grant of c.
func coversAll(p *auth.Principal, c *store.Credential) bool {
	for _, g := range c.Roles {
		if !p.Covers(g) {
			return false
		}
	}
	return true
}

func (h credentialRoutes) list(w http.ResponseWriter, r *http.Request, kind string) {
	p, ok := h.admin(w, r)
	if !ok {
		return
	}
	cs, err := h.a.List(r.Context(), kind)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := []credentialJSON{}
	for _, c := range cs {
		if coversAll(p, c) {
			out = append(out, toJSON(c))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (h credentialRoutes) create(w http.ResponseWriter, r *http.Request, kind string) {
	p, ok := h.admin(w, r)
	if !ok {
		return
	}
	if err := native.CheckContentType(r); err != nil {
		writeAPIError(w, err)
		return
	}
	body, err := httpx.ReadBody(w, r, 64<<10, 64<<10)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	var req createRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		native.WriteError(w, http.StatusBadRequest, apierr.ValidationException, "the body must be JSON {\"name\", \"roles\": [{\"namespace\", \"role\"}], \"expiresIn\"}: "+err.Error())
		return
	}
	if len(req.Name) > 200 || len(req.Roles) > 100 {
		native.WriteError(w, http.StatusBadRequest, apierr.ValidationException, "a name has at most 200 characters and a credential at most 100 roles")
		return
	}
	for i, g := range req.Roles {
		role, err := auth.ParseRole(g.Role)
		if err != nil || g.Namespace == "" {
			native.WriteError(w, http.StatusBadRequest, apierr.ValidationException, "roles["+strconv.Itoa(i)+"]: give a namespace (\"*\" for all) and one of viewer, operator, deployer, admin")
			return
		}
		req.Roles[i].Role = string(role)
		if !p.Covers(req.Roles[i]) {
			native.WriteError(w, http.StatusForbidden, codeForbidden, "you may hand out only roles you hold: you are not "+string(role)+" in namespace "+g.Namespace)
			return
		}
	}
	var expires time.Time
	if req.ExpiresIn != "" {
		d, err := ParseLifetime(req.ExpiresIn)
		if err != nil {
			native.WriteError(w, http.StatusBadRequest, apierr.ValidationException, "expiresIn: "+err.Error())
			return
		}
		expires = h.a.Now().Add(d)
	}
	nc, err := h.a.Create(r.Context(), auth.CreateOptions{Kind: kind, Name: req.Name, Roles: req.Roles, Expires: expires})
	if err != nil {
		if errors.Is(err, store.ErrUnavailable) {
			writeStoreError(w, err)
			return
		}
		native.WriteError(w, http.StatusBadRequest, apierr.ValidationException, err.Error())
		return
	}
	out := toJSON(nc.Credential)
	out.Token, out.SecretAccessKey = nc.Token, nc.SecretAccessKey
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

func (h credentialRoutes) revoke(w http.ResponseWriter, r *http.Request, kind string) {
	p, ok := h.admin(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	c, err := h.a.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (c.Kind != kind || !coversAll(p, c)) {
		native.WriteError(w, http.StatusNotFound, "NotFound", "no "+strings.ReplaceAll(kind, "-", " ")+" "+strconv.Quote(id)+" that you may revoke: list them with baton tokens list / baton access-keys list")
		return
	}
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if err := h.a.Revoke(r.Context(), id); err != nil {
		writeStoreError(w, err)
		return
	}
	c, err = h.a.Get(r.Context(), id)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(c))
}

// ParseLifetime parses a lifetime: a Go duration ("12h") or a number of
// days ("90d").
func ParseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 3650 {
			return 0, errors.New("want a number of days from 1 to 3650 (90d) or a duration (12h), not " + strconv.Quote(s))
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, errors.New("want a number of days (90d) or a duration of at least 1m (12h), not " + strconv.Quote(s))
	}
	return d, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeAPIError(w http.ResponseWriter, err error) {
	if ae, ok := apierr.As(err); ok {
		native.WriteError(w, ae.Status, ae.Code, ae.Message)
		return
	}
	writeStoreError(w, err)
}

func writeStoreError(w http.ResponseWriter, err error) {
	ae, ok := apierr.As(apierr.StoreFault(err))
	if ok {
		native.WriteError(w, ae.Status, ae.Code, ae.Message)
		return
	}
	native.WriteError(w, http.StatusInternalServerError, apierr.InternalServerError, "the store failed; see the server's log")
}

// RecoverAdmin makes a new admin token for every namespace in the store
// of a stopped server, for an operator who lost every admin token: it
// takes the lock a running server holds (the data directory's, or with
// PostgreSQL the database's node lock), so it is refused while one runs,
// and writes to the database directly. The token is returned, never
// logged.
func RecoverAdmin(ctx context.Context, dataDir, storeURL string) (string, error) {
	db, release, err := openStopped(ctx, dataDir, storeURL)
	if err != nil {
		return "", err
	}
	defer release()
	// The token is hashed, not sealed: the server key is not needed.
	a := auth.New(db, nil, nil, slog.New(slog.DiscardHandler))
	nc, err := a.Create(ctx, auth.CreateOptions{Kind: store.CredentialToken, Name: "recovered admin",
		Roles: []store.RoleGrant{{Namespace: auth.AllNamespaces, Role: string(auth.Admin)}}})
	if err != nil {
		return "", err
	}
	return nc.Token, nil
}

// openStopped opens the store of a stopped server, holding its lock.
func openStopped(ctx context.Context, dataDir, storeURL string) (store.Store, func(), error) {
	if err := CheckStore(storeURL); err != nil {
		return nil, nil, fmt.Errorf("--store: %w", err)
	}
	if IsPostgres(storeURL) {
		db, err := postgres.Open(ctx, storeURL, postgres.Options{MaxConns: 2, MigrateUnderLock: true})
		if err != nil {
			return nil, nil, fmt.Errorf("opening the PostgreSQL store %s: %w", redactURL(storeURL), err)
		}
		lock, err := db.LockNode(ctx, postgres.LockOptions{Holder: "baton tokens recover-admin"})
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return db, func() { db.Close(); lock.Release() }, nil
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		return nil, nil, fmt.Errorf("%s holds no Baton database (%w): give the --data-dir of the server", dir, err)
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		unlock()
		return nil, nil, openError(filepath.Join(dir, sqlite.FileName), err)
	}
	return db, func() { db.Close(); unlock() }, nil
}
