package intrinsic

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/asl/internal/jsonpath"
)

// FuzzParse checks that parsing and evaluating any string never panics, that
// errors have the documented types and that Parse only accepts calls.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.Format('Hello {} \\{\\} \\' \\\\', $.name)",
		"States.Format($.t, $$.Execution.Id, $v.x, 1.5e3, null, true)",
		"States.StringToJson($.s)",
		"States.JsonToString($)",
		"States.Array(1, 'a', States.Array(), $.a[*].b, $['x, y'])",
		"States.ArrayPartition($.a, 2)",
		"States.ArrayContains($.a, $.v)",
		"States.ArrayRange(5, 1, -2)",
		"States.ArrayGetItem($.a, 1.5)",
		"States.ArrayLength($.a)",
		"States.ArrayUnique($.a)",
		"States.Base64Encode('x')",
		"States.Base64Decode($.s)",
		"States.Hash($.o, 'SHA-384')",
		"States.JsonMerge($.o, $.o, false)",
		"States.MathRandom(1, 10, $.n)",
		"States.MathAdd($.n, -1)",
		"States.StringSplit($.s, ',.')",
		"States.UUID()",
		"States.Array($.a[?(@.b > 1)])",
		"States.Array(",
		"States.Format('{')",
	} {
		f.Add(s)
	}
	env := jsonpath.Env{
		Input: map[string]any{
			"name": "n", "t": "{}-{}", "s": "a,b.c", "n": 2.5, "v": int64(2),
			"a": []any{int64(1), int64(2), map[string]any{"b": int64(3)}},
			"o": map[string]any{"k": []any{nil, true}},
		},
		Context: func() any { return map[string]any{"Execution": map[string]any{"Id": "id"}} },
		Var: func(name string) (any, bool) {
			return map[string]any{"x": "y"}, name == "v"
		},
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q) error %#v", s, err)
			}
			return
		}
		if !IsCall(s) {
			t.Fatalf("Parse accepted %q but IsCall rejects it", s)
		}
		if _, err := c.Eval(env); err != nil {
			var ie *Error
			if !errors.As(err, &ie) || ie.Name != ErrRuntime {
				t.Fatalf("Eval(%q) error %#v", s, err)
			}
		}
	})
}
