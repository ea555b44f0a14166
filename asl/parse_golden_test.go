package asl

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

var updateValidate = flag.Bool("update-validate", false, "rewrite the expected diagnostics of testdata/validate/*.txtar")

// TestValidateGolden parses the definition of each testdata/validate/*.txtar
// file and compares the diagnostics with the file's "diagnostics" section,
// one "line:col: CODE: message (pointer)" a line; no section or an empty
// one means the definition is valid. Run with -update-validate to rewrite
// the expectations, then review the diff.
func TestValidateGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/validate/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			src, name := definitionOf(a)
			if name == "" {
				t.Fatal("no definition.json or definition.yaml section")
			}
			got := diagnosticLines(t, src)
			if *updateValidate {
				setFile(a, "diagnostics", got)
				if err := os.WriteFile(file, []byte(txtar.Format(a)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, _ := a.Get("diagnostics")
			want = strings.TrimSpace(want)
			if got != want {
				t.Errorf("diagnostics of %s:\ngot:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}

// diagnosticLines parses src and formats its diagnostics for comparison.
func diagnosticLines(t *testing.T, src []byte) string {
	t.Helper()
	def, err := Parse(src)
	if err == nil {
		if def == nil {
			t.Fatal("Parse returned neither a definition nor an error")
		}
		return ""
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse returned %T, want *ValidationError: %v", err, err)
	}
	if def != nil {
		t.Error("Parse returned a definition with an error")
	}
	lines := make([]string, len(ve.Diagnostics))
	for i, d := range ve.Diagnostics {
		lines[i] = fmt.Sprintf("%d:%d: %s: %s (%s)", d.Pos.Line, d.Pos.Col, d.Code, d.Message, d.Pointer)
	}
	return strings.Join(lines, "\n")
}

// definitionOf returns the definition file of a case and its name.
func definitionOf(a *txtar.Archive) ([]byte, string) {
	for _, name := range []string{"definition.json", "definition.yaml"} {
		if src, ok := a.Get(name); ok {
			return []byte(src), name
		}
	}
	return nil, ""
}

// setFile replaces the content of the named file, adding it when absent.
func setFile(a *txtar.Archive, name, data string) {
	if data != "" {
		data += "\n"
	}
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = data
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: data})
}
