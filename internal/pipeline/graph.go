package pipeline

import (
	"fmt"
	"strings"
)

// graph indexes the steps and handlers of a pipeline by name.
type graph struct {
	steps   []*Step
	list    []int // which list each step is in: 0 the DAG, 1..3 the handler lists
	index   map[string]int
	handler map[*Step]bool
	deps    [][]int // indexes of each step's known depends_on, same list only
	budget  int     // steps upstream may still visit (bounds hostile DAGs)
}

// handlerLists names the handler lists, by list number.
var handlerLists = []string{"", "on_failure", "on_success", "on_exit"}

func newGraph(pl *Pipeline) *graph {
	g := &graph{index: map[string]int{}, handler: map[*Step]bool{}, budget: 4_000_000}
	for l, list := range [][]*Step{pl.Steps, pl.Handlers.OnFailure, pl.Handlers.OnSuccess, pl.Handlers.OnExit} {
		for _, s := range list {
			if _, dup := g.index[s.Name]; !dup && s.Name != "" {
				g.index[s.Name] = len(g.steps)
			}
			g.steps = append(g.steps, s)
			g.list = append(g.list, l)
			if l > 0 {
				g.handler[s] = true
			}
		}
	}
	g.deps = make([][]int, len(g.steps))
	for i, s := range g.steps {
		for _, d := range s.DependsOn {
			if j, ok := g.index[d]; ok && g.list[j] == g.list[i] {
				g.deps[i] = append(g.deps[i], j)
			}
		}
	}
	return g
}

// names lists the step names, for suggestions.
func (g *graph) names() []string {
	if len(g.index) > 1000 {
		return nil // suggestions are for small files; keep big ones linear
	}
	out := make([]string, 0, len(g.index))
	for n := range g.index {
		out = append(out, n)
	}
	return out
}

// upstream tells whether target is upstream of s (through depends_on). Past
// the graph's budget it answers yes, so that a hostile file costs bounded
// time; real files stay far below it.
func (g *graph) upstream(s *Step, target int) bool {
	from, ok := g.index[s.Name]
	if !ok || g.steps[from] != s {
		return true
	}
	seen := map[int]bool{from: true}
	queue := []int{from}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, d := range g.deps[i] {
			if d == target {
				return true
			}
			if g.budget--; g.budget < 0 {
				return true
			}
			if !seen[d] {
				seen[d] = true
				queue = append(queue, d)
			}
		}
	}
	return false
}

// maxCycleReports bounds the cycles reported for one file.
const maxCycleReports = 50

// checkGraph checks names and depends_on: unique names, known targets in
// the same list, no cycles, trigger rules only where there is an upstream.
func (p *parser) checkGraph(pl *Pipeline) {
	g := newGraph(pl)
	seen := map[string]bool{}
	for _, s := range g.steps {
		if s.Name == "" {
			continue
		}
		if seen[s.Name] {
			p.reportAt(s.Pointer+"/name", CodeDuplicateStep, "Duplicate step name: %s (step and handler names share one namespace, as $steps.NAME reads them)", s.Name)
		}
		seen[s.Name] = true
	}
	for i, s := range g.steps {
		depSeen := map[string]bool{}
		for k, d := range s.DependsOn {
			ptr := fmt.Sprintf("%s/depends_on/%d", s.Pointer, k)
			j, ok := g.index[d]
			switch {
			case depSeen[d]:
				p.reportAt(ptr, CodeSchema, "depends_on lists '%s' twice", clip(d))
			case d == s.Name:
				p.reportAt(ptr, CodeCycle, "Step '%s' depends on itself", clip(d))
			case !ok:
				p.reportAt(ptr, CodeUnknownStep, "depends_on names no step '%s'%s", clip(d), p.didYouMean(d, g.names()))
			case g.list[i] == 0 && g.list[j] > 0:
				p.reportAt(ptr, CodeUnknownStep, "'%s' is a handler (%s): handlers run after the DAG, so a step cannot depend on one", d, handlerLists[g.list[j]])
			case g.list[i] > 0 && g.list[j] != g.list[i]:
				p.reportAt(ptr, CodeUnreachable, "Handler '%s' of %s depends on '%s', which is not a handler of %s: it would never run. Handlers run after the DAG and see every step through $steps; depends_on orders handlers of one list",
					s.Name, handlerLists[g.list[i]], d, handlerLists[g.list[i]])
			}
			depSeen[d] = true
		}
		if s.TriggerRule != RuleAllSuccess && len(s.DependsOn) == 0 && s.Pointer != "" {
			p.reportAt(s.Pointer+"/trigger_rule", CodeUnreachable, "trigger_rule %s reads the outcomes of depends_on, which this step does not have", s.TriggerRule)
		}
		if s.When == false {
			p.reportAt(s.Pointer+"/when", CodeUnreachable, "Step '%s' has when: false and never runs: remove it, or comment it out", s.Name)
		}
	}
	p.checkCycles(g)
}

// checkCycles reports each cycle of depends_on once, naming its steps, with
// an iterative depth-first search (a 100,000-step chain is no deeper for it).
func (p *parser) checkCycles(g *graph) {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(g.steps))
	pos := make([]int, len(g.steps)) // next dep to visit of each grey step
	reports := 0
	for root := range g.steps {
		if color[root] != white {
			continue
		}
		stack := []int{root}
		color[root] = grey
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			if pos[i] == len(g.deps[i]) {
				color[i] = black
				stack = stack[:len(stack)-1]
				continue
			}
			d := g.deps[i][pos[i]]
			pos[i]++
			switch color[d] {
			case white:
				color[d] = grey
				stack = append(stack, d)
			case grey:
				if d == i {
					continue // a self-dependency, reported already
				}
				if reports++; reports > maxCycleReports {
					continue
				}
				k := len(stack) - 1
				for stack[k] != d {
					k--
				}
				p.reportCycle(g, stack[k:], i, d)
			}
		}
	}
}

// reportCycle reports the cycle cyc (each step depends on the next, the
// last on the first) at the depends_on entry of step i naming d.
func (p *parser) reportCycle(g *graph, cyc []int, i, d int) {
	names := make([]string, 0, min(len(cyc), 12)+1)
	for k, c := range cyc {
		if k == 10 && len(cyc) > 11 {
			names = append(names, fmt.Sprintf("... (%d more)", len(cyc)-11), g.steps[cyc[len(cyc)-1]].Name)
			break
		}
		names = append(names, g.steps[c].Name)
	}
	names = append(names, g.steps[d].Name)
	s := g.steps[i]
	ptr := s.Pointer + "/depends_on"
	for k, dep := range s.DependsOn {
		if dep == g.steps[d].Name {
			ptr = fmt.Sprintf("%s/%d", ptr, k)
			break
		}
	}
	p.reportAt(ptr, CodeCycle, "depends_on makes a cycle: %s (each step depends on the next)", strings.Join(names, " → "))
}
