package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/batonhq/baton/internal/value"
)

// maxYAMLExpanded bounds the size as JSON of a YAML document of size bytes
// once its aliases are expanded, so that a few nested aliases ("billion
// laughs"), or many aliases of a long string, cannot make what reads the
// tree in full (a walk, a conversion to JSON, an execution's output) build
// something enormous. Without aliases, a document is at most about twice
// as large in JSON as in YAML.
func maxYAMLExpanded(size int) int { return 1<<20 + 4*size }

// yamlReader converts go-yaml's syntax tree into a source tree.
type yamlReader struct {
	anchors map[string]*srcNode
	sizes   map[string]anchorSize
	nodes   int      // nodes produced so far, aliases counted in full
	bytes   int      // about the size of those nodes as JSON
	maxSize int      // the limit of bytes
	cost    pathCost // aliases charged in full too
	depth   int
}

// anchorSize is what an alias of an anchored subtree costs: its nodes, their
// size as JSON and the lengths of their pointers below the subtree's root.
type anchorSize struct{ nodes, bytes, paths int }

// readYAML parses one YAML document into a source tree. The document must
// hold JSON-compatible values only.
func readYAML(src []byte) (root *srcNode, err error) {
	if len(src) > largeYAML {
		largeYAMLGate <- struct{}{}
		defer func() { <-largeYAMLGate }()
	}
	// Most documents are plain block YAML, read at a fraction of go-yaml's
	// cost; the others, and every error, are go-yaml's.
	if root, ok := readBlockYAML(src); ok {
		return root, nil
	}
	return readGoYAML(src)
}

// readGoYAML parses one YAML document with go-yaml, within the bounds.
func readGoYAML(src []byte) (root *srcNode, err error) {
	// go-yaml is third-party code fed with untrusted input: turn any panic
	// into an error rather than taking the process down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &sourceError{pos: Pos{Line: 1, Col: 1}, msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	// go-yaml's lexer is linear in the input, but its parser gives every
	// node a copy of its whole path ("$.a.b[0]..."): its cost grows with
	// the number of nodes times their depth and key lengths, 1.4 GB for a
	// 60 KB "[[[...]]]". The tokens are checked first, in one pass.
	tokens := lexer.Tokenize(string(src))
	if err := checkYAMLTokens(tokens, pathBudget(len(src)), blockKeysBudget(len(src))); err != nil {
		return nil, err
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, yamlError(err)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil || isYAMLComment(doc.Body) {
			continue
		}
		if body != nil {
			return nil, &sourceError{pos: yamlPos(doc.Body), msg: "a definition must be a single YAML document"}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil
	}
	r := &yamlReader{anchors: map[string]*srcNode{}, sizes: map[string]anchorSize{},
		maxSize: maxYAMLExpanded(len(src)), cost: newPathCost(len(src))}
	return r.node(body)
}

// go-yaml's lexer and parser build 400 to 600 bytes of tokens and nodes
// for every byte of a document, however it is shaped: a valid 1 MiB flow
// sequence took 600 MB, and six of them validated at once took a server to
// 3.1 GB. Documents larger than largeYAML are therefore parsed one at a
// time (the others wait), which bounds that memory to one document's worth;
// smaller ones, the common case, do not wait.
const largeYAML = 64 << 10

var largeYAMLGate = make(chan struct{}, 1)

// yamlFrame is a collection open at some point of the token stream.
type yamlFrame struct {
	col  int  // column of a block collection; 0 for flow collections
	seq  bool // a sequence (else a mapping)
	idx  int  // index of the current entry of a sequence, keys of a mapping
	cost int  // bytes this level adds to go-yaml's path of a node below it
}

// blockKeysBudget bounds the bytes go-yaml copies to parse the block
// mappings of a document of size bytes: it parses a block mapping of n keys
// recursively, each key appending the ones after it to its own list (4n²
// bytes, 6 GB and 6 s for 40,000 keys). This is transient garbage, unlike
// the paths, hence a larger budget: about 9,000 keys in one mapping of a
// 1 MiB document, 4,000 in a small one.
func blockKeysBudget(size int) int { return 64<<20 + 256*size }

// checkYAMLTokens rejects, in one pass over the tokens, documents nested
// deeper than maxSourceDepth and documents whose node paths would cost
// go-yaml's parser more than budget bytes (see pathBudget): it gives every
// node a copy of its path ("$.a.b[0]..."), which costs the number of nodes
// times their depth and key lengths (1.4 GB for a 60 KB "[[[...]]]", 5 GB for 200 KB of
// sequence entries under a 100 KB key). It follows the nesting the way the
// parser does: flow collections by their brackets, block collections by
// the column of their entries. Where YAML is ambiguous it counts deeper
// rather than shallower; the tree reader still checks the exact depth.
func checkYAMLTokens(tokens token.Tokens, budget, keysBudget int) error {
	var (
		stack  []yamlFrame
		path   = 1 // len("$") plus the costs of the open frames
		spent  int
		copies int          // bytes go-yaml copies for block mapping keys
		props  int          // anchors and tags in a row: each wraps a node
		prev   *token.Token // the previous token that is not a comment
	)
	push := func(f yamlFrame) {
		stack = append(stack, f)
		path += f.cost
	}
	pop := func() {
		path -= stack[len(stack)-1].cost
		stack = stack[:len(stack)-1]
	}
	top := func() *yamlFrame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	setCost := func(f *yamlFrame, cost int) {
		path += cost - f.cost
		f.cost = cost
	}
	// closeBlocks ends the block collections that an entry at col is
	// outside of; a sequence at the column of a mapping's keys is the
	// value of a key and ends at the next key.
	closeBlocks := func(col int, key bool) {
		for t := top(); t != nil && t.col > 0 && (t.col > col || (key && t.col == col && t.seq)); t = top() {
			pop()
		}
	}
	// blockKey enters the block mapping whose key starts at col.
	blockKey := func(col int, key string) {
		closeBlocks(col, true)
		cost := keyPathCost(key)
		if t := top(); t != nil && t.col == col && !t.seq {
			setCost(t, cost)
			t.idx++
			copies += 8 * t.idx
			return
		}
		push(yamlFrame{col: col, cost: cost})
	}
	for _, tk := range tokens {
		p := tk.Position
		charge := 1 // copies of the path the parser makes for this token
		switch tk.Type {
		case token.CommentType:
			continue
		case token.DocumentHeaderType, token.DocumentEndType:
			stack, path = stack[:0], 1
		case token.SequenceStartType:
			push(yamlFrame{seq: true, cost: indexPathCost(0)})
		case token.MappingStartType:
			push(yamlFrame{cost: keyPathCost("")})
		case token.SequenceEndType, token.MappingEndType:
			for len(stack) > 0 {
				flow := top().col == 0
				pop()
				if flow {
					break
				}
			}
		case token.CollectEntryType:
			if t := top(); t != nil && t.col == 0 && t.seq {
				t.idx++
				setCost(t, indexPathCost(t.idx))
			}
		case token.SequenceEntryType:
			closeBlocks(p.Column, false)
			if t := top(); t != nil && t.col == p.Column && t.seq {
				t.idx++
				setCost(t, indexPathCost(t.idx))
			} else {
				push(yamlFrame{col: p.Column, seq: true, cost: indexPathCost(0)})
			}
		case token.MappingKeyType:
			if t := top(); t == nil || t.col > 0 {
				blockKey(p.Column, "")
			}
		case token.MappingValueType:
			charge = 3 // the value's path and two for the key's duplicate check
			if prev == nil {
				break
			}
			if t := top(); t != nil && t.col == 0 {
				setCost(t, keyPathCost(prev.Value))
			} else if prev.Position.Line == p.Line {
				blockKey(prev.Position.Column, prev.Value)
			}
		}
		if tk.Type == token.AnchorType || tk.Type == token.TagType {
			props++
		} else {
			props = 0
		}
		if len(stack)+props > maxSourceDepth {
			return &sourceError{pos: Pos{Line: p.Line, Col: p.Column},
				msg: fmt.Sprintf("document nested too deeply (more than %d levels)", maxSourceDepth)}
		}
		spent += charge * path
		if spent > budget {
			return &sourceError{pos: Pos{Line: p.Line, Col: p.Column}, msg: errTooCostly(budget).Error()}
		}
		if copies > keysBudget {
			return &sourceError{pos: Pos{Line: p.Line, Col: p.Column}, msg: fmt.Sprintf(
				"this YAML block mapping has too many keys for this document to parse in reasonable time "+
					"(%d keys; the YAML parser's work grows with the square of a block mapping's keys): "+
					"write the mapping in flow style ({k: v, ...}) or the definition in JSON", top().idx+1)}
		}
		prev = tk
	}
	return nil
}

// keyPathCost is what a mapping key adds to go-yaml's path: ".key", or
// ".'key'" when the key holds a character that paths use.
func keyPathCost(key string) int {
	if strings.ContainsAny(key, "$*.[]") {
		return len(key) + 3
	}
	return len(key) + 1
}

// indexPathCost is what a sequence index adds to go-yaml's path: "[12]".
func indexPathCost(i int) int { return indexLen(i) + 2 }

// yamlError gives a go-yaml error the position it carries.
func yamlError(err error) error {
	var se *yaml.SyntaxError
	if errors.As(err, &se) && se.Token != nil {
		return &sourceError{pos: Pos{Line: se.Token.Position.Line, Col: se.Token.Position.Column}, msg: se.Message}
	}
	return &sourceError{pos: Pos{Line: 1, Col: 1}, msg: err.Error()}
}

func isYAMLComment(n ast.Node) bool {
	switch n.(type) {
	case *ast.CommentNode, *ast.CommentGroupNode:
		return true
	}
	return false
}

// yamlPos is where a node's text starts. A block mapping's token is the ':'
// of its first entry, so it is placed at its first key instead.
func yamlPos(n ast.Node) Pos {
	switch t := n.(type) {
	case *ast.MappingNode:
		if t.Start != nil && t.Start.Type != token.MappingStartType && len(t.Values) > 0 {
			return yamlPos(t.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return yamlPos(t.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{Line: 1, Col: 1}
	}
	return Pos{Line: tk.Position.Line, Col: tk.Position.Column}
}

func (r *yamlReader) errorf(n ast.Node, format string, args ...any) error {
	return &sourceError{pos: yamlPos(n), msg: fmt.Sprintf(format, args...)}
}

// count charges k nodes of size bytes as JSON, whose pointers add up to
// paths bytes, against the document's budgets.
func (r *yamlReader) count(n ast.Node, k, size, paths int) error {
	r.nodes += k
	r.bytes += size
	if r.bytes > r.maxSize {
		return r.errorf(n, "document too large once its aliases are expanded (more than %d bytes as JSON)", r.maxSize)
	}
	if err := r.cost.charge(paths); err != nil {
		return r.errorf(n, "%s", err)
	}
	return nil
}

func (r *yamlReader) node(n ast.Node) (*srcNode, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxSourceDepth {
		return nil, r.errorf(n, "document nested too deeply (more than %d levels)", maxSourceDepth)
	}
	if err := r.count(n, 1, 1+scalarSize(n), r.cost.ptr); err != nil {
		return nil, err
	}
	p := yamlPos(n)
	switch t := n.(type) {
	case *ast.NullNode:
		return &srcNode{kind: kindNull, pos: p}, nil
	case *ast.BoolNode:
		return &srcNode{kind: kindBool, pos: p, val: t.Value}, nil
	case *ast.IntegerNode:
		return r.integer(t, p)
	case *ast.FloatNode:
		if math.IsInf(t.Value, 0) || math.IsNaN(t.Value) {
			return nil, r.errorf(n, "%s is not a JSON number", t.Token.Value)
		}
		return &srcNode{kind: kindNumber, pos: p, val: t.Value}, nil
	case *ast.InfinityNode, *ast.NanNode:
		return nil, r.errorf(n, "%s is not a JSON number", n.GetToken().Value)
	case *ast.StringNode:
		// go-yaml leaves plain integers too big for 64 bits as strings;
		// YAML's core schema reads them as numbers, and so does JSON.
		if t.Token != nil && t.Token.Type == token.StringType && value.IsIntegerText(t.Value) {
			return &srcNode{kind: kindNumber, pos: p, val: json.Number(t.Value)}, nil
		}
		return &srcNode{kind: kindString, pos: p, val: t.Value}, nil
	case *ast.LiteralNode:
		s := ""
		if t.Value != nil {
			s = t.Value.Value
		}
		return &srcNode{kind: kindString, pos: p, val: s}, nil
	case *ast.TagNode:
		return r.tagged(t, p)
	case *ast.AnchorNode:
		nodes, size, paths := r.nodes, r.bytes, r.cost.spent
		v, err := r.node(t.Value)
		if err != nil {
			return nil, err
		}
		if t.Name != nil {
			name := t.Name.GetToken().Value
			r.anchors[name] = v
			nodes = r.nodes - nodes
			r.sizes[name] = anchorSize{nodes: nodes, bytes: r.bytes - size, paths: r.cost.spent - paths - nodes*r.cost.ptr}
		}
		return v, nil
	case *ast.AliasNode:
		name := ""
		if t.Value != nil {
			name = t.Value.GetToken().Value
		}
		v, ok := r.anchors[name]
		if !ok {
			return nil, r.errorf(n, "unknown alias %q", name)
		}
		// The alias shares the anchored subtree; charge its full size,
		// and the pointers its nodes have here.
		size := r.sizes[name]
		if err := r.count(n, size.nodes, size.bytes, size.paths+size.nodes*r.cost.ptr); err != nil {
			return nil, err
		}
		return v, nil
	case *ast.MappingNode:
		return r.mapping(t.Values, p)
	case *ast.MappingValueNode:
		return r.mapping([]*ast.MappingValueNode{t}, p)
	case *ast.SequenceNode:
		arr := &srcNode{kind: kindArray, pos: p, elems: []*srcNode{}}
		for i, e := range t.Values {
			r.cost.enter(indexLen(i))
			v, err := r.node(e)
			r.cost.leave(indexLen(i))
			if err != nil {
				return nil, err
			}
			arr.elems = append(arr.elems, v)
		}
		return arr, nil
	default:
		return nil, r.errorf(n, "unsupported YAML construct (%s)", n.Type())
	}
}

// scalarSize is about the size as JSON of a scalar node's value.
func scalarSize(n ast.Node) int {
	switch t := n.(type) {
	case *ast.StringNode:
		return len(t.Value) + 2
	case *ast.LiteralNode:
		if t.Value != nil {
			return len(t.Value.Value) + 2
		}
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode:
		if tk := n.GetToken(); tk != nil {
			return len(tk.Value)
		}
	}
	return 0
}

func (r *yamlReader) integer(t *ast.IntegerNode, p Pos) (*srcNode, error) {
	switch v := t.Value.(type) {
	case int64:
		return &srcNode{kind: kindNumber, pos: p, val: v}, nil
	case uint64:
		if v <= math.MaxInt64 {
			return &srcNode{kind: kindNumber, pos: p, val: int64(v)}, nil
		}
		return &srcNode{kind: kindNumber, pos: p, val: json.Number(strconv.FormatUint(v, 10))}, nil
	}
	return nil, r.errorf(t, "invalid integer %q", t.Token.Value)
}

// tagged handles the standard tags; application tags have no JSON meaning.
func (r *yamlReader) tagged(t *ast.TagNode, p Pos) (*srcNode, error) {
	if t.Value == nil {
		return nil, r.errorf(t, "tag %s has no value", t.Start.Value)
	}
	text := ""
	if _, ok := t.Value.(ast.ScalarNode); ok && t.Value.GetToken() != nil {
		text = t.Value.GetToken().Value
	}
	switch token.ReservedTagKeyword(t.Start.Value) {
	case token.StringTag:
		if _, ok := t.Value.(ast.ScalarNode); !ok {
			return nil, r.errorf(t, "!!str must tag a scalar")
		}
		if lit, ok := t.Value.(*ast.LiteralNode); ok && lit.Value != nil {
			text = lit.Value.Value
		}
		return &srcNode{kind: kindString, pos: p, val: text}, nil
	case token.IntegerTag, token.FloatTag:
		if _, ok := numberValue(text).(json.Number); ok || !isJSONNumber(text) {
			return nil, r.errorf(t, "%q is not a number", text)
		}
		return &srcNode{kind: kindNumber, pos: p, val: numberValue(text)}, nil
	case token.NullTag:
		return &srcNode{kind: kindNull, pos: p}, nil
	case token.BooleanTag, token.MappingTag, token.SequenceTag:
		v, err := r.node(t.Value)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, r.errorf(t, "unsupported YAML tag %s", t.Start.Value)
}

// isJSONNumber reports whether s is a number in JSON syntax.
func isJSONNumber(s string) bool {
	n, err := readJSON([]byte(s))
	return err == nil && n != nil && n.kind == kindNumber
}

// mapping converts the entries of a mapping, applying merge keys ("<<").
func (r *yamlReader) mapping(values []*ast.MappingValueNode, p Pos) (*srcNode, error) {
	obj := &srcNode{kind: kindObject, pos: p}
	var merged []srcMember
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if mv.Key.IsMergeKey() {
			ms, err := r.mergeSource(mv.Value)
			if err != nil {
				return nil, err
			}
			merged = append(merged, ms...)
			continue
		}
		key, err := r.key(mv.Key)
		if err != nil {
			return nil, err
		}
		if err := r.count(mv.Key, 0, len(key)+3, 0); err != nil {
			return nil, err
		}
		var v *srcNode
		if mv.Value == nil {
			v = &srcNode{kind: kindNull, pos: yamlPos(mv)}
		} else {
			r.cost.enter(len(key))
			v, err = r.node(mv.Value)
			r.cost.leave(len(key))
			if err != nil {
				return nil, err
			}
		}
		obj.members = append(obj.members, srcMember{key: key, keyPos: yamlPos(mv.Key), value: v})
	}
	// Explicit keys win over merged ones, and earlier merges over later.
	for _, m := range merged {
		if obj.member(m.key) == nil {
			obj.members = append(obj.members, m)
		}
	}
	return obj, nil
}

// mergeSource returns the members a merge key brings in: a mapping, or a
// sequence of mappings.
func (r *yamlReader) mergeSource(n ast.Node) ([]srcMember, error) {
	v, err := r.node(n)
	if err != nil {
		return nil, err
	}
	switch v.kind {
	case kindObject:
		return v.members, nil
	case kindArray:
		var ms []srcMember
		for _, e := range v.elems {
			if e.kind != kindObject {
				return nil, r.errorf(n, "a merge key needs mappings")
			}
			ms = append(ms, e.members...)
		}
		return ms, nil
	}
	return nil, r.errorf(n, "a merge key needs a mapping")
}

// key returns the text of a mapping key; JSON keys are strings.
func (r *yamlReader) key(k ast.MapKeyNode) (string, error) {
	var n ast.Node = k
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	if tag, ok := n.(*ast.TagNode); ok {
		n = tag.Value
	}
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, nil
	case *ast.LiteralNode:
		if t.Value != nil {
			return t.Value.Value, nil
		}
		return "", nil
	case ast.ScalarNode:
		if tk := t.GetToken(); tk != nil {
			return tk.Value, nil
		}
	}
	return "", r.errorf(n, "a mapping key must be a scalar")
}
