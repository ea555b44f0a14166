package asl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// TestDocumentLookupMatchesMap pins ReadDocument's positions: following a
// pointer down the tree (Values.Lookup, KeyPos) finds what the map of every
// node's pointer finds, for the documents of the golden tests and the
// examples, and for pointers that lead nowhere.
func TestDocumentLookupMatchesMap(t *testing.T) {
	docs := map[string]string{
		"escapes":  "a~b: 1\n\"c/d\": {e: [1, 2, {f: x}]}\n\"\": empty\n'0': zero\nlist: [[1], [2, [3]]]\n",
		"aliases":  "base: &b {x: 1, y: [a, b]}\nuse: *b\nmerged:\n  <<: *b\n  z: 2\n",
		"scalar":   "just a string\n",
		"json":     `{"a": {"b": [1, {"c": null}]}, "d~e": true}`,
		"dupes":    "a: {x: 1}\na: 2\nb:\n  c: 1\n  c: {d: 3}\n",
		"sequence": "- a\n- {b: c}\n-\n  - d\n",
	}
	for name, src := range testDocuments(t, ".yaml", ".yml", ".json") {
		docs[name] = src
	}
	checked := 0
	for name, src := range docs {
		doc, err := ReadDocument(name, []byte(src))
		if err != nil {
			continue // unreadable on purpose
		}
		values, keys := buildSourceMap(doc.root)
		var ptrs []string
		for p := range values.pos {
			ptrs = append(ptrs, p, p+"/nope", p+"/0", p+"/1/x", p+"/~2", p+"/01")
		}
		ptrs = append(ptrs, "nope", "/", "//", "/~", "/-1")
		for _, p := range ptrs {
			if got, want := doc.Values.Lookup(p), values.Lookup(p); got != want {
				t.Errorf("%s: Lookup(%q) = %v, want %v", name, p, got, want)
			}
			gotK, okG := doc.KeyPos(p)
			wantK, okW := keys[p]
			if gotK != wantK || okG != okW {
				t.Errorf("%s: KeyPos(%q) = %v %v, want %v %v", name, p, gotK, okG, wantK, okW)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d pointers checked: the corpus was not found", checked)
	}
}

// testDocuments returns the files of the golden tests (asl's and the
// pipelines') and of the examples whose names end in one of exts, by name.
func testDocuments(t testing.TB, exts ...string) map[string]string {
	docs := map[string]string{}
	match := func(name string) bool {
		return slices.ContainsFunc(exts, func(ext string) bool { return strings.HasSuffix(name, ext) })
	}
	for _, pattern := range []string{"testdata/validate/*.txtar", "testdata/golden/*.txtar", "../internal/pipeline/testdata/*/*.txtar"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			a, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, af := range a.Files {
				if match(af.Name) {
					docs[f+"/"+af.Name] = af.Data
				}
			}
		}
	}
	examples, _ := filepath.Glob("../examples/*/*")
	for _, f := range examples {
		if !match(f) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	return docs
}
