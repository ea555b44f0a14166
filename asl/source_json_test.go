package asl

import (
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReadJSONValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{`true`, true},
		{`false`, false},
		{`0`, int64(0)},
		{`-0`, int64(0)},
		{`42`, int64(42)},
		{`-9223372036854775808`, int64(-9223372036854775808)},
		{`9223372036854775808`, json.Number("9223372036854775808")},
		{`123456789012345678901234567890`, json.Number("123456789012345678901234567890")},
		{`1.0`, 1.0},
		{`2.5`, 2.5},
		{`1e2`, 100.0},
		{`-1.5E-3`, -0.0015},
		{`1e400`, json.Number("1e400")},
		{`""`, ""},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{`"\u00e9\u4e2d"`, "é中"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud83d"`, "\uFFFD"},
		{`"\ud83dx"`, "\uFFFDx"},
		{`"\ude00\ud83d\ude00"`, "\uFFFD😀"},
		{"\"caf\xc3\xa9\"", "café"},
		{"\"bad \xff byte\"", "bad \uFFFD byte"},
		{`[]`, []any{}},
		{`[1, "two", [3], {}]`, []any{int64(1), "two", []any{int64(3)}, map[string]any{}}},
		{` { "a" : { "b" : [ null ] } } `, map[string]any{"a": map[string]any{"b": []any{nil}}}},
		{"\xEF\xBB\xBF{}", map[string]any{}},
	}
	for _, tt := range tests {
		n, err := readJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("readJSON(%q): %v", tt.in, err)
			continue
		}
		if got := n.plain(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readJSON(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // "line:col: message" prefix
	}{
		{``, "1:1: unexpected end of input"},
		{`{`, "1:2: unexpected end of input"},
		{`{"a" 1}`, "1:6: unexpected character '1' after field name"},
		{`{"a": 1,}`, "1:9: unexpected character '}', expecting a string"},
		{"{\n  \"a\": 1\n  \"b\": 2\n}", "3:3: unexpected character '\"' after field value"},
		{`[1 2]`, "1:4: unexpected character '2' after array element"},
		{`[1,]`, "1:4: unexpected character ']', expecting a value"},
		{`{} {}`, "1:4: unexpected character '{' after the end"},
		{`01`, "1:2: invalid number, unexpected character '1'"},
		{`1.`, "1:3: invalid number"},
		{`-`, "1:2: invalid number"},
		{`1e`, "1:3: invalid number"},
		{`1x`, "1:2: invalid number"},
		{`tru`, "1:1: invalid literal"},
		{`truex`, "1:5: invalid literal"},
		{`nul`, "1:1: invalid literal"},
		{`'a'`, "1:1: unexpected character '\\''"},
		{`"a`, "1:3: unexpected end of input in a string"},
		{"\"a\nb\"", "1:3: control character"},
		{`"\x"`, "1:3: invalid escape"},
		{`"\u12"`, "1:6: invalid character '\"' in a \\u escape"},
		{`"é\q"`, "1:4: invalid escape"},
		{`{"a":}`, "1:6: unexpected character '}', expecting a value"},
		{strings.Repeat("[", maxSourceDepth+1), "1:1001: document nested too deeply"},
	}
	for _, tt := range tests {
		_, err := readJSON([]byte(tt.in))
		var se *sourceError
		if !errors.As(err, &se) {
			t.Errorf("readJSON(%q) = %v, want a sourceError", tt.in, err)
			continue
		}
		if !strings.HasPrefix(se.Error(), tt.want) {
			t.Errorf("readJSON(%q) error = %q, want prefix %q", tt.in, se.Error(), tt.want)
		}
	}
}

func TestReadJSONPositions(t *testing.T) {
	src := "{\n  \"é\": [1,\n\t\"x\"],\n  \"b\": {\"c\": null}\n}"
	n, err := readJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Pos{
		"":      {1, 1},
		"/é":    {2, 8},
		"/é/0":  {2, 9},
		"/é/1":  {3, 2},
		"/b":    {4, 8},
		"/b/c":  {4, 14},
		"key/é": {2, 3},
		"key/b": {4, 3},
	}
	got := map[string]Pos{}
	walkSource(n, "", func(n *srcNode, ptr string) {
		got[ptr] = n.pos
		for _, m := range n.members {
			got["key"+ptr+"/"+m.key] = m.keyPos
		}
	})
	delete(got, "key/b/c")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions = %v, want %v", got, want)
	}
}

func TestReadJSONDuplicates(t *testing.T) {
	n, err := readJSON([]byte(`{"a": 1, "b": 2, "a": 3, "a": 4}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.get("a").val; got != int64(4) {
		t.Errorf("get(a) = %v, want the last value 4", got)
	}
	dups := n.duplicates()
	if len(dups) != 2 || dups[0].keyPos != (Pos{1, 18}) || dups[1].keyPos != (Pos{1, 26}) {
		t.Errorf("duplicates = %+v, want the second and third 'a'", dups)
	}
}

func TestPointerToken(t *testing.T) {
	tests := map[string]string{
		"plain":  "plain",
		"a/b":    "a~1b",
		"a~b":    "a~0b",
		"~/":     "~0~1",
		"":       "",
		"sp ace": "sp ace",
	}
	for in, want := range tests {
		if got := pointerToken(in); got != want {
			t.Errorf("pointerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadJSONHostileIsCheap: before the path budget, the first document
// cost 4 GB (a JSON pointer of 100 KB built for each of 20,000 values).
func TestReadJSONHostileIsCheap(t *testing.T) {
	key := strings.Repeat("k", 100_000)
	tests := []struct{ name, src, want string }{
		{"values under a long key", `{"` + key + `": [` + strings.Repeat("0,", 20_000) + "0]}",
			"1:100351: document too costly to read"},
		{"wide at depth", `{"a":` + strings.Repeat("[", 900) + strings.Repeat("0,", 100_000) + "0" + strings.Repeat("]", 900) + "}",
			"document too costly to read"},
		{"deep", `{"a":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}",
			"1:1005: document nested too deeply (more than 1000 levels)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertCheap(t, len(tt.src), 16, func() error {
				_, err := Parse([]byte(tt.src))
				return err
			}, tt.want)
		})
	}
}

// assertCheap runs fn, which must fail with an error containing want, in
// well under a second and with at most perByte bytes allocated for each
// byte of the input.
func assertCheap(t *testing.T, size, perByte int, fn func() error, want string) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := fn()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(perByte*size) {
		t.Errorf("allocated %d MB for %d KB", alloc>>20, size>>10)
	}
	// The allocation bound above is the exact guard; time only catches a
	// blow-up (the unguarded parser took minutes), with room for -race on
	// a loaded machine (1.7 s seen).
	if elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
}
