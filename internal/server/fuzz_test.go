package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/internal/server/native/nativetest"
)

// fuzzRoutes are the routes FuzzHTTP sends to: both APIs' write routes, a
// read, a stream and the probes.
var fuzzRoutes = []struct{ method, path, target string }{
	{"POST", "/api/v1/workflows", ""},
	{"POST", "/api/v1/workflows/wf/executions", ""},
	{"POST", "/api/v1/executions/arn:aws:states:us-east-1:123456789012:execution:wf:e1/stop", ""},
	{"POST", "/api/v1/activities/act/poll", ""},
	{"POST", "/api/v1/tasks/success", ""},
	{"GET", "/api/v1/workflows", ""},
	{"GET", "/api/v1/events", ""},
	{"GET", "/healthz", ""},
	{"GET", "/metrics", ""},
	{"POST", "/", "AWSStepFunctions.CreateStateMachine"},
	{"POST", "/", "AWSStepFunctions.StartExecution"},
	{"POST", "/", "AWSStepFunctions.ListStateMachines"},
}

// FuzzHTTP sends requests whose body, Content-Type, Origin and Host vary
// together through the server's whole handler (guard and both APIs, over
// the real service and store with a scripted engine that runs nothing).
// Nothing may fail with a 5xx, every error must be a coded JSON error, and
// no request may succeed unless its Host is a name of the server, its
// Origin (if any) is the server's own or an allowed one, and a write's body
// is declared as the API's JSON. The seed corpus is in
// testdata/fuzz/FuzzHTTP.
func FuzzHTTP(f *testing.F) {
	def := `{"name":"wf","definition":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}`
	f.Add(uint8(0), "application/json", "", "127.0.0.1:7780", []byte(def))
	f.Add(uint8(0), "text/plain", "http://evil.example", "127.0.0.1:7780", []byte(def))
	f.Add(uint8(1), "application/json; charset=utf-8", "http://127.0.0.1:7780", "localhost:7780", []byte(`{"name":"e1","input":{"a":1}}`))
	f.Add(uint8(2), "application/x-www-form-urlencoded", "null", "127.0.0.1", []byte(`a=b`))
	f.Add(uint8(5), "", "", "attacker.example:7780", []byte{})
	f.Add(uint8(6), "", "https://ui.example.com", "[::1]:7780", []byte{})
	f.Add(uint8(7), "", "http://evil.example", "rebind.example", []byte{})
	f.Add(uint8(9), "application/x-amz-json-1.0", "", "sync-baton.test:7780", []byte(`{"name":"x","definition":"{}","roleArn":"arn:aws:iam::123456789012:role/r"}`))
	f.Add(uint8(10), "application/x-amz-json-1.0", "http://BATON.test:7780", "baton.test:7780", []byte("{\"input\":\"\xff\"}"))
	f.Add(uint8(11), "application/json", "", "127.0.0.1:7780", []byte(`{}`))

	env := nativetest.New(f)
	cfg := Config{Listen: "127.0.0.1:7780", HTTP: HTTPConfig{
		AllowedHosts: []string{"baton.test"}, AllowedOrigins: []string{"https://ui.example.com"},
	}.withDefaults()}
	h := surface{cfg: cfg, svc: env.Service, watch: env.Watcher, notReady: func(context.Context) error { return nil },
		reg: prometheus.NewRegistry(), log: slog.New(slog.DiscardHandler)}.handler()

	f.Fuzz(func(t *testing.T, route uint8, ct, origin, host string, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		// A short deadline: long polls and streams end with it.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r, err := http.NewRequestWithContext(ctx, rt.method, "http://127.0.0.1:7780"+rt.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if !validHeader(ct) || !validHeader(origin) || !validHeader(host) {
			return // not something net/http would pass on
		}
		r.Host = host
		setHeader(r, "Content-Type", ct)
		setHeader(r, "Origin", origin)
		setHeader(r, "X-Amz-Target", rt.target)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 && !(res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != "") {
			t.Fatalf("%s %s Host %q Origin %q Content-Type %q %q: %d %s", rt.method, rt.path, host, origin, ct, body, res.StatusCode, data)
		}
		if res.StatusCode >= 400 {
			var e map[string]any
			if json.Unmarshal(data, &e) != nil || (e["code"] == nil && e["__type"] == nil) {
				t.Fatalf("%s %s: error without a code: %d %q", rt.method, rt.path, res.StatusCode, data)
			}
			return
		}
		probe := rt.method == "GET" && (rt.path == "/healthz" || rt.path == "/metrics")
		switch {
		case !hostOK(host):
			t.Fatalf("answered %d under Host %q", res.StatusCode, host)
		case origin != "" && !probe && !originOK(origin, host):
			t.Fatalf("answered %d to Origin %q (Host %q)", res.StatusCode, origin, host)
		case rt.method == "POST" && !contentTypeOK(ct, rt.target != ""):
			t.Fatalf("%s %s answered %d with Content-Type %q", rt.method, rt.path, res.StatusCode, ct)
		}
	})
}

func setHeader(r *http.Request, name, v string) {
	if v != "" {
		r.Header.Set(name, v)
	}
}

// validHeader tells whether v can travel in a header line.
func validHeader(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00")
}

// hostOK is the fuzz test's own idea of the names the server answers to,
// kept simpler than the guard's: loopback addresses, localhost, the
// allowed name, with an optional port and sync- prefix.
func hostOK(host string) bool {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().IsLoopback()
	}
	h = strings.TrimPrefix(h, "sync-")
	return host == "" || h == "localhost" || h == "baton.test"
}

// originOK: the allowed origin, or the page's origin is the Host itself.
func originOK(origin, host string) bool {
	o := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(origin)), "/")
	if o == "https://ui.example.com" || o == "https://ui.example.com:443" {
		return true
	}
	host = strings.ToLower(host)
	for _, scheme := range []string{"http", "https"} {
		port := map[string]string{"http": ":80", "https": ":443"}[scheme]
		if strings.TrimSuffix(o, port) == scheme+"://"+strings.TrimSuffix(host, port) {
			return true
		}
	}
	return false
}

// contentTypeOK: a write declares the API's JSON.
func contentTypeOK(ct string, sfn bool) bool {
	want := "application/json"
	if sfn {
		want = "application/x-amz-json-1.0"
	}
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	return strings.TrimSpace(mt) == want
}
