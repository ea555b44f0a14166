package httpx

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
)

func TestLoneSurrogate(t *testing.T) {
	for _, tc := range []struct {
		json string
		want int
	}{
		{`{"a":"b"}`, -1},
		{`{"a":"\ud83d\ude00"}`, -1},       // a pair: 😀
		{`{"a":"\u00e9\n\"\\"}`, -1},       // other escapes
		{`{"a":"\\ud800"}`, -1},            // an escaped backslash, then text
		{`{"\ud800":1}`, 2},                // a high surrogate alone, in a key
		{`{"a":"x\udc00"}`, 7},             // a low surrogate alone
		{`{"a":"\ud800\u0041"}`, 6},        // a high surrogate without its low
		{`{"a":"\ud800"}`, 6},              // at the end of the string
		{`{"a":"\\\ud800"}`, 8},            // after an escaped backslash
		{`{"a":"\ud83d\ude00\udc00"}`, 18}, // after a pair
		{`\ud800`, -1},                     // outside a string: not JSON
	} {
		if got := LoneSurrogate([]byte(tc.json)); got != tc.want {
			t.Errorf("LoneSurrogate(%s) = %d, want %d", tc.json, got, tc.want)
		}
	}
}

// TestAWSErrorOfCancelled: a request cancelled by the server's shutdown
// answers 503 (clients retry it), one whose client went away 499.
func TestAWSErrorOfCancelled(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		cause error
		want  int
	}{{ErrShuttingDown, 503}, {nil, 499}} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(tc.cause)
		r := httptest.NewRequest("POST", "/", nil).WithContext(ctx)
		if e := AWSErrorOf(log, "sfn", r, "StartExecution", "id", context.Canceled, "InternalFailure"); e.Status != tc.want {
			t.Errorf("cancelled with cause %v: status %d (%s), want %d", tc.cause, e.Status, e.Code, tc.want)
		}
	}
}
