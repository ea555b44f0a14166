package value

import "testing"

// benchDoc is a typical state payload: a few nested objects, arrays,
// strings and numbers.
const benchDoc = `{"order":{"id":"o-123","items":[{"sku":"A1","qty":2,"price":9.99},{"sku":"B2","qty":1,"price":120.5}],` +
	`"customer":{"name":"Ada <ada@example.com>","vip":true,"tags":["x","y","z"]}},"total":140.48,"count":3,"note":null}`

func BenchmarkMarshal(b *testing.B) {
	v, err := ParseString(benchDoc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		Marshal(v)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	v, err := ParseString(benchDoc)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], v)
	}
}

func BenchmarkMarshalString(b *testing.B) {
	s := "a plain string of moderate length, with nothing to escape at all"
	b.ReportAllocs()
	for b.Loop() {
		Marshal(s)
	}
}

func BenchmarkParse(b *testing.B) {
	data := []byte(benchDoc)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
