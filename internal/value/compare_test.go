package value

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		in   any
		want float64
		ok   bool
	}{
		{int64(3), 3, true},
		{2.5, 2.5, true},
		{json.Number("1e400"), math.Inf(1), true},
		{json.Number("12345678901234567890"), 12345678901234567890, true},
		{json.Number("junk"), 0, false},
		{7, 7, true},
		{"3", 0, false},
		{nil, 0, false},
		{true, 0, false},
	}
	for _, tt := range tests {
		got, ok := Number(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Number(%#v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestInteger(t *testing.T) {
	tests := []struct {
		in   any
		want int64
		ok   bool
	}{
		{int64(3), 3, true},
		{2.0, 2, true},
		{2.5, 0, false},
		{1e300, 0, false},
		{json.Number("4"), 4, true},
		{"4", 0, false},
	}
	for _, tt := range tests {
		got, ok := Integer(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Integer(%#v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"int and float", int64(1), 1.0, true},
		{"float and int", 1.5, int64(1), false},
		{"big integers exactly", json.Number("9223372036854775808"), json.Number("9223372036854775808.0"), true},
		{"big integer off by one", json.Number("9223372036854775809"), json.Number("9223372036854775808"), false},
		{"int64 beyond float precision", int64(9007199254740993), 9007199254740992.0, false},
		{"number and string", int64(1), "1", false},
		{"nulls", nil, nil, true},
		{"null and false", nil, false, false},
		{"strings", "a", "a", true},
		{"objects by value", map[string]any{"a": []any{int64(1)}}, map[string]any{"a": []any{1.0}}, true},
		{"objects with other keys", map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{"objects of other size", map[string]any{"a": nil}, map[string]any{}, false},
		{"arrays in order", []any{int64(1), int64(2)}, []any{int64(2), int64(1)}, false},
		{"array and object", []any{}, map[string]any{}, false},
		{"NaN", math.NaN(), math.NaN(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b any
		want int
		ok   bool
	}{
		{int64(1), int64(2), -1, true},
		{2.5, int64(2), 1, true},
		{json.Number("100000000000000000001"), json.Number("100000000000000000000"), 1, true},
		{int64(3), 3.0, 0, true},
		{"1", int64(1), 0, false},
		{math.Inf(1), 1.0, 1, true},
		{math.NaN(), 1.0, 0, false},
		{int64(1) << 60, float64(int64(1)<<60) + 512, -1, true},
		{int64(1)<<60 + 1, float64(int64(1) << 60), 1, true},
	}
	for _, tt := range tests {
		got, ok := CompareNumbers(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CompareNumbers(%#v, %#v) = %v, %v; want %v, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{true, "boolean"},
		{"s", "string"},
		{int64(1), "number"},
		{1.5, "number"},
		{json.Number("1"), "number"},
		{map[string]any{}, "object"},
		{[]any{}, "array"},
		{struct{}{}, "unknown"},
	}
	for _, tt := range tests {
		if got := TypeName(tt.in); got != tt.want {
			t.Errorf("TypeName(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
