package asl

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			vc := parseValidateCase(data)
			src, name := vc.definition()
			if name == "" {
				t.Fatal("no definition.json or definition.yaml section")
			}
			got := diagnosticLines(t, src)
			if *updateValidate {
				vc.set("diagnostics", got)
				if err := os.WriteFile(file, vc.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := strings.TrimSpace(vc.get("diagnostics"))
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

// validateCase is a txtar-style file: a comment, then sections that each start
// with a "-- name --" line.
type validateCase struct {
	comment []byte
	names   []string
	data    map[string][]byte
}

func parseValidateCase(b []byte) *validateCase {
	vc := &validateCase{data: map[string][]byte{}}
	cur := ""
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		s := strings.TrimRight(string(line), "\r\n")
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			cur = strings.TrimSpace(s[3 : len(s)-3])
			vc.names = append(vc.names, cur)
			vc.data[cur] = []byte{}
			continue
		}
		if cur == "" {
			vc.comment = append(vc.comment, line...)
		} else {
			vc.data[cur] = append(vc.data[cur], line...)
		}
	}
	return vc
}

func (vc *validateCase) get(name string) string { return string(vc.data[name]) }

func (vc *validateCase) set(name, content string) {
	if _, ok := vc.data[name]; !ok {
		vc.names = append(vc.names, name)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	vc.data[name] = []byte(content)
}

// definition returns the definition section and its name.
func (vc *validateCase) definition() ([]byte, string) {
	for _, name := range []string{"definition.json", "definition.yaml"} {
		if b, ok := vc.data[name]; ok {
			return b, name
		}
	}
	return nil, ""
}

func (vc *validateCase) format() []byte {
	var b bytes.Buffer
	b.Write(vc.comment)
	for _, name := range vc.names {
		fmt.Fprintf(&b, "-- %s --\n", name)
		b.Write(vc.data[name])
	}
	return b.Bytes()
}
