package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
)

// startServer starts a real server on a loopback port (or listen) with
// the HTTP settings hc; logs go to the returned buffer as JSON.
func startServer(t *testing.T, listen string, hc HTTPConfig) (*Server, *nativetest.LogBuffer) {
	t.Helper()
	return startServerAuth(t, listen, hc, AuthConfig{})
}

// startServerAuth is startServer with authentication configured by ac.
func startServerAuth(t *testing.T, listen string, hc HTTPConfig, ac AuthConfig) (*Server, *nativetest.LogBuffer) {
	t.Helper()
	logs := &nativetest.LogBuffer{}
	cfg := quietConfig(t.TempDir())
	if listen != "" {
		cfg.Listen = listen
	}
	cfg.Log = slog.New(slog.NewJSONHandler(logs, nil))
	cfg.HTTP = hc
	cfg.Auth = ac
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, logs
}

// call sends one request with the given Host (the dialled address when
// "") and headers, and returns the status and the decoded JSON body (nil
// when not JSON).
func call(t *testing.T, addr, method, path, host string, hdr map[string]string, body string) (int, map[string]any, http.Header) {
	t.Helper()
	res := send(t, addr, method, path, host, hdr, body)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m, res.Header
}

// send sends a request (10 s at most, a connection of its own) and
// returns the answer, its body to be read and closed by the caller.
func send(t *testing.T, addr, method, path, host string, hdr map[string]string, body string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

const passDef = `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`

// TestHostAndOrigin: a request is answered only under a Host the server is
// known by (DNS rebinding), and refused when a page of a foreign Origin
// sends it (CSRF); both errors name the flag that allows more.
func TestHostAndOrigin(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{
		AllowedHosts:   []string{"baton.example.com", "*.corp.example"},
		AllowedOrigins: []string{"https://ui.example.com", "http://dev.example:3000"},
	})
	addr := s.Addr()
	_, port, _ := net.SplitHostPort(addr)
	with := func(kv ...string) map[string]string {
		m := map[string]string{"Content-Type": "application/json"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	gz := func(kv ...string) map[string]string {
		m := with(kv...)
		m["Content-Type"] = "application/gzip"
		return m
	}
	deploy := `{"name":"wf","definition":` + passDef + `}`
	sfn := func(kv ...string) map[string]string {
		m := with(kv...)
		m["Content-Type"] = "application/x-amz-json-1.0"
		m["X-Amz-Target"] = "AWSStepFunctions.ListStateMachines"
		return m
	}
	tests := []struct {
		name, method, path, host string
		hdr                      map[string]string
		body                     string
		status                   int
		code, flag               string
	}{
		{"listen address", "GET", "/api/v1/workflows", "", nil, "", 200, "", ""},
		{"localhost", "GET", "/api/v1/workflows", "localhost:" + port, nil, "", 200, "", ""},
		{"localhost no port", "GET", "/api/v1/workflows", "LOCALHOST", nil, "", 200, "", ""},
		{"ipv6 loopback", "GET", "/api/v1/workflows", "[::1]:" + port, nil, "", 200, "", ""},
		{"other loopback", "GET", "/api/v1/workflows", "127.0.0.2", nil, "", 200, "", ""},
		{"allowed host", "GET", "/api/v1/workflows", "baton.example.com", nil, "", 200, "", ""},
		{"allowed host sync prefix", "POST", "/", "sync-baton.example.com:" + port, sfn(), "{}", 200, "", ""},
		{"allowed domain", "GET", "/api/v1/workflows", "ci.corp.example", nil, "", 200, "", ""},
		{"rebinding name", "GET", "/api/v1/workflows", "attacker.example:" + port, nil, "", 421, "HostNotAllowed", "--allowed-hosts"},
		{"rebinding name sfn", "POST", "/", "attacker.example", sfn(), "{}", 421, "HostNotAllowed", "--allowed-hosts"},
		{"domain itself", "GET", "/api/v1/workflows", "corp.example", nil, "", 421, "HostNotAllowed", "--allowed-hosts"},
		{"lookalike", "GET", "/api/v1/workflows", "localhost.attacker.example", nil, "", 421, "HostNotAllowed", "--allowed-hosts"},
		{"other address", "GET", "/api/v1/workflows", "192.0.2.7", nil, "", 421, "HostNotAllowed", "--allowed-hosts"},
		{"probe keeps host check", "GET", "/healthz", "attacker.example", nil, "", 421, "HostNotAllowed", "--allowed-hosts"},

		{"own origin", "POST", "/api/v1/workflows", "", with("Origin", "http://"+addr), deploy, 201, "", ""},
		{"own origin localhost", "GET", "/api/v1/workflows", "localhost:" + port, with("Origin", "http://localhost:"+port), "", 200, "", ""},
		{"allowed origin", "GET", "/api/v1/workflows", "", with("Origin", "https://ui.example.com"), "", 200, "", ""},
		{"allowed origin default port", "GET", "/api/v1/workflows", "", with("Origin", "https://UI.example.com:443"), "", 200, "", ""},
		{"allowed origin with port", "GET", "/api/v1/workflows", "", with("Origin", "http://dev.example:3000"), "", 200, "", ""},
		{"foreign origin", "POST", "/api/v1/workflows", "", with("Origin", "http://evil.example"), deploy, 403, "OriginNotAllowed", "--allowed-origins"},
		{"foreign origin read", "GET", "/api/v1/workflows", "", with("Origin", "http://evil.example"), "", 403, "OriginNotAllowed", "--allowed-origins"},
		{"schema", "GET", "/api/v1/schemas/pipeline.json", "localhost:" + port, nil, "", 200, "", ""},
		{"schema rebinding name", "GET", "/api/v1/schemas/pipeline.json", "attacker.example:" + port, nil, "", 421, "HostNotAllowed", "--allowed-hosts"},
		{"foreign origin stream", "GET", "/api/v1/events", "", with("Origin", "http://evil.example"), "", 403, "OriginNotAllowed", "--allowed-origins"},
		{"other port", "POST", "/api/v1/workflows", "", with("Origin", "http://127.0.0.1:1"), deploy, 403, "OriginNotAllowed", "--allowed-origins"},
		{"null origin", "POST", "/api/v1/workflows", "", with("Origin", "null"), deploy, 403, "OriginNotAllowed", "--allowed-origins"},
		{"foreign origin sfn", "POST", "/", "", sfn("Origin", "http://evil.example"), "{}", 403, "OriginNotAllowed", "--allowed-origins"},
		{"foreign origin bundle", "POST", "/api/v1/bundles", "", gz("Origin", "http://evil.example"), "\x1f\x8b", 403, "OriginNotAllowed", "--allowed-origins"},
		{"bundle as a form", "POST", "/api/v1/bundles", "", with("Content-Type", "application/x-www-form-urlencoded"), "a=b", 415, "UnsupportedMediaType", "application/gzip"},
		{"bundle as text", "POST", "/api/v1/bundles", "", with("Content-Type", "text/plain"), "x", 415, "UnsupportedMediaType", "application/gzip"},
		{"gzip elsewhere", "POST", "/api/v1/workflows", "", gz(), "\x1f\x8b", 415, "UnsupportedMediaType", "application/json"},
		{"probe skips origin", "GET", "/healthz", "", with("Origin", "http://evil.example"), "", 200, "", ""},
		{"readyz skips origin", "GET", "/readyz", "", with("Origin", "http://evil.example"), "", 200, "", ""},
		{"metrics skips origin", "GET", "/metrics", "", with("Origin", "http://evil.example"), "", 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := call(t, addr, tc.method, tc.path, tc.host, tc.hdr, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.code == "" {
				return
			}
			code := body["code"]
			if tc.path == "/" || tc.path == "/healthz" {
				code = body["__type"]
				if hdr.Get("x-amzn-ErrorType") != tc.code {
					t.Errorf("x-amzn-ErrorType %q", hdr.Get("x-amzn-ErrorType"))
				}
			}
			msg, _ := body["message"].(string)
			if code != tc.code || !strings.Contains(msg, tc.flag) {
				t.Fatalf("error %v, want code %s naming %s", body, tc.code, tc.flag)
			}
		})
	}
}

// TestHostOnEveryAddress: bound to 0.0.0.0, the server answers under any
// IP address (its own are many), still not under a foreign name; and with
// --insecure-no-auth it warns at start that anyone reaching the port can
// run commands.
func TestHostOnEveryAddress(t *testing.T) {
	s, logs := startServerAuth(t, "0.0.0.0:0", HTTPConfig{}, AuthConfig{Mode: "off", InsecureNoAuth: true})
	_, port, _ := net.SplitHostPort(s.Addr())
	addr := "127.0.0.1:" + port
	for host, want := range map[string]int{"192.0.2.7:" + port: 200, "[2001:db8::1]": 200, "localhost": 200, "attacker.example": 421} {
		if status, body, _ := call(t, addr, "GET", "/api/v1/workflows", host, nil, ""); status != want {
			t.Errorf("Host %s: %d %v, want %d", host, status, body, want)
		}
	}
	var warned bool
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == "WARN" {
			msg, _ := rec["msg"].(string)
			warned = strings.Contains(msg, "baton:shell") && strings.Contains(msg, "INSECURE") && strings.Contains(msg, "--insecure-no-auth")
		}
	}
	if !warned {
		t.Fatalf("no warning about a network address:\n%s", logs)
	}
}

// TestNoWarningOnLoopback: the warning is for network addresses only.
func TestNoWarningOnLoopback(t *testing.T) {
	_, logs := startServer(t, "", HTTPConfig{})
	if strings.Contains(logs.String(), `"WARN"`) {
		t.Fatalf("warning on a loopback address:\n%s", logs)
	}
}

// TestHTTPErrorLogIsJSON: net/http's own messages go through the server's
// slog logger, so that --log-format json stays JSON.
func TestHTTPErrorLogIsJSON(t *testing.T) {
	s, logs := startServer(t, "", HTTPConfig{})
	s.http.ErrorLog.Printf("http: TLS handshake error from 192.0.2.7:1234: EOF")
	var found bool
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		found = found || strings.Contains(rec["msg"].(string), "TLS handshake")
	}
	if !found {
		t.Fatalf("net/http's message did not reach the log:\n%s", logs)
	}
}
