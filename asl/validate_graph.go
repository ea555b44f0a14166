package asl

import (
	"slices"
	"strconv"
	"strings"
)

// edge is a transition: the pointer of the field that names the target.
type edge struct {
	ptr, field, target string
}

// stateEdges lists the transitions out of a state, in source order.
func stateEdges(st *State) []edge {
	var es []edge
	add := func(ptr, field, target string) {
		if target != "" {
			es = append(es, edge{ptr: ptr + "/" + field, field: field, target: target})
		}
	}
	add(st.Pointer, "Next", st.Next)
	for i, r := range st.Choices {
		add(st.Pointer+"/Choices/"+strconv.Itoa(i), "Next", r.Next)
	}
	add(st.Pointer, "Default", st.Default)
	for i, c := range st.Catch {
		add(st.Pointer+"/Catch/"+strconv.Itoa(i), "Next", c.Next)
	}
	return es
}

// transitions checks that StartAt and every transition name a state of the
// same machine, that every state can be reached, and that the machine can
// end.
func (p *defParser) transitions(d *Definition) {
	startOK := d.StartAt != "" && d.States[d.StartAt] != nil
	if d.StartAt != "" && !startOK {
		p.missingTarget(d, d.Pointer+"/StartAt", "StartAt", d.StartAt)
	}
	for _, name := range d.StateOrder {
		for _, e := range stateEdges(d.States[name]) {
			if d.States[e.target] == nil {
				p.missingTarget(d, e.ptr, e.field, e.target)
			}
		}
	}
	if startOK {
		reached := map[string]bool{d.StartAt: true}
		queue := []string{d.StartAt}
		for len(queue) > 0 {
			st := d.States[queue[0]]
			queue = queue[1:]
			for _, e := range stateEdges(st) {
				if d.States[e.target] != nil && !reached[e.target] {
					reached[e.target] = true
					queue = append(queue, e.target)
				}
			}
		}
		for _, name := range d.StateOrder {
			if !reached[name] {
				p.reportKey(d.States[name].Pointer, CodeMissingTarget, "State %q is not reachable.", name)
			}
		}
	}
	// A state whose type is unknown (already reported) may be terminal.
	unknown := slices.ContainsFunc(d.StateOrder, func(n string) bool { return d.States[n].Type == "" })
	if len(d.StateOrder) > 0 && !unknown && !slices.ContainsFunc(d.StateOrder, func(n string) bool { return isTerminal(d.States[n]) }) {
		p.reportAt(d.Pointer+"/States", CodeMissingEndState, "Workflow has no terminal state")
	}
}

// isTerminal reports whether a state ends its machine.
func isTerminal(st *State) bool {
	return st.End || st.Type == "Succeed" || st.Type == "Fail"
}

// missingTarget reports a transition to no state of its machine, saying so
// when the name belongs to another machine (a branch, an item processor).
func (p *defParser) missingTarget(d *Definition, ptr, field, target string) {
	if len(p.names[target]) > 0 {
		p.reportAt(ptr, CodeMissingTarget,
			"Missing '%s' target: %s (a state can only transition to states of its own 'States' object)", field, target)
		return
	}
	if near := nearestName(target, d.StateOrder); near != "" {
		p.reportAt(ptr, CodeMissingTarget, "Missing '%s' target: %s (did you mean %q?)", field, target, near)
		return
	}
	p.reportAt(ptr, CodeMissingTarget, "Missing '%s' target: %s", field, target)
}

// nearestName returns the name closest to target by edit distance when it is
// close enough to be a likely typo (at most a third of its length), or "".
func nearestName(target string, names []string) string {
	best, bestDist := "", len(target)/3+1
	for _, n := range names {
		if d := editDistance(strings.ToLower(target), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// uniqueStateNames reports the names used by more than one state of the
// machine, branches and item processors included, as the spec requires.
func (p *defParser) uniqueStateNames() {
	for name, ptrs := range p.names {
		for _, ptr := range ptrs[1:] {
			p.reportKey(ptr, CodeDuplicateState, "Duplicate State name: %s (also defined at %s)", name, ptrs[0])
		}
	}
}
