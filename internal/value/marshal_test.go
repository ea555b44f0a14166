package value

import (
	"encoding/json"
	"math"
	"testing"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, `null`},
		{"bools", []any{true, false}, `[true,false]`},
		{"int", int64(-12), `-12`},
		{"big number kept verbatim", json.Number("123456789012345678901234567890"), `123456789012345678901234567890`},
		{"keys sorted", map[string]any{"b": int64(1), "a": int64(2), "B": int64(3)}, `{"B":3,"a":2,"b":1}`},
		{"nested sorted", map[string]any{"z": map[string]any{"y": nil, "x": []any{}}, "a": map[string]any{}}, `{"a":{},"z":{"x":[],"y":null}}`},
		{"no HTML escaping", "<a href=\"x\">&</a>", `"<a href=\"x\">&</a>"`},
		{"control characters", "a\nb\tc\r\x00\x1f\b\f", `"a\nb\tc\r\u0000\u001f\b\f"`},
		{"backslash", `a\b`, `"a\\b"`},
		{"unicode kept", "é中😀\u2028", "\"é中😀\u2028\""},
		{"invalid UTF-8 replaced", "a\xffb", "\"a\ufffdb\""},
		{"other Go ints", []any{1, int32(2), uint64(3)}, `[1,2,3]`},
		{"string slice", []string{"a", "b"}, `["a","b"]`},
		{"many keys", map[string]any{"k01": 1, "k02": 2, "k03": 3, "k04": 4, "k05": 5, "k06": 6, "k07": 7, "k08": 8, "k09": 9, "k10": 10, "k11": 11, "k12": 12, "k13": 13, "k14": 14, "k15": 15, "k16": 16, "k17": 17},
			`{"k01":1,"k02":2,"k03":3,"k04":4,"k05":5,"k06":6,"k07":7,"k08":8,"k09":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}`},
		{"unknown type through encoding/json", struct{ A int }{1}, `{"A":1}`},
		{"encoding/json without HTML escaping", []map[string]any{{"b": "<&>", "a": 1}}, `[{"a":1,"b":"<&>"}]`},
		{"unmarshalable type is null", make(chan int), `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Marshal(tt.in)); got != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
			if got := MarshalString(tt.in); got != tt.want {
				t.Errorf("MarshalString = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAppendFloat checks Java's Double.toString forms, which is how AWS
// renders doubles: a ".0" on integral values, and E notation outside
// [1e-3, 1e7).
func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2, "-2.0"},
		{0.5, "0.5"},
		{0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"},
		{123456.789, "123456.789"},
		{0.001, "0.001"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{1.5e7, "1.5E7"},
		{1e21, "1.0E21"},
		{1e100, "1.0E100"},
		{0.0009, "9.0E-4"},
		{1.5e-4, "1.5E-4"},
		{-2.5e-10, "-2.5E-10"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{5e-324, "5.0E-324"}, // Java says 4.9E-324: its digits are not always the shortest
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
	}
	for _, tt := range tests {
		if got := string(AppendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	docs := []string{
		`{"a":[1,2.5,"x",null,true,{"b":{}}],"c":-0.001,"d":1.0E20,"e":12345678901234567890123}`,
		`"\u0000\u001f\"\\/é"`,
		`[1e-7,123.456,0.1]`,
	}
	for _, d := range docs {
		v, err := ParseString(d)
		if err != nil {
			t.Fatalf("ParseString(%s): %v", d, err)
		}
		back, err := Parse(Marshal(v))
		if err != nil {
			t.Fatalf("reparse of %s: %v", Marshal(v), err)
		}
		if !Equal(v, back) {
			t.Errorf("round trip of %s gave %s", d, Marshal(back))
		}
	}
}
