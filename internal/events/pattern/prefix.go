package pattern

import "slices"

// prefixTrie indexes one path's prefixes byte by byte: an event value
// finds every pattern whose prefix it starts with in one walk of its own
// bytes, whatever the number and lengths of the prefixes.
type prefixTrie struct {
	rules    []*rule // patterns whose prefix ends here
	children map[byte]*prefixTrie
}

func (t *prefixTrie) add(prefix string, r *rule) {
	n := t
	for i := 0; i < len(prefix); i++ {
		if n.children == nil {
			n.children = map[byte]*prefixTrie{}
		}
		c := n.children[prefix[i]]
		if c == nil {
			c = &prefixTrie{}
			n.children[prefix[i]] = c
		}
		n = c
	}
	if !slices.Contains(n.rules, r) {
		n.rules = append(n.rules, r)
	}
}

// count returns the number of patterns under exactly this prefix.
func (t *prefixTrie) count(prefix string) int {
	n := t
	for i := 0; i < len(prefix) && n != nil; i++ {
		n = n.children[prefix[i]]
	}
	if n == nil {
		return 0
	}
	return len(n.rules)
}

// remove drops the pattern from the prefix and prunes the nodes left empty.
func (t *prefixTrie) remove(prefix string, r *rule) {
	nodes := make([]*prefixTrie, 0, len(prefix)+1)
	n := t
	nodes = append(nodes, n)
	for i := 0; i < len(prefix); i++ {
		if n = n.children[prefix[i]]; n == nil {
			return
		}
		nodes = append(nodes, n)
	}
	n.rules = slices.DeleteFunc(n.rules, func(x *rule) bool { return x == r })
	for i := len(nodes) - 1; i > 0 && nodes[i].empty(); i-- {
		delete(nodes[i-1].children, prefix[i-1])
	}
}

func (t *prefixTrie) empty() bool { return len(t.rules) == 0 && len(t.children) == 0 }

// collect appends the patterns of every prefix the value starts with.
func (t *prefixTrie) collect(value string, out *[]*rule) {
	n := t
	*out = append(*out, n.rules...)
	for i := 0; i < len(value); i++ {
		if n = n.children[value[i]]; n == nil {
			return
		}
		*out = append(*out, n.rules...)
	}
}
