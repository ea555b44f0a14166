package graphview

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/txtar"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the graph sections of testdata/*.txtar with what the code draws (review the diff!)")

// TestGraphGolden draws the definition of each testdata/*.txtar case (a
// "definition.json" state machine, or a "pipeline.yaml") and compares it
// with its "graph" section: one node or edge a line. Run with
// -update-golden to rewrite them, then review the diff.
func TestGraphGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			language, src := "asl", ""
			if s, ok := a.Get("pipeline.yaml"); ok {
				language, src = pipeline.LanguageName, s
			} else if s, ok := a.Get("definition.json"); ok {
				src = s
			} else {
				t.Fatal("no definition.json or pipeline.yaml section")
			}
			g, err := Of(language, src)
			if err != nil {
				t.Fatal(err)
			}
			checkIDs(t, g)
			got := render(t, g)
			if *updateGolden {
				for i := range a.Files {
					if a.Files[i].Name == "graph" {
						a.Files[i].Data = got
						got = ""
					}
				}
				if got != "" {
					a.Files = append(a.Files, txtar.File{Name: "graph", Data: got})
				}
				if err := os.WriteFile(file, []byte(txtar.Format(a)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, _ := a.Get("graph")
			if strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("graph differs:\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// render writes the graph as its JSON answer, one node or edge a line.
func render(t *testing.T, g *Graph) string {
	var b strings.Builder
	b.WriteString(`{"nodes": [` + "\n")
	for i, n := range g.Nodes {
		line, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		if i < len(g.Nodes)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(`], "edges": [` + "\n")
	for i, e := range g.Edges {
		line, _ := json.Marshal(e)
		b.Write(line)
		if i < len(g.Edges)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	return b.String()
}

// checkIDs checks what the UI relies on: ids are unique, every parent is a
// node listed before its children, and every edge joins two nodes.
func checkIDs(t *testing.T, g *Graph) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range g.Nodes {
		if seen[n.ID] {
			t.Errorf("node %q twice", n.ID)
		}
		if n.Parent != "" && !seen[n.Parent] {
			t.Errorf("node %q: parent %q not listed before it", n.ID, n.Parent)
		}
		seen[n.ID] = true
	}
	for _, e := range g.Edges {
		if !seen[e.Source] || !seen[e.Target] {
			t.Errorf("edge %v joins an unknown node", e)
		}
	}
}
