package eventsapi

import (
	"bytes"
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

// FuzzRequest posts arbitrary bodies to every operation: each answer is a
// JSON object, an error an AWS error with __type and a 4xx status; never a
// panic or an internal error. (The operations reach no engine.)
func FuzzRequest(f *testing.F) {
	ops := Operations()
	for i, body := range []string{
		`{}`, `[1]`, "\x00\xff", `{"Name":"r","EventPattern":"{\"source\":[\"a\"]}"}`,
		`{"Name":"r","ScheduleExpression":"cron(0 3 * * ? *)","EventBusName":"arn:aws:events:us-east-1:123456789012:event-bus/x"}`,
		`{"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:states:us-east-1:123456789012:stateMachine:s","InputTransformer":{"InputPathsMap":{"a":"$.b"},"InputTemplate":"{\"a\": <a>}"}}]}`,
		`{"Entries":[{"Source":"s","DetailType":"d","Detail":"{\"a\":1}","Time":"x"}]}`,
		`{"EventPattern":"{\"a\":[{\"numeric\":[\">\",1]}]}","Event":"{\"id\":1}"}`,
		`{"Limit":0,"NextToken":"!!","NamePrefix":"a"}`, `{"Name":"default"}`, `{"Rule":"r","Ids":[]}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	st, err := sqlite.Open(f.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	now := func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	h := auth.Open(Handler(service.New(service.Config{Now: now, MaxRulesPerBus: 20}, st, nil), slog.New(slog.DiscardHandler)))

	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		target := TargetPrefix + ops[int(op)%len(ops)]
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", ContentType)
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
