package steptask_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/internal/value"
)

// TestDecodeKeepsIntegers pins that Decode keeps the numbers of a step's
// JSON values as the interpreter has them: an id above 2^53 stays that
// integer (encoding/json alone made it a float64 and rounded it), an
// integer beyond int64 keeps every digit, a fraction stays a float64.
func TestDecodeKeepsIntegers(t *testing.T) {
	const big = int64(9007199254740993) // 2^53 + 1: no float64 holds it
	huge := json.Number("123456789012345678901234567890")
	in, err := value.ParseString(`{"pipeline": "p", "step": "s", "index": 3, "url": "http://x", "env": {"ID": "9007199254740993"},
		"body": {"id": 9007199254740993, "huge": 123456789012345678901234567890, "ratio": 1.5, "list": [9007199254740993, {"n": -9007199254740993}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range map[string]any{
		"parsed": in, // as the server's store gives it back
		"built": map[string]any{"url": "http://x", "index": int64(3), "env": map[string]any{"ID": "9007199254740993"}, // as the interpreter builds it
			"body": map[string]any{"id": big, "huge": huge, "ratio": 1.5, "list": []any{big, map[string]any{"n": -big}}}},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := steptask.Decode[steptask.HTTP](input)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"id": big, "huge": huge, "ratio": 1.5, "list": []any{big, map[string]any{"n": -big}}}
			if !reflect.DeepEqual(h.Body, want) {
				t.Fatalf("body = %#v, want %#v", h.Body, want)
			}
			if h.Index == nil || *h.Index != 3 || h.Env["ID"] != "9007199254740993" {
				t.Fatalf("index %v, env %v", h.Index, h.Env)
			}
		})
	}
	a, err := steptask.Decode[steptask.Activity](map[string]any{"activity": "a", "input": big})
	if err != nil || a.Input != big {
		t.Fatalf("activity input = %#v (%v), want int64 %d", a.Input, err, big)
	}
	w, err := steptask.Decode[steptask.Workflow](map[string]any{"workflow": "w", "input": []any{huge}})
	if err != nil || !reflect.DeepEqual(w.Input, []any{huge}) {
		t.Fatalf("workflow input = %#v (%v)", w.Input, err)
	}
	if _, err := steptask.Decode[steptask.HTTP](map[string]any{"url": 5}); err == nil {
		t.Fatal("a number for a string field was accepted")
	}
}
