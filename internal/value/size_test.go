package value

import "testing"

func TestSizeMatchesMarshal(t *testing.T) {
	docs := []string{
		`null`, `true`, `false`, `0`, `-12`, `1.5`, `1.0`, `1e300`, `12345678901234567890`,
		`""`, `"a\"b\\c\n\t\u0001"`, `"héllo ☃ 😀"`, `[]`, `{}`, `[1,"x",null,{"a":[true,false]}]`,
		`{"k e y":"v","nested":{"deep":[1,2,{"x":"y"}]},"n":-0.25}`,
	}
	for _, d := range docs {
		v, err := ParseString(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if got, want := Size(v, 0), len(Marshal(v)); got != want {
			t.Errorf("Size(%s) = %d, Marshal gives %d bytes: %s", d, got, want, Marshal(v))
		}
	}
}

func TestSizeStopsEarly(t *testing.T) {
	big := make([]any, 100000)
	for i := range big {
		big[i] = "0123456789"
	}
	if n := Size(big, 1000); n <= 1000 {
		t.Errorf("Size with limit 1000 = %d, want more than 1000", n)
	}
	if n := Size([]any{"abc"}, 3); n != 7 {
		t.Errorf("Size([\"abc\"], 3) = %d, want 7", n)
	}
}
