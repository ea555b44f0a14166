package asl

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
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
