package jsonpath

import "testing"

func BenchmarkGetDotted(b *testing.B) {
	p := MustParse("$.a.b")
	env := Env{Input: map[string]any{"a": map[string]any{"b": int64(1), "c": "x"}, "d": []any{}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetIdentity(b *testing.B) {
	p := MustParse("$")
	env := Env{Input: map[string]any{"a": int64(1)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetFilter(b *testing.B) {
	p := MustParse("$.store.book[?(@.price < 10)].title")
	env := Env{Input: mustJSON(b, storeInput)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetResult(b *testing.B) {
	p := MustParse("$.result")
	in := mustJSON(b, `{"id":"x","count":3,"items":[1,2,3],"meta":{"a":1}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Set(in, p, "done"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReference(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReference("$.ledgers.branch[0].pending.count"); err != nil {
			b.Fatal(err)
		}
	}
}
