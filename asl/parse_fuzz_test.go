package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// FuzzParse checks that Parse never panics, that it returns either a tree
// or a *ValidationError with sorted, complete diagnostics, and that the JSON
// reader agrees with encoding/json on what is JSON and what it means.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/validate/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if src, _ := definitionOf(a); src != nil {
			f.Add(src)
		}
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`))
	f.Add([]byte("StartAt: A\nStates:\n  A: {Type: Succeed}\n"))
	f.Add([]byte(`{"a": "\ud83d\u0041", "b": [1e999, -0.0, 1E+2]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		def, err := Parse(src)
		if err == nil {
			checkParsedTree(t, def)
		} else {
			checkParseDiagnostics(t, err)
		}
		if first := bytes.TrimLeft(src, " \t\r\n"); len(first) > 0 && first[0] == '{' {
			compareWithEncodingJSON(t, src)
		}
	})
}

func checkParsedTree(t *testing.T, d *Definition) {
	t.Helper()
	if d == nil {
		t.Fatal("Parse returned neither a definition nor an error")
	}
	if d.States[d.StartAt] == nil {
		t.Fatalf("valid definition starts at a missing state %q", d.StartAt)
	}
	if len(d.StateOrder) != len(d.States) {
		t.Fatalf("StateOrder has %d names for %d states", len(d.StateOrder), len(d.States))
	}
	for _, name := range d.StateOrder {
		st := d.States[name]
		if st == nil || st.Name != name || st.Type == "" {
			t.Fatalf("state %q = %+v", name, st)
		}
		for _, b := range st.Branches {
			checkParsedTree(t, b)
		}
		if st.ItemProcessor != nil {
			checkParsedTree(t, st.ItemProcessor)
		}
	}
}

func checkParseDiagnostics(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse returned %T, want *ValidationError: %v", err, err)
	}
	if len(ve.Diagnostics) == 0 {
		t.Fatal("ValidationError without diagnostics")
	}
	for _, d := range ve.Diagnostics {
		if d.Code == "" || d.Message == "" || d.Pos.Line < 1 || d.Pos.Col < 1 {
			t.Fatalf("incomplete diagnostic %+v", d)
		}
	}
	if !slices.IsSortedFunc(ve.Diagnostics, func(a, b Diagnostic) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	}) {
		t.Fatalf("diagnostics not sorted by position: %v", err)
	}
}

// compareWithEncodingJSON checks readJSON against the standard library.
func compareWithEncodingJSON(t *testing.T, src []byte) {
	t.Helper()
	mine, errMine := readJSON(src)
	std, errStd := decodeStd(bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")))
	switch {
	case errMine == nil && errStd != nil:
		t.Fatalf("readJSON accepted what encoding/json rejects (%v)", errStd)
	case errMine != nil && errStd == nil:
		if !strings.Contains(errMine.Error(), "nested too deeply") && !strings.Contains(errMine.Error(), "too costly to read") {
			t.Fatalf("readJSON rejected what encoding/json accepts: %v", errMine)
		}
	case errMine == nil:
		if got := mine.plain(); !reflect.DeepEqual(got, std) {
			t.Fatalf("readJSON = %#v, encoding/json = %#v", got, std)
		}
	}
}

// decodeStd decodes one JSON document with encoding/json, numbers
// converted as Baton converts them.
func decodeStd(src []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("content after the document")
	}
	return stdNumbers(v), nil
}

func stdNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return numberValue(string(t))
	case []any:
		for i, e := range t {
			t[i] = stdNumbers(e)
		}
	case map[string]any:
		for k, e := range t {
			t[k] = stdNumbers(e)
		}
	}
	return v
}
