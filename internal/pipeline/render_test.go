package pipeline

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// TestRenderGolden draws the pipeline.yaml of each testdata/graph/*.txtar
// case in both formats and compares with its "mermaid" and "dot"
// sections. Run with -update-golden to rewrite them, then review the diff
// (and paste one into mermaid.live or `dot -Tsvg` when the drawing changes).
func TestRenderGolden(t *testing.T) {
	eachCase(t, "testdata/graph/*.txtar", func(t *testing.T, a *txtar.Archive, src string) bool {
		pl, err := parseCase(a, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range GraphFormats {
			got, err := Render(pl, format)
			if err != nil {
				t.Fatal(err)
			}
			if *updateGolden {
				setFile(a, format, strings.TrimSpace(got))
				continue
			}
			want, _ := a.Get(format)
			if strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", format, got, want)
			}
		}
		return *updateGolden
	})
}

// TestRenderEscapes: names the validator would refuse (quotes, spaces,
// unicode, syntax characters) still give output whose labels are quoted
// and whose ids are generated, so the graph always parses.
func TestRenderEscapes(t *testing.T) {
	hostile := `a "quoted" name; end --> x [y] {z} #1 <b> & ` + "`tick`|é✓\\\n2"
	pl := &Pipeline{Name: hostile, Steps: []*Step{
		{Name: hostile, Type: StepShell},
		{Name: "end", Type: StepHTTP, DependsOn: []string{hostile}, TriggerRule: `all_"done"`},
	}}
	tests := []struct {
		format  string
		want    []string
		notWant []string
	}{
		{GraphMermaid,
			[]string{`n0["a #34;quoted#34; name#59; end --#62; x #91;y#93; #123;z#125; #35;1 #60;b#62; #38; #96;tick#96;#124;é✓#92;<br/>2<br/>shell"]`, `n0 -->|"all_#34;done#34;"| n1`},
			[]string{`"quoted"`, "\\\n"}},
		{GraphDOT,
			[]string{`n0 [label="a \"quoted\" name; end --> x [y] {z} #1 <b> & ` + "`tick`|é✓\\\\\\n2\\nshell" + `", shape=box];`, `digraph "a \"quoted\"`},
			[]string{"\\\n"}},
	}
	for _, tt := range tests {
		got, err := Render(pl, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: missing %s in\n%s", tt.format, w, got)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: unescaped %q in\n%s", tt.format, w, got)
			}
		}
	}
	if _, err := Render(pl, "svg"); err == nil || !strings.Contains(err.Error(), "mermaid or dot") {
		t.Errorf("unknown format: %v", err)
	}
}

// TestRenderDOTParses feeds the DOT of every golden case and of hostile
// names to Graphviz, when it is installed (skipped otherwise).
func TestRenderDOTParses(t *testing.T) {
	dotBin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz's dot is not installed")
	}
	var graphs []string
	files, _ := filepath.Glob("testdata/graph/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := a.Get(GraphDOT)
		graphs = append(graphs, g)
	}
	hostile := "q\"uo\\te } ; -> { é✓ \n x\\"
	g, err := Render(&Pipeline{Name: hostile, Steps: []*Step{
		{Name: hostile, Type: StepSQL, ForEach: []any{1}},
		{Name: "b", Type: StepHTTP, DependsOn: []string{hostile}, TriggerRule: hostile},
	}}, GraphDOT)
	if err != nil {
		t.Fatal(err)
	}
	graphs = append(graphs, g)
	for _, g := range graphs {
		cmd := exec.Command(dotBin, "-Tsvg", "-o", os.DevNull)
		cmd.Stdin = strings.NewReader(g)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("dot refused: %v\n%s\n%s", err, out, g)
		}
	}
}
