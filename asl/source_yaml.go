package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/batonhq/baton/asl/internal/value"
)

// maxYAMLNodes bounds the size of a YAML document once its aliases are
// expanded, so that a few nested aliases ("billion laughs") cannot make
// Baton build an enormous tree.
const maxYAMLNodes = 1 << 20

// yamlReader converts go-yaml's syntax tree into a source tree.
type yamlReader struct {
	anchors map[string]*srcNode
	sizes   map[string]int // expanded size of each anchored subtree
	nodes   int            // nodes produced so far, aliases counted in full
	depth   int
}

// readYAML parses one YAML document into a source tree. The document must
// hold JSON-compatible values only.
func readYAML(src []byte) (root *srcNode, err error) {
	// go-yaml is third-party code fed with untrusted input: turn any panic
	// into an error rather than taking the process down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &sourceError{pos: Pos{Line: 1, Col: 1}, msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	f, err := parser.ParseBytes(src, 0)
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
	r := &yamlReader{anchors: map[string]*srcNode{}, sizes: map[string]int{}}
	return r.node(body)
}

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

// count charges n nodes against the document's budget.
func (r *yamlReader) count(n ast.Node, k int) error {
	r.nodes += k
	if r.nodes > maxYAMLNodes {
		return r.errorf(n, "document too large once its aliases are expanded")
	}
	return nil
}

func (r *yamlReader) node(n ast.Node) (*srcNode, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxSourceDepth {
		return nil, r.errorf(n, "document nested too deeply (more than %d levels)", maxSourceDepth)
	}
	if err := r.count(n, 1); err != nil {
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
		before := r.nodes
		v, err := r.node(t.Value)
		if err != nil {
			return nil, err
		}
		if t.Name != nil {
			name := t.Name.GetToken().Value
			r.anchors[name] = v
			r.sizes[name] = r.nodes - before
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
		// The alias shares the anchored subtree; charge its full size.
		if err := r.count(n, r.sizes[name]); err != nil {
			return nil, err
		}
		return v, nil
	case *ast.MappingNode:
		return r.mapping(t.Values, p)
	case *ast.MappingValueNode:
		return r.mapping([]*ast.MappingValueNode{t}, p)
	case *ast.SequenceNode:
		arr := &srcNode{kind: kindArray, pos: p, elems: []*srcNode{}}
		for _, e := range t.Values {
			v, err := r.node(e)
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
		var v *srcNode
		if mv.Value == nil {
			v = &srcNode{kind: kindNull, pos: yamlPos(mv)}
		} else if v, err = r.node(mv.Value); err != nil {
			return nil, err
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
