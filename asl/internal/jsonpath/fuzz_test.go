package jsonpath

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/internal/value"
)

// fuzzDoc is used when the fuzzer's document is not JSON.
const fuzzDoc = `{"a":{"b":[1,{"c":null},"s"]},"l":[{"v":1},{"v":"x"},[]],"n":null,"s":"str"}`

// FuzzParse checks that Parse and ParseReference never panic, that their
// errors say where, and that Get and Set never panic on what they accept,
// with Set and Get agreeing: after Set(in, p, v), p selects v.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"$", "$.a.b[1].c", "$$.Execution.Id", "$var.x[0]", "$['a b'][-1]", `$.a\.b`,
		"$..b[?(@.c == null)]", "$.l[?(@.v > 0 && @.v =~ /x/i)]", "$.l[0:2]", "$.l[0,1]",
		"$['a','s']", "$.*", "$..*", "$.a.b[*]", "$[?(@ in [1,'x'])]", "$.a[?(@.b size 3)]",
		"$[", "$.", "$['", "$[?(", `$.\u00e9`, "$.l[-1]",
	}
	for _, s := range seeds {
		f.Add(s, []byte(fuzzDoc))
	}
	f.Fuzz(func(t *testing.T, src string, doc []byte) {
		in, err := value.Parse(doc)
		if err != nil {
			in = mustJSON(t, fuzzDoc)
		}
		before := value.MarshalString(in)
		checkParse(t, src, in)
		checkReference(t, src, in)
		if after := value.MarshalString(in); after != before {
			t.Fatalf("input changed from %s to %s", before, after)
		}
	})
}

func checkParse(t *testing.T, src string, in any) {
	p, err := Parse(src)
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(src) {
			t.Fatalf("Parse(%q): bad error %v", src, err)
		}
		return
	}
	if p.String() != src {
		t.Fatalf("String() = %q, want %q", p.String(), src)
	}
	env := Env{
		Input:   in,
		Context: func() any { return in },
		Var:     func(string) (any, bool) { return in, true },
	}
	got, err := p.Get(env)
	if err != nil {
		if !errors.Is(err, ErrNoMatch) {
			t.Fatalf("Get(%q): error %v does not wrap ErrNoMatch", src, err)
		}
		return
	}
	if _, ok := got.([]any); !p.IsDefinite() && !ok {
		t.Fatalf("Get(%q) on an indefinite path returned %T", src, got)
	}
}

func checkReference(t *testing.T, src string, in any) {
	p, err := ParseReference(src)
	if err != nil {
		return
	}
	if !p.IsDefinite() {
		t.Fatalf("ParseReference(%q) accepted an indefinite path", src)
	}
	if _, err := Parse(src); err != nil {
		t.Fatalf("ParseReference accepts %q but Parse does not: %v", src, err)
	}
	marker := map[string]any{"marker": true}
	out, err := Set(in, p, marker)
	if err != nil {
		if !errors.Is(err, ErrSet) {
			t.Fatalf("Set(%q): error %v does not wrap ErrSet", src, err)
		}
		return
	}
	got, err := p.GetValue(out)
	if err != nil || !value.Equal(got, marker) {
		t.Fatalf("after Set(%q), Get = %s, %v", src, value.Marshal(got), err)
	}
}
