package value

import "testing"

// FuzzParseMarshal checks that Parse never panics, and that whatever it
// accepts survives a Marshal/Parse round trip unchanged.
func FuzzParseMarshal(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,"x",null,true,{"b":{}}]}`,
		`12345678901234567890123`,
		`-0.0`,
		`"\u00e9\ud83d\ude00\n"`,
		`[1e308,1e-308,5e-324]`,
		`{"a":1} x`,
		"\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		out := Marshal(v)
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Marshal output %q does not parse: %v", out, err)
		}
		if !Equal(v, back) {
			t.Fatalf("round trip changed %q into %q", Marshal(v), Marshal(back))
		}
	})
}
