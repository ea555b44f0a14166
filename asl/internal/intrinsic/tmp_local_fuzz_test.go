package intrinsic

import (
	"errors"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl/internal/jsonpath"
)

func FuzzTmpLocal(f *testing.F) {
	f.Add("States.Format('{}', $.a)")
	env := jsonpath.Env{
		Input: map[string]any{
			"name": "n", "t": "{}-{}", "s": "a,b.c", "n": 2.5, "v": int64(2),
			"a": []any{int64(1), int64(2), map[string]any{"b": int64(3)}},
			"o": map[string]any{"k": []any{nil, true}},
		},
		Context: func() any { return map[string]any{"Execution": map[string]any{"Id": "id"}} },
		Var:     func(name string) (any, bool) { return map[string]any{"x": "y"}, name == "v" },
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer func() {
			if r := recover(); r != nil {
				st := string(debug.Stack())
				if strings.Contains(st, "jsonpath.(*Path).get") || strings.Contains(st, "jsonpath.apply") || strings.Contains(st, "jsonpath.parse") {
					return
				}
				panic(r)
			}
		}()
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
