package pipeline

import (
	"fmt"
	"strings"
)

// Graph formats for Render.
const (
	GraphMermaid = "mermaid"
	GraphDOT     = "dot"
)

// GraphFormats lists the formats Render writes, the default first.
var GraphFormats = []string{GraphMermaid, GraphDOT}

// shapes of each step type: Mermaid's node brackets and Graphviz's shape.
var shapes = map[string]struct{ open, close, dot string }{
	StepShell:    {`["`, `"]`, "box"},
	StepHTTP:     {`(["`, `"])`, "oval"},
	StepSQL:      {`[("`, `")]`, "cylinder"},
	StepCopy:     {`[/"`, `"/]`, "parallelogram"},
	StepWaitFor:  {`{{"`, `"}}`, "hexagon"},
	StepActivity: {`>"`, `"]`, "cds"},
	StepWorkflow: {`[["`, `"]]`, "box3d"},
}

// shapeOf returns the shape of a step type (a box when unknown).
func shapeOf(typ string) struct{ open, close, dot string } {
	if sh, ok := shapes[typ]; ok {
		return sh
	}
	return shapes[StepShell]
}

// node is one step to draw, with the id the output gives it.
type node struct {
	id   string
	step *Step
}

// Render writes the DAG of pl in format (GraphMermaid or GraphDOT): each
// step a node whose shape and second label line say its type, a
// depends_on an edge (labelled with the trigger rule when it is not
// all_success), a for_each step inside a group saying so, and the
// handlers in a group of their own. Node ids are generated (n0, n1, ...)
// and every label is escaped, so the output parses whatever the names
// hold. A pipeline with a body is drawn as one node: its graph is the
// state machine's.
func Render(pl *Pipeline, format string) (string, error) {
	var r renderer
	switch format {
	case GraphMermaid, "":
		r = mermaid{}
	case GraphDOT:
		r = dot{}
	default:
		return "", fmt.Errorf("unknown graph format %q: use %s", format, strings.Join(GraphFormats, " or "))
	}
	var b strings.Builder
	ids := map[string]string{} // step name -> node id
	var steps, handlers []node
	add := func(list *[]node, s *Step) {
		n := node{id: fmt.Sprintf("n%d", len(ids)), step: s}
		if _, dup := ids[s.Name]; !dup {
			ids[s.Name] = n.id
		}
		*list = append(*list, n)
	}
	for _, s := range pl.Steps {
		add(&steps, s)
	}
	groups := []struct {
		title string
		list  []*Step
	}{{"on_failure", pl.Handlers.OnFailure}, {"on_success", pl.Handlers.OnSuccess}, {"on_exit", pl.Handlers.OnExit}}
	var handlerGroups [][]node
	for _, g := range groups {
		var list []node
		for _, s := range g.list {
			add(&list, s)
		}
		handlerGroups = append(handlerGroups, list)
		handlers = append(handlers, list...)
	}

	r.begin(&b, pl.Name)
	if pl.Body != nil {
		label := "state machine"
		if pl.Body.File != "" {
			label += "\n" + pl.Body.File
		}
		r.node(&b, "  ", "body", label, StepWorkflow)
	}
	for _, n := range steps {
		r.step(&b, "  ", n)
	}
	if len(handlers) > 0 {
		r.groupBegin(&b, "  ", "handlers", "handlers")
		for i, list := range handlerGroups {
			if len(list) == 0 {
				continue
			}
			r.groupBegin(&b, "    ", "handlers_"+groups[i].title, groups[i].title)
			for _, n := range list {
				r.step(&b, "      ", n)
			}
			r.groupEnd(&b, "    ")
		}
		r.groupEnd(&b, "  ")
	}
	for _, n := range append(steps, handlers...) {
		for _, up := range n.step.DependsOn {
			from, ok := ids[up]
			if !ok {
				continue // only a valid pipeline is drawn; stay total anyway
			}
			label := ""
			if n.step.TriggerRule != "" && n.step.TriggerRule != RuleAllSuccess {
				label = n.step.TriggerRule
			}
			r.edge(&b, from, n.id, label)
		}
	}
	r.end(&b)
	return b.String(), nil
}

// renderer writes one graph language.
type renderer interface {
	begin(b *strings.Builder, name string)
	step(b *strings.Builder, indent string, n node)
	node(b *strings.Builder, indent, id, label, typ string)
	groupBegin(b *strings.Builder, indent, id, title string)
	groupEnd(b *strings.Builder, indent string)
	edge(b *strings.Builder, from, to, label string)
	end(b *strings.Builder)
}

// drawStep writes the node of a step, inside a group when it has for_each.
func drawStep(r renderer, b *strings.Builder, indent string, n node) {
	s := n.step
	label := s.Name + "\n" + s.Type
	if s.When != nil {
		label += " (when)"
	}
	if s.AllowFailure {
		label += " (allow_failure)"
	}
	if s.ForEach == nil {
		r.node(b, indent, n.id, label, s.Type)
		return
	}
	title := "for_each"
	if s.MaxConcurrency > 0 {
		title += fmt.Sprintf(", %d at once", s.MaxConcurrency)
	}
	r.groupBegin(b, indent, "g"+n.id, title)
	r.node(b, indent+"  ", n.id, label, s.Type)
	r.groupEnd(b, indent)
}

// mermaid writes a Mermaid flowchart. Labels are quoted with every
// character Mermaid could read as syntax written as an entity code.
type mermaid struct{}

func (mermaid) step(b *strings.Builder, indent string, n node) { drawStep(mermaid{}, b, indent, n) }

func (mermaid) begin(b *strings.Builder, name string) {
	fmt.Fprintf(b, "%%%% pipeline %s\nflowchart TD\n", mermaidText(name))
}

func (mermaid) node(b *strings.Builder, indent, id, label, typ string) {
	sh := shapeOf(typ)
	fmt.Fprintf(b, "%s%s%s%s%s\n", indent, id, sh.open, mermaidText(label), sh.close)
}

func (mermaid) groupBegin(b *strings.Builder, indent, id, title string) {
	fmt.Fprintf(b, "%ssubgraph %s[\"%s\"]\n", indent, id, mermaidText(title))
}

func (mermaid) groupEnd(b *strings.Builder, indent string) { fmt.Fprintf(b, "%send\n", indent) }

func (mermaid) edge(b *strings.Builder, from, to, label string) {
	if label == "" {
		fmt.Fprintf(b, "  %s --> %s\n", from, to)
		return
	}
	fmt.Fprintf(b, "  %s -->|\"%s\"| %s\n", from, mermaidText(label), to)
}

func (mermaid) end(*strings.Builder) {}

// mermaidText escapes s for a quoted Mermaid label: newlines become
// <br/>, other control characters spaces, and the characters Mermaid
// reads as syntax (quotes, '#', '<', '>', '&', '`', '|', brackets)
// numeric entity codes; the rest (unicode included) is kept.
func mermaidText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n':
			b.WriteString("<br/>")
		case c < 0x20 || c == 0x7f:
			b.WriteByte(' ')
		case strings.ContainsRune("\"#<>&`|[](){};%\\", c):
			fmt.Fprintf(&b, "#%d;", c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// dot writes a Graphviz digraph, every id and label a quoted string.
type dot struct{}

func (dot) step(b *strings.Builder, indent string, n node) { drawStep(dot{}, b, indent, n) }

func (dot) begin(b *strings.Builder, name string) {
	fmt.Fprintf(b, "digraph %s {\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n", dotString(name))
}

func (dot) node(b *strings.Builder, indent, id, label, typ string) {
	fmt.Fprintf(b, "%s%s [label=%s, shape=%s];\n", indent, id, dotString(label), shapeOf(typ).dot)
}

func (dot) groupBegin(b *strings.Builder, indent, id, title string) {
	// Only subgraphs named cluster* are drawn as boxes.
	fmt.Fprintf(b, "%ssubgraph cluster_%s {\n%s  label=%s;\n%s  style=dashed;\n", indent, id, indent, dotString(title), indent)
}

func (dot) groupEnd(b *strings.Builder, indent string) { fmt.Fprintf(b, "%s}\n", indent) }

func (dot) edge(b *strings.Builder, from, to, label string) {
	if label == "" {
		fmt.Fprintf(b, "  %s -> %s;\n", from, to)
		return
	}
	fmt.Fprintf(b, "  %s -> %s [label=%s, style=dashed];\n", from, to, dotString(label))
}

func (dot) end(b *strings.Builder) { b.WriteString("}\n") }

// dotString quotes s as a DOT string: backslashes and quotes escaped,
// newlines as \n (a centred line break), other control characters spaces.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
