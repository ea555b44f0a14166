package intrinsic

import (
	"encoding/json"
	"math"
	"testing"
)

// The expected strings are what Java's Double.toString prints.
func TestJavaDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"},
		{1.1, "1.1"},
		{-1.5, "-1.5"},
		{100, "100.0"},
		{0.001, "0.001"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{12345678.9, "1.23456789E7"},
		{1e-4, "1.0E-4"},
		{-1.5e-5, "-1.5E-5"},
		{1e21, "1.0E21"},
		{1.0 / 3, "0.3333333333333333"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
	}
	for _, tt := range tests {
		if got := javaDouble(tt.in); got != tt.want {
			t.Errorf("javaDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"a b", "a b"},
		{true, "true"},
		{int64(-7), "-7"},
		{2.5, "2.5"},
		{json.Number("123456789012345678901234567890"), "123456789012345678901234567890"},
		{json.Number("1.5e400"), "1.5e400"},
		{json.Number("2.50"), "2.5"},
		{[]any{}, "[]"},
		{map[string]any{}, "{}"},
		{[]any{int64(1), "x", nil, []any{false}}, "[1, x, null, [false]]"},
		{map[string]any{"b": int64(2), "a": map[string]any{"c": "d"}}, "{a={c=d}, b=2}"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.in); got != tt.want {
			t.Errorf("formatValue(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJavaRound(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0.49999999999999994, 0},
		{0.5, 1},
		{2.5, 3},
		{-0.5, 0},
		{-1.5, -1},
		{-2.5, -2},
		{-2.51, -3},
		{7, 7},
	}
	for _, tt := range tests {
		if got := javaRound(tt.in); got != tt.want {
			t.Errorf("javaRound(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
