package native_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/batonhq/baton/internal/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/native/nativetest"
)

// FuzzRequest sends arbitrary bodies and query strings to the native API's
// write routes: every answer must be JSON (an object, or nothing for 204),
// errors must carry a code, and nothing may fail with an internal error.
func FuzzRequest(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/workflows"},
		{"POST", "/api/v1/workflows/wf/executions"},
		{"POST", "/api/v1/workflows/wf/versions"},
		{"GET", "/api/v1/executions"},
		{"POST", "/api/v1/executions/arn:aws:states:us-east-1:123456789012:execution:wf:e1/stop"},
		{"POST", "/api/v1/executions/arn:aws:states:us-east-1:123456789012:execution:wf:e1/redrive"},
		{"GET", "/api/v1/executions/arn:aws:states:us-east-1:123456789012:execution:wf:e1/history"},
		{"POST", "/api/v1/activities"},
		{"POST", "/api/v1/activities/act/poll"},
		{"POST", "/api/v1/tasks/success"},
		{"POST", "/api/v1/tasks/failure"},
		{"POST", "/api/v1/tasks/heartbeat"},
	}
	f.Add(uint8(0), "", []byte(`{"name":"wf","definition":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}`))
	f.Add(uint8(1), "wait=1ms", []byte(`{"name":"e1","input":{"a":1}}`))
	f.Add(uint8(3), "limit=-1&next=zz&status=RUNNING", []byte{})
	f.Add(uint8(6), "reverse=true&limit=2&data=false", []byte{})
	f.Add(uint8(9), "", []byte(`{"taskToken":"x","output":"not json"}`))
	f.Add(uint8(0), "", []byte(`{"name":"bad name!","definition":"StartAt: A"}`))
	f.Add(uint8(2), "", []byte(`[]`))

	env := nativetest.New(f)
	h := auth.Open(native.Handler(env.Service, env.Watcher, slog.New(slog.DiscardHandler), native.Options{}))
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte) {
		rt := routes[int(route)%len(routes)]
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		target := rt.path
		if query != "" {
			target += "?" + query
		}
		r, err := http.NewRequestWithContext(ctx, rt.method, "http://baton"+target, bytes.NewReader(body))
		if err != nil {
			return // not a URL a client could send
		}
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		data, _ := io.ReadAll(res.Body)
		if len(data) == 0 && ctx.Err() != nil {
			return // the deadline ran out: as for a client gone, nothing is written
		}
		if res.StatusCode == http.StatusNoContent || res.StatusCode == http.StatusAccepted && len(data) == 0 {
			return
		}
		var out any
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: not JSON (%d): %q", rt.method, target, res.StatusCode, data)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: internal error %d %s", rt.method, target, body, res.StatusCode, data)
		}
		if res.StatusCode >= 400 {
			if m, ok := out.(map[string]any); !ok || m["code"] == nil {
				t.Fatalf("%s %s: error without code: %s", rt.method, target, data)
			}
		}
	})
}
