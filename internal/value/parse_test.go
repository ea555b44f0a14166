package value

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"null", `null`, nil},
		{"true", `true`, true},
		{"string", `"a\u00e9\n"`, "aé\n"},
		{"int", `42`, int64(42)},
		{"negative int", `-7`, int64(-7)},
		{"max int64", `9223372036854775807`, int64(9223372036854775807)},
		{"min int64", `-9223372036854775808`, int64(-9223372036854775808)},
		{"beyond int64 stays exact", `9223372036854775808`, json.Number("9223372036854775808")},
		{"huge integer", `123456789012345678901234567890`, json.Number("123456789012345678901234567890")},
		{"float", `1.5`, 1.5},
		{"exponent is a float", `1e2`, 100.0},
		{"integral float", `2.0`, 2.0},
		{"many fraction digits", `0.12345678901234567890123`, 0.12345678901234568},
		{"tiny", `1e-300`, 1e-300},
		{"surrounding space", " \t\n{\"a\" : [1, 2]}\r\n", map[string]any{"a": []any{int64(1), int64(2)}}},
		{"nested", `{"a":{"b":[{"c":null}]}}`, map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": nil}}}}},
		{"empty containers", `[{},[]]`, []any{map[string]any{}, []any{}}},
		{"duplicate key keeps the last", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{"byte order mark", "\ufeff1", int64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // a fragment of the message, with the position
	}{
		{"empty", ``, "at 1:1"},
		{"blank", "  \n ", "at 2:2"},
		{"trailing garbage", `{"a":1} x`, "at 1:9"},
		{"two documents", `1 2`, "at 1:3"},
		{"two objects", `{"a":1}{"b":2}`, "at 1:8"},
		{"unterminated array", `[1,2`, "at 1:"},
		{"bad literal on line 2", "{\n\"a\": tru}", "at 2:"},
		{"trailing comma", `[1,]`, "at 1:"},
		{"single quotes", `{'a':1}`, "at 1:"},
		{"number out of range", `1e400`, "out of range"},
		{"huge exponent", `[1e1500]`, "out of range"},
		{"invalid UTF-8", "[\"a\",\n\"\xff\"]", "UTF-8 at 2:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse(%q) = %#v, want an error", tt.in, v)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error %q does not contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseString(t *testing.T) {
	v, err := ParseString(`{"k":"v"}`)
	if err != nil || !Equal(v, map[string]any{"k": "v"}) {
		t.Errorf("ParseString = %#v, %v", v, err)
	}
}

// TestParseRejectsWhatOjgAccepts pins documents that ojg alone would parse.
func TestParseRejectsWhatOjgAccepts(t *testing.T) {
	for _, in := range []string{`{"a":}`, `[{"a":}]`, `{"":[{"":}]}`} {
		if v, err := ParseString(in); err == nil {
			t.Errorf("ParseString(%q) = %#v, want an error", in, v)
		}
	}
}
