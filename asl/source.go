package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/batonhq/baton/internal/value"
)

// This file holds the source tree that the JSON and YAML readers produce: a
// JSON-shaped tree that remembers where each key and value starts, so that
// every diagnostic can point at the line and column it is about.

// srcKind is the JSON type of a source node.
type srcKind int

const (
	kindNull srcKind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

// srcNode is one value of the source document.
type srcNode struct {
	kind srcKind
	pos  Pos
	// val is the scalar value: nil, bool, int64, float64, json.Number or
	// string, as github.com/ohler55/ojg/oj would produce it.
	val     any
	members []srcMember // objects, in source order, duplicates included
	elems   []*srcNode  // arrays
	// dupsReported is set once the object's duplicate keys have been
	// reported, so that a later sweep does not report them twice.
	dupsReported bool
}

// srcMember is one key of an object with its value.
type srcMember struct {
	key    string
	keyPos Pos
	value  *srcNode
}

// get returns the value of key, or nil when absent. Like oj, the last of
// duplicate keys wins (duplicates are reported separately).
func (n *srcNode) get(key string) *srcNode {
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i].value
		}
	}
	return nil
}

// member returns the member of key (the last one), or nil.
func (n *srcNode) member(key string) *srcMember {
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return &n.members[i]
		}
	}
	return nil
}

// duplicates returns the members whose key already appeared earlier.
func (n *srcNode) duplicates() []srcMember {
	if len(n.members) < 2 {
		return nil
	}
	if len(n.members) <= 16 {
		// Most objects are small: compare pairs rather than allocate a set.
		var dups []srcMember
		for i, m := range n.members {
			for _, earlier := range n.members[:i] {
				if earlier.key == m.key {
					dups = append(dups, m)
					break
				}
			}
		}
		return dups
	}
	seen := make(map[string]bool, len(n.members))
	var dups []srcMember
	for _, m := range n.members {
		if seen[m.key] {
			dups = append(dups, m)
		}
		seen[m.key] = true
	}
	return dups
}

// plain converts the node to a plain Go value: map[string]any, []any,
// int64, float64, json.Number, string, bool or nil.
func (n *srcNode) plain() any {
	switch n.kind {
	case kindObject:
		m := make(map[string]any, len(n.members))
		for _, mem := range n.members {
			m[mem.key] = mem.value.plain()
		}
		return m
	case kindArray:
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = e.plain()
		}
		return a
	default:
		return n.val
	}
}

// pathBudget bounds the work of reading a document of size bytes that
// grows with the length of each node's path: the JSON pointers Baton builds
// while it checks and compiles a definition (and the paths go-yaml's parser
// copies for each node) add up to the number of nodes times their depth and
// key lengths, gigabytes for a 140 KB document of many values under a 100
// KB key. The budget is linear in the input, covers a chain of values
// nested maxSourceDepth deep, and is a few times what real definitions
// need (their paths are short).
func pathBudget(size int) int { return 8<<20 + 64*size }

// pathCost charges each node of a source tree the length of its JSON
// pointer, against pathBudget.
type pathCost struct {
	spent, budget int
	ptr           int // length of the pointer of the node being read
}

func newPathCost(size int) pathCost { return pathCost{budget: pathBudget(size)} }

// charge counts nodes whose pointers add up to cost bytes.
func (c *pathCost) charge(cost int) error {
	c.spent += cost
	if c.spent > c.budget {
		return errTooCostly(c.budget)
	}
	return nil
}

// errTooCostly says that a document went past its pathBudget.
func errTooCostly(budget int) error {
	return fmt.Errorf("document too costly to read: its keys are too long for how deeply and how often "+
		"they are nested (its paths add up to more than %d bytes); shorten the keys or flatten the document", budget)
}

// enter descends into the member or element whose pointer token is n
// bytes long; leave(n) comes back.
func (c *pathCost) enter(n int) { c.ptr += 1 + n }
func (c *pathCost) leave(n int) { c.ptr -= 1 + n }

// indexLen is the length of the pointer token of array index i.
func indexLen(i int) int {
	n := 1
	for ; i >= 10; i /= 10 {
		n++
	}
	return n
}

// walkSource calls fn for n and every node below it, with its JSON pointer.
func walkSource(n *srcNode, ptr string, fn func(n *srcNode, ptr string)) {
	fn(n, ptr)
	switch n.kind {
	case kindObject:
		for _, m := range n.members {
			walkSource(m.value, ptr+"/"+pointerToken(m.key), fn)
		}
	case kindArray:
		for i, e := range n.elems {
			walkSource(e, ptr+"/"+strconv.Itoa(i), fn)
		}
	}
}

// resolvePointer follows pointer down from root as far as it leads: it
// returns the deepest node reached, and whether that is the node pointer
// names. It finds what a map of the pointers of every node (buildSourceMap)
// finds for a document without duplicate keys: a member is found by its
// key (escaped as pointerToken escapes it), an element by its index
// written as strconv.Itoa writes it.
func resolvePointer(root *srcNode, pointer string) (*srcNode, bool) {
	n := root
	if pointer == "" {
		return n, true
	}
	if pointer[0] != '/' {
		return n, false
	}
	rest := pointer[1:]
	for {
		tok, more, cut := strings.Cut(rest, "/")
		next := n.child(tok)
		if next == nil {
			return n, false
		}
		n = next
		if !cut {
			return n, true
		}
		rest = more
	}
}

// child returns the member or element that the pointer token tok names,
// or nil.
func (n *srcNode) child(tok string) *srcNode {
	switch n.kind {
	case kindObject:
		key, ok := unescapeToken(tok)
		if !ok {
			return nil
		}
		return n.get(key)
	case kindArray:
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(n.elems) || strconv.Itoa(i) != tok {
			return nil
		}
		return n.elems[i]
	}
	return nil
}

// unescapeToken undoes pointerToken; false when tok is not what
// pointerToken writes for any key.
func unescapeToken(tok string) (string, bool) {
	if !strings.Contains(tok, "~") {
		return tok, true
	}
	key := strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
	return key, pointerToken(key) == tok
}

// pointerPath is the pointer of the node being visited, as its tokens, so
// that a pointer is written out only for the few nodes a diagnostic names.
type pointerPath struct{ toks []string }

func (p *pointerPath) String() string {
	if len(p.toks) == 0 {
		return ""
	}
	return "/" + strings.Join(p.toks, "/")
}

// duplicates appends the duplicate keys of n and the nodes below it, in
// document order (the order of walkSource).
func (p *pointerPath) duplicates(n *srcNode, out *[]DuplicateKey) {
	switch n.kind {
	case kindObject:
		if dups := n.duplicates(); len(dups) > 0 {
			ptr := p.String()
			for _, m := range dups {
				*out = append(*out, DuplicateKey{Pointer: ptr + "/" + pointerToken(m.key), Key: m.key, Pos: m.keyPos})
			}
		}
		for _, m := range n.members {
			if m.value.kind == kindObject || m.value.kind == kindArray {
				p.toks = append(p.toks, pointerToken(m.key))
				p.duplicates(m.value, out)
				p.toks = p.toks[:len(p.toks)-1]
			}
		}
	case kindArray:
		for i, e := range n.elems {
			if e.kind == kindObject || e.kind == kindArray {
				p.toks = append(p.toks, strconv.Itoa(i))
				p.duplicates(e, out)
				p.toks = p.toks[:len(p.toks)-1]
			}
		}
	}
}

// buildSourceMap records the position of every value of the tree, and
// returns the positions of the keys of object members too.
func buildSourceMap(root *srcNode) (*SourceMap, map[string]Pos) {
	m := NewSourceMap()
	keys := map[string]Pos{}
	walkSource(root, "", func(n *srcNode, ptr string) {
		m.Add(ptr, n.pos)
		for _, mem := range n.members {
			keys[ptr+"/"+pointerToken(mem.key)] = mem.keyPos
		}
	})
	return m, keys
}

// pointerToken escapes one JSON pointer reference token (RFC 6901).
func pointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// numberValue converts the text of a JSON number the way the rest of Baton
// sees numbers: int64 when it is an integer that fits, float64 otherwise,
// and json.Number when neither holds it exactly enough (integers beyond
// int64, magnitudes beyond float64).
func numberValue(text string) any {
	if value.IsIntegerText(text) {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i
		}
		return json.Number(text)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return json.Number(text)
	}
	return f
}
