package sfnapi

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

	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// FuzzRequest posts arbitrary bodies to every operation: the handler must
// answer every one with a well-formed response — a JSON object, and for an
// error an AWS error with __type and a 4xx status — and never panic or fail
// with an internal error. The seed corpus is in testdata/fuzz/FuzzRequest.
func FuzzRequest(f *testing.F) {
	ops := Operations()
	f.Add(uint8(0), []byte(`{}`))
	f.Add(uint8(1), []byte(`{"name":"x","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"arn:aws:iam::123456789012:role/r"}`))
	f.Add(uint8(2), []byte(`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","input":"{}"}`))
	f.Add(uint8(3), []byte(`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:x:y","maxResults":-1}`))
	f.Add(uint8(4), []byte(`{"taskToken":"","output":"{"}`))
	f.Add(uint8(5), []byte(`[1,2,3]`))
	f.Add(uint8(6), []byte(`{"maxResults":"ten","nextToken":"!!"}`))
	f.Add(uint8(7), []byte(`{"definition":"StartAt: A\nStates: {A: {Type: Wait}}"}`))
	f.Add(uint8(8), []byte("\x00\xff"))

	st, err := sqlite.Open(f.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	now := func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	eng := &fakeEngine{st: st, now: now}
	h := auth.Open(Handler(service.New(service.Config{Now: now}, st, eng), slog.New(slog.DiscardHandler)))

	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		target := "AWSStepFunctions." + ops[int(op)%len(ops)]
		// A short deadline: GetActivityTask long-polls until it ends.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		data, _ := io.ReadAll(res.Body)
		var out map[string]any
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s: response is not a JSON object: %q", target, data)
		}
		if res.StatusCode == http.StatusOK {
			return
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: internal error %d %s", target, body, res.StatusCode, data)
		}
		if _, ok := out["__type"].(string); !ok {
			t.Fatalf("%s: error without __type: %s", target, data)
		}
	})
}
