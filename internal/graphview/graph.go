// Package graphview turns workflows and their runs into what the web UI
// draws: the static graph of a definition (an ASL state machine or a
// pipeline's DAG) and the status of each state or step of a run, derived
// from its history. It is pure (no storage, no HTTP), so that the server's
// routes and the UI's live updates (web/src/status.ts mirrors Steps) agree.
//
// The one rule that ties the two together: the id of every node that
// stands for a state or a step is the name its history events carry
// (stateEnteredEventDetails.name), so a run's statuses land on the graph.
package graphview

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/pipeline"
)

// Node types of group nodes that stand for no state or step of their own.
const (
	TypeBranch  = "Branch"   // one branch of a Parallel state, id "STATE#branchN"
	TypeForEach = "for_each" // a pipeline step with for_each (its id is the step's name)
)

// Edge kinds.
const (
	EdgeNext       = "next"
	EdgeChoice     = "choice"
	EdgeDefault    = "default"
	EdgeCatch      = "catch"
	EdgeDependency = "dependency"
	// EdgeHandler leads from the end of a pipeline's DAG (its steps that
	// nothing depends on) to the handlers that run after it, and from
	// on_failure and on_success handlers to on_exit ones.
	EdgeHandler = "handler"
)

// Node is a state, a step, or a group (a Parallel's branch). Parent names
// the group a node is drawn in: a Branch, a Map state (its processor's
// states), a Parallel state (its branches); "" at the top.
type Node struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Type   string `json:"type"`
	Parent string `json:"parent"`
}

// Edge is a transition (ASL) or a dependency (pipeline).
type Edge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Kind   string `json:"kind"`
}

// Graph is a workflow's static graph: nodes in definition order (a parent
// before its children), then edges.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// StepIDs lists the ids of the nodes that stand for a state or a step, in
// graph order: every node but the Parallel branches, whose ids are made up.
// These are the rows of a runs grid.
func (g *Graph) StepIDs() []string {
	out := make([]string, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		if n.Type != TypeBranch {
			out = append(out, n.ID)
		}
	}
	return out
}

// builder collects nodes and edges, dropping repeated edges (two Choice
// rules to the same state draw one arrow).
type builder struct {
	g    Graph
	seen map[Edge]bool
}

func newBuilder() *builder {
	return &builder{g: Graph{Nodes: []Node{}, Edges: []Edge{}}, seen: map[Edge]bool{}}
}

func (b *builder) node(id, label, typ, parent string) {
	b.g.Nodes = append(b.g.Nodes, Node{ID: id, Label: label, Type: typ, Parent: parent})
}

func (b *builder) edge(source, target, kind string) {
	if source == "" || target == "" {
		return
	}
	e := Edge{Source: source, Target: target, Kind: kind}
	if !b.seen[e] {
		b.seen[e] = true
		b.g.Edges = append(b.g.Edges, e)
	}
}

// FromASL draws a state machine: each state a node of its Type, in source
// order; a Parallel state a group holding one Branch group per branch
// ("STATE#branch1", ...); a Map state a group holding its processor's
// states. Edges: Next, each Choice rule's Next, Default, each Catch's
// Next. State names are unique in a whole state machine, so they are the
// ids. A nil definition is an empty graph.
func FromASL(def *asl.Definition) *Graph {
	b := newBuilder()
	if def != nil {
		b.asl(def, "")
	}
	return &b.g
}

func (b *builder) asl(def *asl.Definition, parent string) {
	for _, name := range order(def) {
		s := def.States[name]
		if s == nil {
			continue
		}
		b.node(name, name, s.Type, parent)
		b.edge(name, s.Next, EdgeNext)
		for _, c := range s.Choices {
			b.edge(name, c.Next, EdgeChoice)
		}
		b.edge(name, s.Default, EdgeDefault)
		for _, c := range s.Catch {
			b.edge(name, c.Next, EdgeCatch)
		}
		for i, br := range s.Branches {
			id := name + "#branch" + strconv.Itoa(i+1)
			b.node(id, "Branch "+strconv.Itoa(i+1), TypeBranch, name)
			b.asl(br, id)
		}
		if s.ItemProcessor != nil {
			b.asl(s.ItemProcessor, name)
		}
	}
}

// order is the definition's states in source order; states the order
// misses (a definition built in code) follow, by StartAt first.
func order(def *asl.Definition) []string {
	if len(def.StateOrder) == len(def.States) {
		return def.StateOrder
	}
	out := append([]string(nil), def.StateOrder...)
	seen := map[string]bool{}
	for _, n := range out {
		seen[n] = true
	}
	var rest []string
	for n := range def.States {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// FromPipeline draws a pipeline's DAG: each step a node of its type
// (shell, http, ...) or "for_each" when it fans out over items, in file
// order; each depends_on a "dependency" edge. The handlers follow
// (labelled with their list), linked to what they run after with
// "handler" edges. A pipeline whose body is a state machine is that state
// machine's graph.
func FromPipeline(pl *pipeline.Pipeline) *Graph {
	if pl == nil {
		return FromASL(nil)
	}
	if pl.Body != nil {
		return FromASL(pl.Body.Definition)
	}
	b := newBuilder()
	b.steps(pl.Steps, "")
	dag := sinks(pl.Steps)
	after := dag // what on_exit runs after: the handlers that ran, else the DAG
	var mid []string
	for _, l := range []struct {
		name  string
		steps []*pipeline.Step
	}{{"on_failure", pl.Handlers.OnFailure}, {"on_success", pl.Handlers.OnSuccess}} {
		b.steps(l.steps, l.name)
		b.handlerEdges(dag, l.steps)
		mid = append(mid, sinks(l.steps)...)
	}
	if len(mid) > 0 {
		after = mid
	}
	b.steps(pl.Handlers.OnExit, "on_exit")
	b.handlerEdges(after, pl.Handlers.OnExit)
	return &b.g
}

// steps adds a list's nodes and dependency edges; list names a handler
// list ("" for the DAG).
func (b *builder) steps(list []*pipeline.Step, handlers string) {
	for _, s := range list {
		typ := s.Type
		if typ == "" {
			typ = "step"
		}
		if s.ForEach != nil {
			typ = TypeForEach
		}
		label := s.Name
		if handlers != "" {
			label += " (" + handlers + ")"
		}
		b.node(s.Name, label, typ, "")
	}
	for _, s := range list {
		for _, d := range s.DependsOn {
			b.edge(d, s.Name, EdgeDependency)
		}
	}
}

// handlerEdges links each step of before to each root of a handler list.
func (b *builder) handlerEdges(before []string, list []*pipeline.Step) {
	for _, s := range list {
		if len(s.DependsOn) > 0 {
			continue
		}
		for _, from := range before {
			b.edge(from, s.Name, EdgeHandler)
		}
	}
}

// sinks are the steps of a list that no step of the list depends on.
func sinks(list []*pipeline.Step) []string {
	used := map[string]bool{}
	for _, s := range list {
		for _, d := range s.DependsOn {
			used[d] = true
		}
	}
	var out []string
	for _, s := range list {
		if !used[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// Of draws a stored definition of a workflow language: "pipeline" (a
// pipeline.yaml's text) or "asl" (the default: a state machine's JSON or
// YAML). A definition that no longer parses (stored by an older server)
// is an error that says so.
func Of(language, definition string) (*Graph, error) {
	if language == pipeline.LanguageName {
		pl, err := pipeline.Parse([]byte(definition))
		if err != nil {
			return nil, fmt.Errorf("the stored pipeline does not parse: %w", err)
		}
		return FromPipeline(pl), nil
	}
	def, err := asl.Parse([]byte(definition))
	if err != nil {
		return nil, fmt.Errorf("the stored state machine does not parse: %w", err)
	}
	return FromASL(def), nil
}
