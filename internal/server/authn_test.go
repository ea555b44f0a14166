package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/auth/sigv4"
)

// startAuthServer starts a server with authentication on and returns it
// with the bootstrap admin token.
func startAuthServer(t *testing.T, ac AuthConfig) (*Server, string, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := quietConfig(dir)
	ac.Mode = "on"
	cfg.Auth = ac
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	b, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatalf("admin.token: %v", err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "admin.token"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("admin.token has mode %v", fi.Mode())
	}
	return s, strings.TrimSpace(string(b)), dir
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func bearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
}

// TestAuthTokens: with authentication on, every route but the open ones
// needs a valid token; tokens are created, listed and revoked by admins
// within what they hold.
func TestAuthTokens(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	s, admin, _ := startAuthServer(t, AuthConfig{Now: clock.Now})
	addr := s.Addr()
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		if status, _, _ := call(t, addr, "GET", path, "", nil, ""); status != 200 {
			t.Errorf("GET %s without a token: %d", path, status)
		}
	}
	for _, path := range []string{"/api/v1/workflows", "/metrics", "/api/v1/tokens"} {
		status, body, hdr := call(t, addr, "GET", path, "", nil, "")
		if status != 401 || body["code"] != "Unauthorized" || !strings.Contains(body["message"].(string), "BATON_TOKEN") || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without a token: %d %v", path, status, body)
		}
	}
	if status, body, _ := call(t, addr, "GET", "/api/v1/workflows", "", bearer(admin), ""); status != 200 {
		t.Fatalf("with the admin token: %d %v", status, body)
	}
	if status, _, _ := call(t, addr, "GET", "/api/v1/workflows", "", bearer(admin+"x"), ""); status != 401 {
		t.Errorf("a wrong secret: %d", status)
	}

	// An admin of team-a makes an operator token of team-a, but cannot
	// hand out roles elsewhere.
	status, body, _ := call(t, addr, "POST", "/api/v1/tokens", "", bearer(admin), `{"name":"team-a admin","roles":[{"namespace":"team-a","role":"admin"}]}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	teamAdmin := body["token"].(string)
	status, body, _ = call(t, addr, "POST", "/api/v1/tokens", "", bearer(teamAdmin), `{"roles":[{"namespace":"*","role":"viewer"}]}`)
	if status != 403 {
		t.Errorf("a namespace admin granting every namespace: %d %v", status, body)
	}
	status, body, _ = call(t, addr, "POST", "/api/v1/tokens", "", bearer(teamAdmin), `{"name":"ci","roles":[{"namespace":"team-a","role":"operator"}],"expiresIn":"90d"}`)
	if status != 201 || body["expires"] == nil {
		t.Fatalf("create by a namespace admin: %d %v", status, body)
	}
	op, opID := body["token"].(string), body["id"].(string)
	if status, _, _ := call(t, addr, "GET", "/api/v1/tokens", "", bearer(op), ""); status != 403 {
		t.Errorf("an operator listing tokens: %d", status)
	}
	status, body, _ = call(t, addr, "GET", "/api/v1/tokens", "", bearer(teamAdmin), "")
	items, _ := body["items"].([]any)
	if status != 200 || len(items) != 2 { // its own and the operator's, not the bootstrap admin
		t.Errorf("list by a namespace admin: %d %v", status, body)
	}
	for _, it := range items {
		if m := it.(map[string]any); m["token"] != nil || m["secret"] != nil {
			t.Errorf("a secret in a list: %v", m)
		}
	}
	if status, _, _ := call(t, addr, "DELETE", "/api/v1/tokens/"+opID, "", bearer(teamAdmin), ""); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	status, body, _ = call(t, addr, "GET", "/api/v1/workflows", "", bearer(op), "")
	if status != 401 || !strings.Contains(body["message"].(string), "revoked") {
		t.Errorf("a revoked token: %d %v", status, body)
	}
	// Expiry, on the server's clock.
	status, body, _ = call(t, addr, "POST", "/api/v1/tokens", "", bearer(admin), `{"roles":[{"namespace":"team-a","role":"viewer"}],"expiresIn":"1h"}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	short := body["token"].(string)
	if status, _, _ := call(t, addr, "GET", "/api/v1/schemas/pipeline.json", "", bearer(short), ""); status != 200 {
		t.Fatalf("a fresh token: %d", status)
	}
	clock.Add(2 * time.Hour)
	status, body, _ = call(t, addr, "GET", "/api/v1/workflows", "", bearer(short), "")
	if status != 401 || !strings.Contains(body["message"].(string), "expired") {
		t.Errorf("an expired token: %d %v", status, body)
	}
	if status, _, _ := call(t, addr, "GET", "/api/v1/tokens/x", "", bearer(admin), ""); status != 404 && status != 405 {
		t.Errorf("GET of a token: %d", status)
	}
	if status, _, _ := call(t, addr, "POST", "/api/v1/tokens", "", map[string]string{"Authorization": "Bearer " + admin, "Content-Type": "text/plain"},
		`{"roles":[{"namespace":"x","role":"viewer"}]}`); status != 415 {
		t.Errorf("a form post: %d", status)
	}
}

// TestAuthSigV4: the AWS APIs need a signature by a known access key.
func TestAuthSigV4(t *testing.T) {
	s, admin, _ := startAuthServer(t, AuthConfig{OpenMetrics: true})
	addr := s.Addr()
	if status, _, _ := call(t, addr, "GET", "/metrics", "", nil, ""); status != 200 {
		t.Errorf("--open-metrics: %d", status)
	}
	status, body, _ := call(t, addr, "POST", "/api/v1/access-keys", "", bearer(admin), `{"roles":[{"namespace":"default","role":"deployer"}]}`)
	if status != 201 {
		t.Fatalf("create key: %d %v", status, body)
	}
	id, secret := body["id"].(string), body["secretAccessKey"].(string)
	sign := func(id, secret string, at time.Time) map[string]string {
		r, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Date", at.UTC().Format("20060102T150405Z"))
		signed := []string{"content-type", "host", "x-amz-date", "x-amz-target"}
		sum := sha256.Sum256([]byte("{}"))
		scope := at.UTC().Format("20060102") + "/us-east-1/states/aws4_request"
		sig := sigv4.Sign(sigv4.SigningKey(secret, at.UTC().Format("20060102"), "us-east-1", "states"),
			sigv4.StringToSign(at, scope, sigv4.CanonicalRequest(r, signed, hex.EncodeToString(sum[:]), false)))
		return map[string]string{"X-Amz-Target": r.Header.Get("X-Amz-Target"), "Content-Type": r.Header.Get("Content-Type"), "X-Amz-Date": r.Header.Get("X-Amz-Date"),
			"Authorization": "AWS4-HMAC-SHA256 Credential=" + id + "/" + scope + ", SignedHeaders=" + strings.Join(signed, ";") + ", Signature=" + sig}
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want string
	}{
		{"valid", sign(id, secret, now), ""},
		{"wrong secret", sign(id, secret+"x", now), "InvalidSignatureException"},
		{"unknown key", sign("BATNNOPE", secret, now), "UnrecognizedClientException"},
		{"skewed", sign(id, secret, now.Add(-20*time.Minute)), "InvalidSignatureException"},
		{"unsigned", map[string]string{"X-Amz-Target": "AWSStepFunctions.ListStateMachines", "Content-Type": "application/x-amz-json-1.0"}, "MissingAuthenticationToken"},
	} {
		status, body, _ := call(t, addr, "POST", "/", "", tc.hdr, "{}")
		if tc.want == "" {
			if status != 200 {
				t.Errorf("%s: %d %v", tc.name, status, body)
			}
			continue
		}
		if status < 400 || body["__type"] != tc.want {
			t.Errorf("%s: %d %v, want %s", tc.name, status, body, tc.want)
		}
	}
}

// TestAuthBinding: a network address needs authentication, or
// --insecure-no-auth, which /readyz then states.
func TestAuthBinding(t *testing.T) {
	cfg := quietConfig(t.TempDir())
	cfg.Listen = "0.0.0.0:0"
	cfg.Auth = AuthConfig{Mode: "off"}
	if _, err := Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "--insecure-no-auth") {
		t.Fatalf("off on 0.0.0.0: %v", err)
	}
	s, _ := startServerAuth(t, "0.0.0.0:0", HTTPConfig{}, AuthConfig{Mode: "off", InsecureNoAuth: true})
	res, err := http.Get("http://" + s.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b := make([]byte, 4096)
	n, _ := res.Body.Read(b)
	if !strings.Contains(string(b[:n]), "INSECURE") {
		t.Errorf("/readyz: %q", b[:n])
	}
	for listen, want := range map[string]bool{"127.0.0.1:1": true, "localhost:1": true, "[::1]:1": true, ":1": false, "0.0.0.0:1": false, "10.0.0.1:1": false} {
		if got := isLoopbackListen(listen); got != want {
			t.Errorf("isLoopbackListen(%s) = %v", listen, got)
		}
	}
}
