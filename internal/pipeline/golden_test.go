package pipeline

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/internal/txtar"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the expected diagnostics of testdata/golden/*.txtar")

// TestGolden parses the pipeline.yaml of each testdata/golden/*.txtar case,
// with the case's other files as the project, and compares the diagnostics
// with its "diagnostics" section ("line:col: CODE: message (pointer)" a
// line; empty: valid). Run with -update-golden to rewrite them, then review
// the diff.
func TestGolden(t *testing.T) {
	eachCase(t, "testdata/golden/*.txtar", func(t *testing.T, a *txtar.Archive, src string) bool {
		pl, perr := parseCase(a, src)
		got := diagnosticLines(t, pl, perr)
		if *updateGolden {
			setFile(a, "diagnostics", got)
			return true
		}
		want, _ := a.Get("diagnostics")
		if want = strings.TrimSpace(want); got != want {
			t.Errorf("diagnostics:\ngot:\n%s\nwant:\n%s", got, want)
		}
		return false
	})
}

// eachCase runs check on the pipeline.yaml of each txtar file of glob, as a
// subtest, and writes the archive back when check says it changed it.
func eachCase(t *testing.T, glob string, check func(t *testing.T, a *txtar.Archive, src string) (changed bool)) {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files %s (%v)", glob, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			src, ok := a.Get("pipeline.yaml")
			if !ok {
				t.Fatal("no pipeline.yaml section")
			}
			if check(t, a, src) {
				if err := os.WriteFile(file, []byte(txtar.Format(a)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// projectOf returns the files of a case other than pipeline.yaml and
// diagnostics, as a project directory.
func projectOf(a *txtar.Archive) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range a.Files {
		if f.Name != "pipeline.yaml" && f.Name != "diagnostics" {
			fsys[f.Name] = &fstest.MapFile{Data: []byte(f.Data)}
		}
	}
	return fsys
}

func parseCase(a *txtar.Archive, src string) (*Pipeline, error) {
	return ParseFS(projectOf(a), "", []byte(src))
}

// diagnosticLines formats the diagnostics of a parse for comparison.
func diagnosticLines(t *testing.T, pl *Pipeline, err error) string {
	t.Helper()
	if err == nil {
		if pl == nil {
			t.Fatal("ParseFS returned neither a pipeline nor an error")
		}
		return ""
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("ParseFS returned %T, want *ValidationError: %v", err, err)
	}
	if pl != nil {
		t.Error("ParseFS returned a pipeline with an error")
	}
	lines := make([]string, len(ve.Diagnostics))
	for i, d := range ve.Diagnostics {
		lines[i] = fmt.Sprintf("%d:%d: %s: %s (%s)", d.Pos.Line, d.Pos.Col, d.Code, d.Message, d.Pointer)
		if d.File != "" {
			lines[i] = d.File + ":" + lines[i]
		}
	}
	return strings.Join(lines, "\n")
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
