package native

import (
	"bytes"
	"context"
	"encoding/json"
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
	h := newHandler(env.Service, env.Watcher, nil)
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
// is).
func (e *tenv) do(t *testing.T, method, path string, body any) resp {
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
	big := `{"name":"big","definition":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	expectError(t, e.do(t, "POST", "/api/v1/workflows", big), http.StatusBadRequest, "ValidationException")
}
