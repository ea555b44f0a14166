package jsonpath

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/internal/value"
)

// TestSet follows the ResultPath examples of the AWS developer guide
// ("Specifying state output using ResultPath").
func TestSet(t *testing.T) {
	tests := []struct {
		name, in, path, result, want string
	}{
		{"replace the input", `{"comment":"x"}`, "$", `"Hello"`, `"Hello"`},
		{"add a field", `{"comment":"x","who":"SFN"}`, "$.taskresult", `"Hello"`, `{"comment":"x","taskresult":"Hello","who":"SFN"}`},
		{"into a child node", `{"comment":"c","strings":{"a":"1","b":"2"}}`, "$.strings.lambdaresult", `"Hello"`, `{"comment":"c","strings":{"a":"1","b":"2","lambdaresult":"Hello"}}`},
		{"replace a field", `{"a":{"b":1,"c":2}}`, "$.a.b", `{"new":true}`, `{"a":{"b":{"new":true},"c":2}}`},
		{"create missing objects", `{"x":1}`, "$.a.b.c", `1`, `{"a":{"b":{"c":1}},"x":1}`},
		{"null becomes an object", `{"a":null}`, "$.a.b", `1`, `{"a":{"b":1}}`},
		{"null input", `null`, "$.a", `1`, `{"a":1}`},
		{"replace an array element", `{"l":[1,{"k":2},3]}`, "$.l[1]", `"x"`, `{"l":[1,"x",3]}`},
		{"into an array element", `{"l":[1,{"k":2},3]}`, "$.l[1].m", `"x"`, `{"l":[1,{"k":2,"m":"x"},3]}`},
		{"negative index", `{"l":[1,2,3]}`, "$.l[-1]", `0`, `{"l":[1,2,0]}`},
		{"bracket names", `{}`, "$['a b']['c.d']", `0`, `{"a b":{"c.d":0}}`},
		{"escaped names", `{}`, `$.a\.b`, `0`, `{"a.b":0}`},
		{"root array", `[1,2]`, "$[0]", `9`, `[9,2]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustJSON(t, tt.in)
			before := value.MarshalString(in)
			p, err := ParseReference(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Set(in, p, mustJSON(t, tt.result))
			if err != nil {
				t.Fatal(err)
			}
			if s := value.MarshalString(got); s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
			if after := value.MarshalString(in); after != before {
				t.Errorf("input changed from %s to %s", before, after)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct{ in, path, want string }{
		{`{"a":1}`, "$.a.b", `Unable to apply ReferencePath $.a.b to input {"a":1}`},
		{`"str"`, "$.a", `Unable to apply ReferencePath $.a to input "str"`},
		{`{"a":[1]}`, "$.a.b", `Unable to apply ReferencePath $.a.b to input {"a":[1]}`},
		{`{"a":[1]}`, "$.a[1]", `Unable to apply ReferencePath $.a[1] to input {"a":[1]}`},
		{`{"a":{}}`, "$.a[0]", `Unable to apply ReferencePath $.a[0] to input {"a":{}}`},
		{`{}`, "$.a[0]", `Unable to apply ReferencePath $.a[0] to input {}`},
		{`{}`, "$$.a", `Unable to apply ReferencePath $$.a to input {}: a ResultPath must start with '$', not a variable or the context object`},
		{`{}`, "$v.a", `Unable to apply ReferencePath $v.a to input {}: a ResultPath must start with '$', not a variable or the context object`},
		{`{}`, "$.a[*]", `Unable to apply ReferencePath $.a[*] to input {}: the path is not a Reference Path`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := Set(mustJSON(t, tt.in), MustParse(tt.path), "R")
			if err == nil {
				t.Fatalf("got %s, want an error", value.Marshal(got))
			}
			if !errors.Is(err, ErrSet) || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestSetSharesUntouchedBranches checks that Set copies only the spine it
// changes: siblings are shared with the input, not copied.
func TestSetSharesUntouchedBranches(t *testing.T) {
	sibling := map[string]any{"k": int64(1)}
	in := map[string]any{"keep": sibling, "a": map[string]any{"b": int64(2)}}
	out, err := Set(in, MustParse("$.a.c"), int64(3))
	if err != nil {
		t.Fatal(err)
	}
	out.(map[string]any)["keep"].(map[string]any)["probe"] = true
	if _, ok := sibling["probe"]; !ok {
		t.Error("untouched sibling was copied")
	}
	if _, ok := in["a"].(map[string]any)["c"]; ok {
		t.Error("input was modified")
	}
}
