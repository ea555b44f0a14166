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

var update = flag.Bool("update", false, "rewrite the expected diagnostics of testdata/validate/*.txtar")

// TestValidateGolden parses the definition of each testdata/validate/*.txtar
// file and compares the diagnostics with the file's "diagnostics" section,
// one "line:col: CODE: message (pointer)" a line; no section or an empty
// one means the definition is valid.
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
			ar := parseArchive(data)
			src, name := ar.definition()
			if name == "" {
				t.Fatal("no definition.json or definition.yaml section")
			}
			got := diagnosticLines(t, src)
			if *update {
				ar.set("diagnostics", got)
				if err := os.WriteFile(file, ar.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := strings.TrimSpace(ar.get("diagnostics"))
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

// archive is a txtar-style file: a comment, then sections that each start
// with a "-- name --" line.
type archive struct {
	comment []byte
	names   []string
	data    map[string][]byte
}

func parseArchive(b []byte) *archive {
	ar := &archive{data: map[string][]byte{}}
	cur := ""
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		s := strings.TrimRight(string(line), "\r\n")
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			cur = strings.TrimSpace(s[3 : len(s)-3])
			ar.names = append(ar.names, cur)
			ar.data[cur] = []byte{}
			continue
		}
		if cur == "" {
			ar.comment = append(ar.comment, line...)
		} else {
			ar.data[cur] = append(ar.data[cur], line...)
		}
	}
	return ar
}

func (ar *archive) get(name string) string { return string(ar.data[name]) }

func (ar *archive) set(name, content string) {
	if _, ok := ar.data[name]; !ok {
		ar.names = append(ar.names, name)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	ar.data[name] = []byte(content)
}

// definition returns the definition section and its name.
func (ar *archive) definition() ([]byte, string) {
	for _, name := range []string{"definition.json", "definition.yaml"} {
		if b, ok := ar.data[name]; ok {
			return b, name
		}
	}
	return nil, ""
}

func (ar *archive) format() []byte {
	var b bytes.Buffer
	b.Write(ar.comment)
	for _, name := range ar.names {
		fmt.Fprintf(&b, "-- %s --\n", name)
		b.Write(ar.data[name])
	}
	return b.Bytes()
}
