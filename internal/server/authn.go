package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/auth/sigv4"
	"github.com/batonhq/baton/internal/server/eventsapi"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/sfnapi"
	"github.com/batonhq/baton/internal/store"
)

// AuthConfig configures authentication (docs/security.md).
type AuthConfig struct {
	// Mode is "on", "off", or "" for the default: off when listening on a
	// loopback address, on otherwise.
	Mode string
	// InsecureNoAuth lets the server listen on a network address with
	// authentication off; it says so loudly in the log and on /readyz.
	InsecureNoAuth bool
	// SecretKey is where the key that encrypts stored secrets is:
	// "env:NAME", "file:PATH", or "" for DATA_DIR/secret.key (made at the
	// first start, 0600).
	SecretKey string
	// PreviousSecretKeys are former server keys (env: or file:) that still
	// open secrets sealed before a rotation.
	PreviousSecretKeys []string
	// OpenMetrics leaves GET /metrics open when authentication is on.
	OpenMetrics bool
	// Now, when set, is the clock of expiries and signature times (tests).
	Now func() time.Time
}

// Error codes of the native API's authentication.
const (
	codeUnauthorized = "Unauthorized"
	codeForbidden    = "AccessDenied"
)

// resolveAuth decides whether authentication is on for a listen address,
// or refuses to start.
func resolveAuth(c AuthConfig, listen string) (on bool, err error) {
	loopback := isLoopbackListen(listen)
	switch c.Mode {
	case "on":
		return true, nil
	case "off":
	case "":
		if !loopback {
			return true, nil
		}
	default:
		return false, errors.New("--auth " + c.Mode + ": want on or off")
	}
	if !loopback && !c.InsecureNoAuth {
		return false, errors.New("refusing to listen on " + listen + " with authentication off: anyone who reaches it could run commands " +
			"on this machine. Turn it on (--auth on, the default on a network address), listen on 127.0.0.1, " +
			"or, if a proxy in front authenticates every request, give --insecure-no-auth")
	}
	return false, nil
}

// isLoopbackListen tells whether a listen address (host:port) is reachable
// from this machine only: localhost or a loopback IP. An empty host or an
// unspecified address (every interface) is not.
func isLoopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// authn is the authentication middleware, inside the guard and in front of
// every route: it verifies who calls and puts the auth.Principal in the
// request's context, where handlers (and the authorization step to come,
// one route table asking Principal.Has) find it. Open without a
// credential: GET /healthz and /readyz, the banner at GET /, the UI's
// static files under /ui/ (its API calls carry a token), and /metrics with
// --open-metrics. POST / (the Step Functions and EventBridge APIs) needs
// an AWS SigV4 signature, or a bearer token; every other route a token
// (Authorization: Bearer baton_...).
type authn struct {
	on          bool
	a           *auth.Authenticator
	verifier    sigv4.Verifier
	openMetrics bool
	bodyLimit   int64 // of a signed request, read to hash it
	maxPayload  int
	log         *slog.Logger
	next        http.Handler
}

var anonymous = auth.Everyone

func (m *authn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !m.on {
		m.next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), anonymous)))
		return
	}
	if m.open(r) {
		m.next.ServeHTTP(w, r)
		return
	}
	h := r.Header.Get("Authorization")
	if bearer, ok := cutBearer(h); ok {
		p, err := m.a.Token(r.Context(), bearer)
		if err != nil {
			m.refuseToken(w, r, err)
			return
		}
		m.next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/" {
		m.serveSigned(w, r)
		return
	}
	m.refuseToken(w, r, auth.ErrMissing)
}

// open tells whether r needs no credential.
func (m *authn) open(r *http.Request) bool {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch p := r.URL.Path; {
	case !get:
		return false
	case p == "/healthz" || p == "/readyz" || p == "/":
		return true
	case p == "/metrics":
		return m.openMetrics
	case p == "/ui" || strings.HasPrefix(p, "/ui/"):
		return true
	}
	return false
}

func cutBearer(h string) (string, bool) {
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// serveSigned verifies the SigV4 signature of a request to the AWS APIs.
// The body is read (bounded as the APIs bound it) to hash it, and handed
// on.
func (m *authn) serveSigned(w http.ResponseWriter, r *http.Request) {
	writeErr := sfnapi.WriteError
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), eventsapi.TargetPrefix) {
		writeErr = eventsapi.WriteError
	}
	body, err := httpx.ReadBody(w, r, m.bodyLimit, m.maxPayload)
	if err != nil {
		ae, _ := apierr.As(err)
		if ae == nil {
			ae = &apierr.Error{Code: apierr.InternalServerError, Status: http.StatusInternalServerError, Message: err.Error()}
		}
		writeErr(w, ae.Status, ae.Code, ae.Message)
		return
	}
	var p *auth.Principal
	_, err = m.verifier.Verify(r, body, func(id string) (string, error) {
		secret, principal, err := m.a.AccessKey(r.Context(), id)
		p = principal
		return secret, err
	})
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			writeErr(w, se.Status, se.Code, se.Message)
			return
		}
		m.log.Error("verifying a signature", "err", err)
		writeErr(w, http.StatusInternalServerError, apierr.InternalServerError, "the server could not verify the signature; see its log")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	m.next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
}

// refuseToken answers 401 with what to do, in the format of the API the
// request was meant for.
func (m *authn) refuseToken(w http.ResponseWriter, r *http.Request, err error) {
	var msg string
	switch {
	case errors.Is(err, auth.ErrMissing):
		msg = "this server requires authentication: send Authorization: Bearer <token> (baton --token, or BATON_TOKEN). " +
			"An admin makes tokens with 'baton tokens create'; the first admin token is in the server's data directory, admin.token"
	case errors.Is(err, auth.ErrMalformed):
		msg = "the bearer token is not a Baton token (baton_<id>_<secret>): check --token or BATON_TOKEN"
	case errors.Is(err, auth.ErrUnknown):
		msg = "the token is not valid on this server: check --token or BATON_TOKEN, or ask an admin for a new one"
	case errors.Is(err, auth.ErrRevoked):
		msg = "the token was revoked: ask an admin for a new one (baton tokens create)"
	case errors.Is(err, auth.ErrExpired):
		msg = "the token has expired: ask an admin for a new one (baton tokens create --expires ...)"
	case errors.Is(err, context.Canceled):
		return
	default:
		m.log.Error("verifying a token", "err", err)
		native.WriteError(w, http.StatusServiceUnavailable, apierr.ServiceUnavailable, "the server could not verify the token now; retry shortly")
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
	if r.Method == http.MethodPost && r.URL.Path == "/" {
		writeErr := sfnapi.WriteError
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), eventsapi.TargetPrefix) {
			writeErr = eventsapi.WriteError
		}
		writeErr(w, http.StatusUnauthorized, "UnrecognizedClientException", msg)
		return
	}
	native.WriteError(w, http.StatusUnauthorized, codeUnauthorized, msg)
}

// nonLoopbackListen is !isLoopbackListen.
func nonLoopbackListen(listen string) bool { return !isLoopbackListen(listen) }

// newAuthenticator loads the server key and, with authentication on,
// makes the first admin token when there is none.
func newAuthenticator(ctx context.Context, cfg Config, dir string, st store.Store, on bool) (*auth.Authenticator, error) {
	sealer, generated, err := auth.LoadSealer(cfg.Auth.SecretKey, dir)
	if err != nil {
		return nil, err
	}
	if err := sealer.WithPrevious(cfg.Auth.PreviousSecretKeys); err != nil {
		return nil, err
	}
	if generated {
		cfg.Log.Info("server key created: it encrypts the secrets stored in the database; back it up with the database, and keep it from others",
			"file", filepath.Join(dir, auth.KeyFileName))
	}
	a := auth.New(st, sealer, cfg.Auth.Now, cfg.Log)
	if !on {
		cfg.Log.Info("authentication is off (listening on a loopback address); turn it on with --auth on")
		return a, nil
	}
	path, err := a.Bootstrap(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("the first admin token: %w", err)
	}
	if path != "" {
		cfg.Log.Warn("authentication is on: an admin token for every namespace was written to a file readable only by this user; "+
			"use it to create tokens for people and programs (baton tokens create), then keep it safe or revoke it", "file", path)
	}
	cfg.Log.Info("authentication is on", "metrics_open", cfg.Auth.OpenMetrics)
	return a, nil
}

// everyNamespace asks requireRole for a role on every namespace (a '*'
// grant), not merely in some namespace.
const everyNamespace = "**"

// requireRole serves next to callers holding role in some namespace
// (auth.AllNamespaces) or on every namespace (everyNamespace); others get
// 403.
func requireRole(scope string, role auth.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		ok := p.HasAnywhere(role)
		if scope == everyNamespace {
			ok = p.Has(auth.AllNamespaces, role)
		}
		if !ok {
			e := auth.Denied(p, auth.AllNamespaces, role)
			if scope == everyNamespace {
				e.Message = fmt.Sprintf("%s holds no %s role on every namespace: ask an admin for one (baton tokens create --namespace '*' --role %s)", p, role, role)
			}
			native.WriteError(w, e.Status, e.Code, e.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}
