package pattern

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the expected errors of testdata/*.txtar")

// TestGolden runs testdata/*.txtar: one archive per family of cases, each
// case a set of files "NAME/pattern" with "NAME/match" and "NAME/nomatch"
// (one JSON event per line) or "NAME/error" (the expected message).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		for _, name := range caseNames(ar) {
			t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar")+"/"+name, func(t *testing.T) {
				if runCase(t, ar, name) {
					changed = true
				}
			})
		}
		if changed {
			if err := os.WriteFile(file, []byte(txtar.Format(ar)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func caseNames(ar *txtar.Archive) []string {
	seen := map[string]bool{}
	var names []string
	for _, f := range ar.Files {
		name, _, _ := strings.Cut(f.Name, "/")
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// runCase checks one case; it reports whether it rewrote the archive.
func runCase(t *testing.T, ar *txtar.Archive, name string) bool {
	src, ok := ar.Get(name + "/pattern")
	if !ok {
		t.Fatalf("case %s has no pattern", name)
	}
	p, err := Compile([]byte(src))
	want, wantErr := ar.Get(name + "/error")
	if wantErr {
		got := "<no error>"
		if err != nil {
			if _, typed := err.(*Error); !typed {
				t.Errorf("error is %T, want *Error", err)
			}
			got = err.Error()
		}
		if got == strings.TrimSpace(want) {
			return false
		}
		if *updateGolden {
			for i := range ar.Files {
				if ar.Files[i].Name == name+"/error" {
					ar.Files[i].Data = got + "\n"
				}
			}
			return true
		}
		t.Fatalf("pattern %s\n got error: %s\nwant error: %s", src, got, strings.TrimSpace(want))
	}
	if err != nil {
		t.Fatalf("Compile(%s): %v", src, err)
	}
	// The canonical form compiles to itself.
	p2, err := Compile([]byte(p.String()))
	if err != nil || p2.String() != p.String() {
		t.Fatalf("canonical form %s does not round-trip: %v", p.String(), err)
	}
	m := NewMatcher()
	m.Add(name, p)
	m.Add("never", mustCompile(t, `{"no-such-field-anywhere":["x"]}`))
	for _, kind := range []string{"match", "nomatch"} {
		data, _ := ar.Get(name + "/" + kind)
		for _, line := range strings.Split(data, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			got, err := p.Match([]byte(line))
			if err != nil {
				t.Fatalf("Match(%s): %v", line, err)
			}
			if got != (kind == "match") {
				t.Errorf("pattern %s\nevent %s\nmatched = %v, want %v", src, line, got, kind == "match")
			}
			full, err := ParseEvent([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			if p.MatchEvent(full) != got {
				t.Errorf("the event parsed in full disagrees with the event parsed for the pattern: %s", line)
			}
			names, err := m.Match([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(names, name) != got {
				t.Errorf("Matcher disagrees with Pattern on %s: %v", line, names)
			}
		}
	}
	return false
}

func mustCompile(t testing.TB, src string) *Pattern {
	t.Helper()
	p, err := Compile([]byte(src))
	if err != nil {
		t.Fatalf("Compile(%s): %v", src, err)
	}
	return p
}
