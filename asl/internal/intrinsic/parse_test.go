package intrinsic

import (
	"errors"
	"strings"
	"testing"
)

func TestIsCall(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"States.Format('x')", true},
		{"States.UUID()", true},
		{"States.Unknown(1)", true}, // looks like a call; Parse rejects it
		{"States.Array", false},
		{"States.(1)", false},
		{"States.Array (1)", false},
		{" States.Array(1)", false},
		{"$.States.Array(1)", false},
		{"MyFunc(1)", false},
		{"states.Array(1)", false},
		{"", false},
		{"States.", false},
	}
	for _, tt := range tests {
		if got := IsCall(tt.in); got != tt.want {
			t.Errorf("IsCall(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	for _, src := range []string{
		"States.Array()",
		"States.Array( $.a , $.b )",
		"States.Array(1, -1, 0, 1.5, -2.5e3, 1E+2, true, false, null, 'x')",
		"States.Array($, $$, $$.Execution.Id, $v, $v.x, $['a, b'], $.a[?(@.b > 1)], $.a[0], $.a[*].b)",
		"States.Format('a \\' b \\{ \\} \\\\ {}', 1)",
		"States.StringToJson('{\"a\": [1, 2]}')",   // unescaped braces are fine outside Format
		"States.StringSplit('Hello\nWorld', '\n')", // raw control characters are fine
		"States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, '/'), 2), '.'), 0)",
		"States.JsonMerge($.a, $.b, false)",
		"States.JsonMerge($.a, $.b, $.deep)",
		"States.MathRandom(1, 2)",
		"States.MathRandom(1, 2, -7)",
		"States.Hash(123, 'SHA-512')",
		"States.UUID()  ",
		strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11),
	} {
		if _, err := Parse(src); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"", 0, "empty string"},
		{" States.UUID()", 0, "expected an intrinsic function name"},
		{"States.Nope(1)", 0, "unknown intrinsic function 'States.Nope'"},
		{"Foo.Bar()", 0, "unknown intrinsic function 'Foo.Bar'"},
		{"States.Array", 12, "expected '(' right after States.Array"},
		{"States.Array (1)", 12, "expected '('"},
		{"States.Array(", 13, "unexpected end; expected an argument"},
		{"States.Array(1", 14, "missing ')' to close States.Array("},
		{"States.Array(1 2)", 15, "expected ',' or ')' in the arguments of States.Array, found '2'"},
		{"States.Array(1,)", 15, "unexpected ')'"},
		{"States.Array(,1)", 13, "unexpected ','"},
		{"States.Array(1) x", 16, "unexpected 'x' after the end of the call"},
		{"States.Array([1,2])", 13, "unexpected '['"},
		{"States.Array(1.)", 15, "expected a digit after '.'"},
		{"States.Array(.5)", 13, "unexpected '.5'"},
		{"States.Array(1e)", 15, "expected a digit in the exponent"},
		{"States.Array(-)", 14, "expected a digit"},
		{"States.Array(1e999)", 13, "number 1e999 is out of range"},
		{"States.Array(nul)", 13, "unexpected 'nul'"},
		{"States.Array('abc)", 13, "unterminated string"},
		{"States.Array('a\\nb')", 15, "invalid escape sequence '\\n'"},
		{"States.Array(\"x\")", 13, "unexpected '\"'"},
		{"States.Array($.a[)", 17, "invalid path '$.a[)'"},
		{strings.Repeat("States.Array(", 12) + strings.Repeat(")", 12), 143, "nested more than 10 deep"},

		// Arity.
		{"States.UUID(1)", 0, "States.UUID takes no arguments, but got 1"},
		{"States.Format()", 0, "States.Format takes at least 1 argument, but got 0"},
		{"States.StringToJson()", 0, "takes 1 argument, but got 0"},
		{"States.JsonToString($.a, $.b)", 0, "takes 1 argument, but got 2"},
		{"States.ArrayPartition($.a)", 0, "takes 2 arguments, but got 1"},
		{"States.ArrayContains($.a, 1, 2)", 0, "takes 2 arguments, but got 3"},
		{"States.ArrayRange(1, 2)", 0, "takes 3 arguments, but got 2"},
		{"States.ArrayGetItem($.a)", 0, "takes 2 arguments, but got 1"},
		{"States.ArrayLength()", 0, "takes 1 argument, but got 0"},
		{"States.ArrayUnique($.a, $.b)", 0, "takes 1 argument, but got 2"},
		{"States.Base64Encode()", 0, "takes 1 argument, but got 0"},
		{"States.Base64Decode('a', 'b')", 0, "takes 1 argument, but got 2"},
		{"States.Hash('a')", 0, "takes 2 arguments, but got 1"},
		{"States.JsonMerge($.a, $.b)", 0, "takes 3 arguments, but got 2"},
		{"States.MathRandom(1)", 0, "States.MathRandom takes 2 or 3 arguments, but got 1"},
		{"States.MathRandom(1, 10, 5, 99)", 0, "takes 2 or 3 arguments, but got 4"},
		{"States.MathAdd(1)", 0, "takes 2 arguments, but got 1"},
		{"States.StringSplit('a')", 0, "takes 2 arguments, but got 1"},
		{"States.Array(States.MathAdd(1, 2, 3))", 13, "States.MathAdd takes 2 arguments, but got 3"},

		// Literal types.
		{"States.Format(1)", 14, "argument 1 of States.Format must be a string, not 1"},
		{"States.StringToJson(null)", 20, "must be a string, not null"},
		{"States.ArrayLength('not-array')", 19, "argument 1 of States.ArrayLength must be an array, not the string 'not-array'"},
		{"States.ArrayPartition($.a, '2')", 27, "argument 2 of States.ArrayPartition must be a number"},
		{"States.ArrayRange('a', 5, 1)", 18, "must be a number, not the string 'a'"},
		{"States.ArrayGetItem($.a, true)", 25, "must be a number, not true"},
		{"States.JsonMerge('a', $.b, false)", 17, "must be an object"},
		{"States.MathAdd(true, 1)", 15, "must be a number, not true"},
		{"States.MathRandom(1, 10, 'seed')", 25, "must be a number"},
		{"States.StringSplit($.s, 1)", 24, "must be a string, not 1"},
		{"States.Base64Encode(123)", 20, "must be a string"},
		{"States.Hash('x', 123)", 17, "must be a string, not 123"},

		// Function-specific checks of literals.
		{"States.Format('{} {}', 1)", 0, "template has 2 {} placeholder(s) but 1 value(s) follow it"},
		{"States.Format('{}', 1, 2)", 0, "template has 1 {} placeholder(s) but 2 value(s)"},
		{"States.Format('Hello {', $.a)", 21, "matching '}' not found for '{'"},
		{"States.Format('Hello {{}}', $.a)", 21, "matching '}' not found for '{'"},
		{"States.Format('}')", 15, "'}' without a matching '{'"},
		{"States.ArrayPartition($.a, 0)", 27, "chunk size of States.ArrayPartition must be a positive integer"},
		{"States.ArrayPartition($.a, 0.6)", 27, "must be a positive integer"},
		{"States.ArrayPartition($.a, -1)", 27, "must be a positive integer"},
		{"States.ArrayRange(1, 10, 0)", 25, "step of States.ArrayRange must not be zero"},
		{"States.ArrayRange(1, 10, 0.49)", 25, "must not be zero"},
		{"States.ArrayRange(1, 1001, 1)", 0, "more than 1000 items"},
		{"States.ArrayRange(1001, 1, -1)", 0, "more than 1000 items"},
		{"States.ArrayRange(0, 3000000000, 1)", 0, "32-bit integer range"},
		{"States.ArrayGetItem($.a, -1)", 25, "must not be negative"},
		{"States.Hash('data', 'sha-256')", 20, "unsupported hash algorithm 'sha-256'; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"},
		{"States.Hash('data', 'SHA256')", 20, "unsupported hash algorithm 'SHA256'"},
		{"States.Hash('data', '')", 20, "unsupported hash algorithm ''"},
		{"States.JsonMerge($.a, $.b, true)", 27, "only supports the shallow merging mode"},
		{"States.MathRandom(1, 1)", 0, "start of States.MathRandom must be less than its end"},
		{"States.MathRandom(10, 5)", 0, "must be less than its end"},
		{"States.MathRandom(1.4, 1.6)", 0, "must be less than its end"},
		{"States.MathRandom(1, 3000000000)", 21, "32-bit integer range"},
		{"States.MathAdd(3000000000, 1)", 15, "32-bit integer range"},
		{"States.MathAdd(1, -2147483648.6)", 18, "32-bit integer range"},
		{"States.Base64Encode('" + strings.Repeat("a", 10001) + "')", 20, "longer than 10000 characters"},
		{"States.Hash('" + strings.Repeat("a", 10001) + "', 'MD5')", 12, "longer than 10000 characters"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.60q) = %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%.60q) error at %d %q, want at %d containing %q", tt.src, se.Offset, se.Msg, tt.offset, tt.msg)
		}
		if se.Src != tt.src || !strings.Contains(err.Error(), "offset") {
			t.Errorf("Parse(%.60q) error %q does not name the source and offset", tt.src, err)
		}
	}
}
