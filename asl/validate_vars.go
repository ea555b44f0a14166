package asl

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxVariableNameLen is the spec's limit on variable names, in characters.
const maxVariableNameLen = 80

// assignment is one variable assigned somewhere in a machine.
type assignment struct {
	name, ptr string
}

// assignments lists the variables the states of d assign, in source order:
// in each state's Assign, its Choice Rules' and its Catchers'.
func assignments(d *Definition) []assignment {
	var out []assignment
	add := func(ptr string, m map[string]any) {
		for k := range m {
			name, _ := strings.CutSuffix(k, ".$")
			out = append(out, assignment{name: name, ptr: ptr + "/Assign/" + pointerToken(k)})
		}
	}
	for _, n := range d.StateOrder {
		st := d.States[n]
		add(st.Pointer, st.Assign)
		for i, r := range st.Choices {
			add(st.Pointer+"/Choices/"+strconv.Itoa(i), r.Assign)
		}
		for i, c := range st.Catch {
			add(st.Pointer+"/Catch/"+strconv.Itoa(i), c.Assign)
		}
	}
	return out
}

// variables checks the names the states of d assign and that none is
// assigned in an enclosing scope too, which the spec forbids. It returns
// the variables of d's scope together with the outer ones.
func (p *defParser) variables(d *Definition, outer map[string]bool) map[string]bool {
	scope := make(map[string]bool, len(outer))
	for k := range outer {
		scope[k] = true
	}
	for _, a := range assignments(d) {
		switch {
		case a.name == "states":
			p.reportKey(a.ptr, CodeSchema, "The variable name 'states' is reserved")
		case !isVariableName(a.name):
			p.reportKey(a.ptr, CodeSchema,
				"Invalid variable name '%s': it must be a letter or '_' followed by letters, digits or '_', at most %d characters",
				a.name, maxVariableNameLen)
		case outer[a.name]:
			p.reportKey(a.ptr, CodeSchema,
				"The variable '%s' is assigned in an outer scope; states of a branch or an item processor cannot assign it", a.name)
		}
		scope[a.name] = true
	}
	return scope
}

// isVariableName reports whether s is a Unicode identifier (UAX #31) of at
// most 80 characters. Like most identifier profiles, it also lets '_' start
// a name.
func isVariableName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxVariableNameLen {
		return false
	}
	for i, r := range s {
		if i == 0 && !(r == '_' || isIDStart(r)) || i > 0 && !isIDContinue(r) {
			return false
		}
	}
	return true
}

func isIDStart(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Nl, unicode.Other_ID_Start) &&
		!unicode.In(r, unicode.Pattern_Syntax, unicode.Pattern_White_Space)
}

func isIDContinue(r rune) bool {
	return isIDStart(r) ||
		unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue) &&
			!unicode.In(r, unicode.Pattern_Syntax, unicode.Pattern_White_Space)
}
