package jsonata

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/value"
)

// FuzzExpression feeds arbitrary strings through the whole path a field's
// value takes: the "{% %}" delimiters, Compile, the restrictions check and
// evaluation with $states and a variable bound. Nothing may panic, and
// every result must be a JSON value the interpreter can marshal.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"{% $states.input.a %}", "{% %}", "{%%}", "{% $ %}", "{% $$ %}", "{%  $x.y[0] %}",
		"{% $partition([1,2,3], 2) %}", "{% $range(1, 10, 0) %}", "{% $hash('a', 'MD5') %}",
		"{% $parse('{\"a\": [1, null]}') %}", "{% {'a': $states.input.missing} %}", "{% 1/0 %}",
		"{% $states.input.items[price > 3] %}", "{% function($x){$x} %}", "{% \"%}\" %}", "{% /* %} */ 1 %}",
		"{% $random(3) %}", "{% $states.context.Execution.Name & 'x' %}", "{% [1..5]^(-$) %}",
	} {
		f.Add(s)
	}
	input := ToJSONata(map[string]any{"a": int64(1), "items": []any{map[string]any{"price": 4.5}}, "n": nil})
	f.Fuzz(func(t *testing.T, s string) {
		if !IsExpression(s) {
			return
		}
		src := Inner(s)
		e, err := Compile(src)
		if err != nil {
			return
		}
		if CheckRestrictions(src) != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		v, err := e.Eval(ctx, Bindings{
			States: map[string]any{"input": input, "context": ToJSONata(map[string]any{"Execution": map[string]any{"Name": "x"}})},
			Var: func(name string) (any, bool) {
				if name == "x" {
					return ToJSONata(map[string]any{"y": []any{int64(1)}}), true
				}
				return nil, false
			},
		}, Limits{MaxBytes: 16 << 20})
		if err != nil {
			return
		}
		_ = value.Marshal(v)
	})
}
