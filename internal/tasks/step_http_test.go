package tasks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

func TestStepHTTP(t *testing.T) {
	srv := echoServer(t)
	// A server that quotes the credential it got in its error: the failure
	// must not.
	quoting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token "+r.Header.Get("X-Token"), http.StatusForbidden)
	}))
	t.Cleanup(quoting.Close)
	conns := testConnections(t, `connections:
  api:
    type: http
    base_url: `+srv.URL+`/
    headers: {X-Token: env:TOKEN, Accept: application/json}
  quoting:
    type: http
    base_url: `+quoting.URL+`
    headers: {X-Token: env:TOKEN}
  db: {type: sql, driver: sqlite, path: x.db}
`, map[string]string{"TOKEN": stepSecret})
	r := newResolver(t, Options{Connections: conns})
	// The Date header changes: check the shape of one answer by hand.
	got, err := run(t, r, Request{Resource: steptask.ResourceHTTP, Input: jsonValue(t, `{"url": "`+srv.URL+`/text"}`)})
	if err != nil {
		t.Fatal(err)
	}
	out := got.(map[string]any)
	if out["status"] != int64(200) || out["body"] != "hello" || out["headers"].(map[string]any)["X-Multi"] != "a, b" {
		t.Fatalf("output = %s", encodeJSON(got))
	}
	tests := []stepCase{
		{name: "a connection's base URL and headers", input: `{"connection": "api", "url": "echo", "method": "post", "body": {"day": "2026-12-01"}}`},
		{name: "large integers in the body stay exact", input: `{"connection": "api", "url": "echo", "method": "POST", "body": {"id": 9007199254740993}}`},
		{name: "the step's headers win", input: `{"connection": "api", "url": "echo", "headers": {"accept": "text/csv"}}`},
		{name: "4xx", input: `{"connection": "api", "url": "missing"}`, failure: ErrorHTTPClient, causeHas: []string{"404", "no such thing"}},
		{name: "5xx", input: `{"connection": "api", "url": "/broken"}`, failure: ErrorHTTPServer, causeHas: []string{"503", "database down"}},
		{name: "a server quoting the secret", input: `{"connection": "quoting", "url": "/"}`, failure: ErrorHTTPClient, causeHas: []string{"403", "bad token [redacted]"}},
		{name: "leaving the connection's host", input: `{"connection": "api", "url": "https://elsewhere.example/steal"}`, failure: ErrorHTTPInvalidInput, causeHas: []string{`"url"`, "leaves the connection"}},
		{name: "unknown connection", input: `{"connection": "nope", "url": "x"}`, failure: ErrorUnknownConnection, causeHas: []string{`"nope"`, "baton.yaml", "api, db, quoting"}},
		{name: "a connection of another type", input: `{"connection": "db", "url": "x"}`, failure: ErrorHTTPInvalidInput, causeHas: []string{"sql connection"}},
		{name: "relative URL without a connection", input: `{"url": "/x"}`, failure: ErrorHTTPInvalidInput, causeHas: []string{"absolute"}},
		{name: "no URL", input: `{"method": "GET"}`, failure: ErrorHTTPInvalidInput, causeHas: []string{`"url" is missing`}},
		{name: "bad header", input: `{"url": "` + srv.URL + `/echo", "headers": {"X-A": "a\nb"}}`, failure: ErrorHTTPInvalidInput, causeHas: []string{"headers.X-A"}},
		{name: "timeout", input: `{"url": "` + srv.URL + `/slow"}`, req: Request{Timeout: 100 * time.Millisecond}, failure: ErrorTimeout},
	}
	for _, tc := range tests {
		if tc.failure != "" {
			runStepCases(t, r, steptask.ResourceHTTP, []stepCase{tc})
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, r, Request{Resource: steptask.ResourceHTTP, Input: jsonValue(t, tc.input)})
			if err != nil {
				t.Fatal(err)
			}
			noSecret(t, "the output", encodeJSON(got))
			body := got.(map[string]any)["body"].(map[string]any)
			// The echo server answers with the token it got: the output
			// (which goes into the history) has it redacted.
			if body["token"] != "[redacted]" {
				t.Fatalf("the connection's header was not sent, or the output shows it: %v", body)
			}
			switch tc.name {
			case "a connection's base URL and headers":
				if body["method"] != "POST" || body["body"] != `{"day":"2026-12-01"}` || body["contentType"] != "application/json" || body["accept"] != "application/json" {
					t.Fatalf("echo = %v", body)
				}
			case "large integers in the body stay exact":
				if body["body"] != `{"id":9007199254740993}` {
					t.Fatalf("echo = %v", body)
				}
			case "the step's headers win":
				if body["accept"] != "text/csv" {
					t.Fatalf("echo = %v", body)
				}
			}
		})
	}
}

// TestStepHTTPCredentialsStayOnTheConnectionsHost pins that a connection's
// headers (its credentials) reach no other host: not through a redirect
// (Go's client forwards every header but Authorization and Cookie to
// another host), and not as the start of a secret that an error body
// quoted where the excerpt of the body cuts it.
func TestStepHTTPCredentialsStayOnTheConnectionsHost(t *testing.T) {
	stolen := make(chan string, 1)
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case stolen <- r.Header.Get("X-Token"):
		default:
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(thief.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, thief.URL+"/collect", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			w.Write([]byte("fine"))
		case "/cut":
			// The token lands across the end of the excerpt of the body.
			http.Error(w, strings.Repeat("x", bodyExcerptBytes-12)+r.Header.Get("X-Token"), http.StatusForbidden)
		}
	}))
	t.Cleanup(api.Close)
	conns := testConnections(t, `connections:
  api:
    type: http
    base_url: `+api.URL+`
    headers: {X-Token: env:TOKEN}
`, map[string]string{"TOKEN": stepSecret})
	r := newResolver(t, Options{Connections: conns})
	runStepCases(t, r, steptask.ResourceHTTP, []stepCase{
		{name: "a redirect to another host", input: `{"connection": "api", "url": "/away"}`, failure: ErrorHTTPTransport, causeHas: []string{"redirect", "leaves the connection"}},
		// A Host header would route the credentials to another virtual
		// host of a shared front end (an ingress, a CDN).
		{name: "a Host header through a connection", input: `{"connection": "api", "url": "/ok", "headers": {"host": "other.internal"}}`, failure: ErrorHTTPInvalidInput, causeHas: []string{`"headers.host"`, "connection"}},
		{name: "an excerpt cutting the secret", input: `{"connection": "api", "url": "/cut"}`, failure: ErrorHTTPClient, causeHas: []string{"403", "[redacted]"}},
	})
	select {
	case got := <-stolen:
		t.Fatalf("the other host got the connection's header X-Token=%q", got)
	default:
	}
	// A redirect on the connection's host is still followed.
	got, err := run(t, r, Request{Resource: steptask.ResourceHTTP, Input: jsonValue(t, `{"connection": "api", "url": "/here"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if body := got.(map[string]any)["body"]; body != "fine" {
		t.Fatalf("body = %v", body)
	}
}

// TestStepHTTPDefaultTimeout: an http step without a timeout of its own is
// bounded (Options.HTTPStepTimeout, 10 minutes by default), so that a
// server that never answers cannot hold it forever.
func TestStepHTTPDefaultTimeout(t *testing.T) {
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); silent.Close() })
	r := newResolver(t, Options{HTTPStepTimeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := run(t, r, Request{Resource: steptask.ResourceHTTP, Input: jsonValue(t, `{"url": "`+silent.URL+`/"}`)})
	f, ok := err.(*Failure)
	if !ok || f.Name != ErrorTimeout || !strings.Contains(f.Cause, "200ms") {
		t.Fatalf("a server that never answers: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("it took %s", d)
	}
	if DefaultHTTPStepTimeout != 10*time.Minute {
		t.Errorf("DefaultHTTPStepTimeout = %s", DefaultHTTPStepTimeout)
	}
}

// TestStepHTTPRefusesLocalNetwork: on a shared server (RefuseLocalNetwork)
// an http step, a baton:http task and a copy from a URL cannot reach the
// server's own machine (a name resolving to it included), while a
// connection's base URL, which the operator chose, still can.
func TestStepHTTPRefusesLocalNetwork(t *testing.T) {
	srv := echoServer(t)
	conns := testConnections(t, `connections:
  api: {type: http, base_url: `+srv.URL+`/}
`, nil)
	r := newResolver(t, Options{Connections: conns, RefuseLocalNetwork: true})
	local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	runStepCases(t, r, steptask.ResourceHTTP, []stepCase{
		{name: "a loopback URL", input: `{"url": "` + srv.URL + `/text"}`, failure: ErrorHTTPTransport, causeHas: []string{"loopback", "--step-local-network allow"}},
		{name: "a name of the loopback", input: `{"url": "` + local + `/text"}`, failure: ErrorHTTPTransport, causeHas: []string{"loopback"}},
		{name: "the metadata service", input: `{"url": "http://169.254.169.254/latest/meta-data/"}`, failure: ErrorHTTPTransport, causeHas: []string{"link-local"}},
	})
	if _, err := run(t, r, Request{Resource: HTTPResource, Input: jsonValue(t, `{"url": "`+srv.URL+`/text"}`)}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("baton:http to the loopback: %v", err)
	}
	if _, err := run(t, r, Request{Resource: steptask.ResourceHTTP, Input: jsonValue(t, `{"connection": "api", "url": "text"}`)}); err != nil {
		t.Errorf("a connection on the loopback: %v", err)
	}
}

// TestStepConnectionsByNamespace: a connection listed for team-a serves
// team-a's steps, not team-b's; one without namespaces serves both.
func TestStepConnectionsByNamespace(t *testing.T) {
	srv := echoServer(t)
	conns := testConnections(t, `connections:
  mine: {type: http, base_url: `+srv.URL+`/, namespaces: [team-a]}
  shared: {type: http, base_url: `+srv.URL+`/}
`, nil)
	r := newResolver(t, Options{Connections: conns, NamespaceOf: func(arn string) string {
		return strings.TrimPrefix(arn, "arn:")
	}})
	for _, tc := range []struct {
		ns, conn string
		ok       bool
	}{{"team-a", "mine", true}, {"team-b", "mine", false}, {"team-b", "shared", true}} {
		_, err := run(t, r, Request{Resource: steptask.ResourceHTTP, ExecutionArn: "arn:" + tc.ns,
			Input: jsonValue(t, `{"connection": "`+tc.conn+`", "url": "text"}`)})
		var f *Failure
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s using %s: %v", tc.ns, tc.conn, err)
		case !tc.ok && (!errors.As(err, &f) || f.Name != ErrorUnknownConnection || !strings.Contains(f.Cause, "not available to namespace "+tc.ns)):
			t.Errorf("%s using %s: %v, want Baton.UnknownConnection", tc.ns, tc.conn, err)
		}
	}
}

// TestNamespaceStepPolicy: the configuration's namespaces section decides
// which kinds of step a namespace's runs may run; a task of no run on a
// server gets the '*' policy (baton run, without NamespaceOf, none).
func TestNamespaceStepPolicy(t *testing.T) {
	srv := echoServer(t)
	conns := testConnections(t, `namespaces:
  team-a: {steps: [http]}
  '*': {steps: []}
`, nil)
	r := newResolver(t, Options{Connections: conns, NamespaceOf: func(arn string) string { return strings.TrimPrefix(arn, "arn:") }})
	for _, tc := range []struct {
		ns, resource, input string
		ok                  bool
	}{
		{"team-a", steptask.ResourceHTTP, `{"url": "` + srv.URL + `/text"}`, true},
		{"team-a", HTTPResource, `{"url": "` + srv.URL + `/text"}`, true},
		{"team-a", ShellResource, `{"command": ["true"]}`, false},
		{"team-b", steptask.ResourceHTTP, `{"url": "` + srv.URL + `/text"}`, false},
		// a task of no run on a server (TestState): the '*' policy
		{"", ShellResource, `{"command": ["true"]}`, false},
	} {
		arn := ""
		if tc.ns != "" {
			arn = "arn:" + tc.ns
		}
		_, err := run(t, r, Request{Resource: tc.resource, ExecutionArn: arn, StateName: "S", Input: jsonValue(t, tc.input)})
		var f *Failure
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s running %s: %v", tc.ns, tc.resource, err)
		case !tc.ok && (!errors.As(err, &f) || f.Name != ErrorResourceDisabled || !strings.Contains(f.Cause, "namespace "+tc.ns)):
			t.Errorf("%s running %s: %v, want Baton.ResourceDisabled", tc.ns, tc.resource, err)
		}
	}
}
