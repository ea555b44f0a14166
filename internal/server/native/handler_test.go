package native

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
)

const passDef = `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`

// tenv is a native API over the real service and store with the scripted
// engine.
type tenv struct {
	*nativetest.Env
	url string
	h   *handler
}

func setup(t *testing.T, tune ...func(*handler)) *tenv {
	t.Helper()
	env := nativetest.New(t)
	h := newHandler(env.Service, env.Watcher, nil, Options{})
	h.recheck = time.Hour // updates, not rereads, drive waits and streams
	for _, f := range tune {
		f(h)
	}
	return &tenv{Env: env, url: nativetest.Serve(t, h), h: h}
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

// do sends a request; body is JSON-encoded unless it is a string (sent as
// is). A POST says Content-Type: application/json.
func (e *tenv) do(t *testing.T, method, path string, body any) resp {
	t.Helper()
	ct := ""
	if method == http.MethodPost {
		ct = "application/json"
	}
	return e.doCT(t, method, path, ct, body)
}

// doCT sends a request with the Content-Type ct (none when "").
func (e *tenv) doCT(t *testing.T, method, path, ct string, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, data}
}

// expect checks the status of a response.
func expect(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// expectError checks an error response's status and code.
func expectError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	expect(t, r, status)
	m := r.json(t)
	if m["code"] != code || m["message"] == "" {
		t.Fatalf("error %v, want code %s with a message", m, code)
	}
}

// deploy creates a workflow of a Pass state.
func (e *tenv) deploy(t *testing.T, name string) {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": name, "definition": json.RawMessage(passDef)})
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		t.Fatalf("deploy %s: %d %s", name, r.status, r.body)
	}
}

// start starts an execution and returns its ARN.
func (e *tenv) start(t *testing.T, workflow string, body any) string {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/workflows/"+workflow+"/executions", body)
	expect(t, r, http.StatusCreated)
	arn, _ := r.json(t)["executionArn"].(string)
	if arn == "" {
		t.Fatalf("no executionArn: %s", r.body)
	}
	return arn
}

func esc(arn string) string { return url.PathEscape(arn) }

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := setup(t)
	expectError(t, e.do(t, "GET", "/api/v1/nothing", nil), http.StatusNotFound, CodeNotFound)
	expectError(t, e.do(t, "GET", "/api/v1/workflows/x/y/z", nil), http.StatusNotFound, CodeNotFound)
	r := e.do(t, "PUT", "/api/v1/workflows", nil)
	expectError(t, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
	expectError(t, e.do(t, "GET", "/api/v1/tasks/success", nil), http.StatusMethodNotAllowed, CodeMethodNotAllowed)
}

func TestBadBodiesAndQueries(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", "{not json"), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", ""), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", `{"name":"a","definitoin":{}}`), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", `{"name":"a","definition":[1]}`), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", `{"name":"a"}`), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", `{} {}`), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "GET", "/api/v1/workflows?limit=ten", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/executions?workflow=wf&limit=-1", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows/wf/executions?wait=soon", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows/wf/executions", `{"input":{"a":}`), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "GET", "/api/v1/executions/not-an-arn", nil), http.StatusBadRequest, "InvalidArn")
	expectError(t, e.do(t, "GET", "/api/v1/executions/x/history?reverse=maybe", nil), http.StatusBadRequest, "ValidationException")
	// Invalid UTF-8 is refused, not turned into U+FFFD.
	expectError(t, e.do(t, "POST", "/api/v1/workflows/wf/executions", "{\"name\":\"a\xffb\"}"), http.StatusBadRequest, "SerializationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows/wf/executions", "{\"input\":{\"k\":\"\xc3\x28\"}}"), http.StatusBadRequest, "SerializationException")
	// Too large: 413, naming the limit and the flag.
	big := `{"name":"big","definition":"` + strings.Repeat("a", int(e.h.bodyLimit)) + `"}`
	r := e.do(t, "POST", "/api/v1/workflows", big)
	expectError(t, r, http.StatusRequestEntityTooLarge, "ValidationException")
	if m := r.json(t)["message"].(string); !strings.Contains(m, "--max-payload-bytes") || !strings.Contains(m, fmt.Sprint(e.h.bodyLimit)) {
		t.Errorf("413 message %q names neither the flag nor the limit", m)
	}
}

// TestPaging: every list checks ?limit= the same way, with or without
// ?workflow= for executions.
func TestPaging(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", map[string]any{"name": "x"})
	lists := []string{"/api/v1/workflows", "/api/v1/workflows/wf/versions", "/api/v1/activities",
		"/api/v1/executions", "/api/v1/executions?workflow=wf", "/api/v1/executions/" + esc(arn) + "/history"}
	for _, path := range lists {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		for _, limit := range []string{"-1", "0", "1001", "ten"} {
			t.Run(path+"/"+limit, func(t *testing.T) {
				r := e.do(t, "GET", path+sep+"limit="+limit, nil)
				expectError(t, r, http.StatusBadRequest, "ValidationException")
			})
		}
		for _, limit := range []string{"1", "1000"} {
			expect(t, e.do(t, "GET", path+sep+"limit="+limit, nil), http.StatusOK)
		}
	}
}

// TestContentType: a POST is refused with 415 unless its body is declared
// as JSON, so that a web page cannot post a form or text/plain to the API
// (CSRF); an empty body too.
func TestContentType(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	body := `{"name":"ct","definition":` + passDef + `}`
	for _, tc := range []struct {
		ct   string
		want int
	}{
		{"", http.StatusUnsupportedMediaType},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"text/plain; charset=utf-8", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		{"application/x-amz-json-1.0", http.StatusUnsupportedMediaType},
		{"application/json", http.StatusCreated},
		{"Application/JSON; charset=utf-8", http.StatusOK},
	} {
		t.Run(tc.ct, func(t *testing.T) {
			r := e.doCT(t, "POST", "/api/v1/workflows", tc.ct, body)
			if tc.want == http.StatusUnsupportedMediaType {
				expectError(t, r, tc.want, CodeUnsupportedMediaType)
				return
			}
			expect(t, r, tc.want)
		})
	}
	// An empty body, too: stopping an execution must not be a simple POST.
	arn := e.start(t, "wf", map[string]any{"name": "s"})
	expectError(t, e.doCT(t, "POST", "/api/v1/executions/"+esc(arn)+"/stop", "", nil), http.StatusUnsupportedMediaType, CodeUnsupportedMediaType)
	expectError(t, e.doCT(t, "POST", "/api/v1/executions/"+esc(arn)+"/stop", "text/plain", ""), http.StatusUnsupportedMediaType, CodeUnsupportedMediaType)
	expect(t, e.doCT(t, "POST", "/api/v1/executions/"+esc(arn)+"/stop", "application/json", ""), http.StatusOK)
	// Reads and deletes take no body and need no Content-Type.
	expect(t, e.doCT(t, "GET", "/api/v1/workflows", "", nil), http.StatusOK)
}
