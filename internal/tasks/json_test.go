package tasks

import (
	"reflect"
	"strings"
	"testing"
)

func TestResultFromOutput(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want any
	}{
		{"object", "{\"a\": [1, 2.5]}\n", map[string]any{"a": []any{int64(1), 2.5}}},
		{"number", " 42 \n", int64(42)},
		{"json string", "\"hi\"\n", "hi"},
		{"plain text keeps inner spacing", "  hello world\n\n", "  hello world"},
		{"two documents are text", "1 2\n", "1 2"},
		{"blank is null", " \n\t", nil},
		{"null", "null", nil},
		{"invalid utf-8 is replaced", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resultFromOutput([]byte(tt.out)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDeepCopyIsIndependent(t *testing.T) {
	orig := map[string]any{"a": []any{map[string]any{"b": "c"}}}
	cp := deepCopy(orig).(map[string]any)
	cp["a"].([]any)[0].(map[string]any)["b"] = "changed"
	if orig["a"].([]any)[0].(map[string]any)["b"] != "c" {
		t.Fatal("changing the copy changed the original")
	}
}

func TestParseJSONRejectsWhatOjgMisreads(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":}`, "invalid character '}' looking for beginning of value at 1:6"}, // ojg accepts it
		{`{"a":{"b":},"c":1}`, "at 1:11"},                                         // ojg panics
		{"{\n  \"a\": 1", "unexpected end of JSON input at 2:9"},
		{" ", "empty document"},
	}
	for _, tt := range tests {
		_, err := parseJSON([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseJSON(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}
