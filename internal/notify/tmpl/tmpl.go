// Package tmpl checks and runs the message templates that a notification
// target may give (Go text/template), with the bounds a template written
// by a pipeline's author needs on a shared server: no recursion, no
// numeric ranges (a {{range 1000000000}} would hold a delivery for
// minutes), and output cut at a size.
package tmpl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
)

// MaxSource is the longest template accepted; MaxOutput the most a
// template writes (the rest is cut with a marker).
const (
	MaxSource = 8 << 10
	MaxOutput = 32 << 10
)

// Template is a checked template.
type Template struct{ t *template.Template }

// funcs are the functions templates may call besides text/template's own.
var funcs = template.FuncMap{
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"trim":  strings.TrimSpace,
	// truncate cuts s to n runes, with "…" when cut.
	"truncate": func(n int, s string) string {
		r := []rune(s)
		if n < 0 || len(r) <= n {
			return s
		}
		return string(r[:n]) + "…"
	},
}

// Parse checks src: its syntax, and that it uses no action that could make
// it run without bound. The error says what is wrong and where
// (template: NAME:LINE:COL: ...).
func Parse(name, src string) (*Template, error) {
	if len(src) > MaxSource {
		return nil, fmt.Errorf("the template is %d bytes; at most %d are allowed", len(src), MaxSource)
	}
	t, err := template.New(name).Funcs(funcs).Option("missingkey=zero").Parse(src)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	if len(t.Templates()) > 1 {
		return nil, fmt.Errorf("%s: define and block are not allowed in a message template", name)
	}
	if t.Tree != nil && t.Tree.Root != nil {
		if err := check(t.Tree, t.Tree.Root); err != nil {
			return nil, err
		}
	}
	return &Template{t: t}, nil
}

// check walks the tree and refuses template calls and ranges over numbers.
func check(tree *parse.Tree, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := check(tree, c); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		loc, _ := tree.ErrorContext(n)
		return fmt.Errorf("%s: {{template}} is not allowed in a message template", loc)
	case *parse.RangeNode:
		// Only the data's own lists may be ranged over: they are bounded,
		// where a number (or a variable holding one) is not.
		if !rangesOverData(n.Pipe) {
			loc, _ := tree.ErrorContext(n)
			return fmt.Errorf("%s: {{range}} may only go over a field of the message's data (such as .Summary.ByStatus), not a number or a computed value", loc)
		}
		if err := check(tree, n.List); err != nil {
			return err
		}
		if n.ElseList != nil {
			return check(tree, n.ElseList)
		}
	case *parse.IfNode:
		if err := check(tree, n.List); err != nil {
			return err
		}
		if n.ElseList != nil {
			return check(tree, n.ElseList)
		}
	case *parse.WithNode:
		if err := check(tree, n.List); err != nil {
			return err
		}
		if n.ElseList != nil {
			return check(tree, n.ElseList)
		}
	}
	return nil
}

func rangesOverData(p *parse.PipeNode) bool {
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode, *parse.DotNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 && a.Ident[0] == "$"
	}
	return false
}

// limited is a writer that keeps MaxOutput bytes and then fails, which
// stops the template.
type limited struct{ bytes.Buffer }

var errFull = errors.New("output limit")

func (l *limited) Write(p []byte) (int, error) {
	if room := MaxOutput - l.Len(); len(p) > room {
		l.Buffer.Write(p[:max(room, 0)])
		return 0, errFull
	}
	return l.Buffer.Write(p)
}

// Execute runs the template on data. Output past MaxOutput is cut and
// marked; an error of the template (a field that does not exist on a
// value) is returned with what was written before it.
func (t *Template) Execute(data any) (string, error) {
	var w limited
	err := t.t.Execute(&w, data)
	if errors.Is(err, errFull) {
		return w.String() + "\n[... cut ...]", nil
	}
	if err != nil {
		return w.String(), errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	return w.String(), nil
}
