package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/lexer"

	"github.com/batonhq/baton/internal/txtar"
)

func TestReadYAMLValues(t *testing.T) {
	tests := []struct {
		name, in string
		want     any
	}{
		{"scalars", "a: 1\nb: 2.5\nc: text\nd: true\ne: null\nf: ~\ng:\n",
			map[string]any{"a": int64(1), "b": 2.5, "c": "text", "d": true, "e": nil, "f": nil, "g": nil}},
		{"yaml 1.2 booleans", "a: yes\nb: off\nc: True",
			map[string]any{"a": "yes", "b": "off", "c": true}},
		{"quoted", "a: \"1\"\nb: '2.5'\nc: \"line\\nbreak\"",
			map[string]any{"a": "1", "b": "2.5", "c": "line\nbreak"}},
		{"big integers", "a: 99999999999999999999\nb: 0x10\nc: -7",
			map[string]any{"a": json.Number("99999999999999999999"), "b": int64(16), "c": int64(-7)}},
		{"sequences", "a:\n  - 1\n  - [x, {y: z}]\nb: []",
			map[string]any{"a": []any{int64(1), []any{"x", map[string]any{"y": "z"}}}, "b": []any{}}},
		{"block scalars", "lit: |\n  one\n  two\nfold: >\n  one\n  two\n",
			map[string]any{"lit": "one\ntwo\n", "fold": "one two\n"}},
		{"tags", "a: !!str 12\nb: !!int \"3\"\nc: !!float 1\nd: !!null x\ne: !!bool true\nf: !!map {k: v}",
			map[string]any{"a": "12", "b": int64(3), "c": int64(1), "d": nil, "e": true, "f": map[string]any{"k": "v"}}},
		{"anchors and aliases", "a: &x {k: [1, 2]}\nb: *x",
			map[string]any{"a": map[string]any{"k": []any{int64(1), int64(2)}}, "b": map[string]any{"k": []any{int64(1), int64(2)}}}},
		{"merge keys", "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n  z: 4",
			map[string]any{"base": map[string]any{"x": int64(1), "y": int64(2)}, "derived": map[string]any{"x": int64(1), "y": int64(3), "z": int64(4)}}},
		{"merge list", "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]",
			map[string]any{"a": map[string]any{"x": int64(1)}, "b": map[string]any{"x": int64(2), "y": int64(2)}, "c": map[string]any{"x": int64(1), "y": int64(2)}}},
		{"non-string keys", "1: a\ntrue: b\n",
			map[string]any{"1": "a", "true": "b"}},
		{"comments", "# head\na: 1 # trailing\n# foot\n",
			map[string]any{"a": int64(1)}},
		{"document marker", "---\na: 1\n",
			map[string]any{"a": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := readYAML([]byte(tt.in))
			if err != nil {
				t.Fatalf("readYAML: %v", err)
			}
			if got := n.plain(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestReadYAMLErrors(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'k'; i, prev = i+1, i {
		bomb += string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(prev)+", ", 9) + "*" + string(prev) + "]\n"
	}
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "a: [1, 2\n", "1:4: "},
		{"duplicate key", "a: 1\na: 2\n", "2:1: mapping key \"a\" already defined"},
		{"two documents", "a: 1\n---\nb: 2\n", "3:1: a definition must be a single YAML document"},
		{"infinity", "a: .inf\n", "1:4: .inf is not a JSON number"},
		{"not a number", "a: .nan\n", "1:4: .nan is not a JSON number"},
		{"unknown tag", "a: !custom x\n", "1:4: unsupported YAML tag !custom"},
		{"bad int tag", "a: !!int x\n", "1:4: \"x\" is not a number"},
		{"unknown alias", "a: *nope\n", "1:4: "},
		{"alias bomb", bomb, "document too large once its aliases are expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readYAML([]byte(tt.in))
			var se *sourceError
			if !errors.As(err, &se) {
				t.Fatalf("readYAML = %v, want a sourceError", err)
			}
			if !strings.Contains(se.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", se.Error(), tt.want)
			}
		})
	}
}

func TestReadYAMLEmpty(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "---\n"} {
		n, err := readYAML([]byte(in))
		if n != nil || err != nil {
			t.Errorf("readYAML(%q) = %v, %v; want nil, nil", in, n, err)
		}
	}
}

func TestReadYAMLPositions(t *testing.T) {
	src := "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: [1, {k: v}]\n"
	n, err := readYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Pos{}
	walkSource(n, "", func(n *srcNode, ptr string) {
		got[ptr] = n.pos
		for _, m := range n.members {
			got["key"+ptr+"/"+m.key] = m.keyPos
		}
	})
	want := map[string]Pos{
		"":                        {1, 1},
		"/StartAt":                {1, 10},
		"/States":                 {3, 3},
		"/States/A":               {4, 5},
		"/States/A/Type":          {4, 11},
		"/States/A/Result":        {5, 13},
		"/States/A/Result/0":      {5, 14},
		"/States/A/Result/1":      {5, 17},
		"/States/A/Result/1/k":    {5, 21},
		"key/StartAt":             {1, 1},
		"key/States":              {2, 1},
		"key/States/A":            {3, 3},
		"key/States/A/Type":       {4, 5},
		"key/States/A/Result":     {5, 5},
		"key/States/A/Result/1/k": {5, 18},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions:\ngot  %v\nwant %v", got, want)
	}
}

// hostileYAML are documents whose parse by go-yaml alone cost gigabytes
// (each node gets a copy of its path): they must be refused up front.
func hostileYAML() []struct{ name, src, want string } {
	key := strings.Repeat("k", 100_000)
	deep := 100_000 // 200 KB of brackets: 41 s and 15 GB through the native deploy
	var keys strings.Builder
	for i := range 40_000 { // 440 KB: 6 GB and 6 s in go-yaml's parser
		fmt.Fprintf(&keys, "k%d: %d\n", i, i)
	}
	return []struct{ name, src, want string }{
		{"flow sequences", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: " +
			strings.Repeat("[", deep) + strings.Repeat("]", deep) + "\n    End: true\n",
			"5:1010: document nested too deeply (more than 1000 levels)"},
		{"flow mappings", "Result: " + strings.Repeat("{a: ", deep/2) + "1" + strings.Repeat("}", deep/2) + "\n",
			"1:4005: document nested too deeply (more than 1000 levels)"},
		{"block sequences", strings.Repeat("- ", deep) + "x\n",
			"1:2001: document nested too deeply (more than 1000 levels)"},
		{"tags", "a: " + strings.Repeat("!!str ", deep/3) + "x\n",
			"document nested too deeply (more than 1000 levels)"},
		{"entries under a long key", key + ":\n" + strings.Repeat("- 0\n", 25_000),
			"document too costly to read"},
		{"flow entries under a long key", key + ": [" + strings.Repeat("0,", 50_000) + "0]\n",
			"document too costly to read"},
		{"aliases of a long key", "a: &a {" + key + ": 1}\nb: [" + strings.Repeat("*a, ", 20_000) + "*a]\n",
			"2:69: document too large once its aliases are expanded (more than 1768656 bytes as JSON)"},
		{"aliases of a long string", "a: &a " + key + "\nb: [" + strings.Repeat("*a, ", 20_000) + "*a]\n",
			"2:69: document too large once its aliases are expanded"},
		{"aliases under a long key", "a: &a [1, 2]\n" + key + ": [" + strings.Repeat("*a, ", 20_000) + "*a]\n",
			"document too costly to read"},
		{"block mapping keys", keys.String(), "this YAML block mapping has too many keys"},
		{"wide at depth", strings.Repeat("[", 900) + strings.Repeat("0,", 100_000) + "0" + strings.Repeat("]", 900) + "\n",
			"document too costly to read"},
	}
}

// TestReadYAMLHostileIsCheap: before the checks, a 60 KB "[[[...]]]" cost
// 1.4 GB and 200 KB of entries under a 100 KB key 5 GB in go-yaml's parser;
// aliases of a subtree with a 100 KB key cost 6 GB in JSON pointers, and
// aliases of a 100 KB string made a 2 GB document as JSON.
func TestReadYAMLHostileIsCheap(t *testing.T) {
	for _, tt := range hostileYAML() {
		t.Run(tt.name, func(t *testing.T) {
			// go-yaml's lexer alone takes up to 300 bytes per byte.
			assertCheap(t, len(tt.src), 400, func() error {
				_, err := Parse([]byte(tt.src))
				return err
			}, tt.want)
		})
	}
}

// TestReadYAMLManyStates: a definition of 3,000 states in a block mapping
// stays within the budgets.
func TestReadYAMLManyStates(t *testing.T) {
	var b strings.Builder
	b.WriteString("StartAt: S0\nStates:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "  S%d:\n    Type: Pass\n    Result: {a: [1, 2, {b: c}]}\n    Next: S%d\n", i, i+1)
	}
	b.WriteString("  S3000:\n    Type: Succeed\n")
	if _, err := Parse([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

// TestYAMLPathCostOfRealDefinitions keeps the path budget far above what
// real definitions need: every definition of the test suites and the
// examples, read as YAML (JSON is YAML), costs under 16 bytes per byte
// (12 at most today), where the budget allows 64.
func TestYAMLPathCostOfRealDefinitions(t *testing.T) {
	var srcs []string
	files, _ := filepath.Glob("testdata/*/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if src, _ := definitionOf(a); src != nil {
			srcs = append(srcs, string(src))
		}
	}
	examples, _ := filepath.Glob("../examples/*/*")
	for _, file := range examples {
		if strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".json") {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, string(b))
		}
	}
	if len(srcs) < 50 {
		t.Fatalf("only %d definitions found", len(srcs))
	}
	for _, src := range srcs {
		if err := checkYAMLTokens(lexer.Tokenize(src), 1024+16*len(src), blockKeysBudget(0)); err != nil {
			t.Errorf("%v in\n%s", err, src)
		}
	}
}

// TestLargeYAMLParsedOneAtATime: YAML documents over 64 KiB wait for the one
// being parsed (go-yaml builds about 500 bytes a byte: six 1 MiB documents
// validated at once took a server to 3.1 GB); small ones do not wait.
func TestLargeYAMLParsedOneAtATime(t *testing.T) {
	large := []byte("StartAt: P\nStates:\n  P:\n    Type: Pass\n    End: true\n    Result: [" +
		strings.Repeat("1, ", largeYAML/3) + "1]\n")
	small := []byte("StartAt: P\nStates:\n  P:\n    Type: Pass\n    End: true\n")
	largeYAMLGate <- struct{}{} // another large document is being parsed
	done := make(chan error, 2)
	go func() { _, err := Parse(large); done <- err }()
	if _, err := Parse(small); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("a large document was parsed while another was: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	<-largeYAMLGate
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
