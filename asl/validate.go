package asl

// validate checks the rules that need the whole tree rather than one field:
// transitions and reachability, terminal states, unique state names, the
// syntax of paths, payload templates and intrinsic functions, and variable
// names and scopes. It appends to p.diags.
func (p *defParser) validate(d *Definition) {
	p.uniqueStateNames()
	p.validateMachine(d, nil)
}

// validateMachine validates d and, recursively, its branches and item
// processors. outer holds the variables assigned in enclosing scopes.
func (p *defParser) validateMachine(d *Definition, outer map[string]bool) {
	p.transitions(d)
	assigned := p.variables(d, outer)
	for _, name := range d.StateOrder {
		st := d.States[name]
		if st.Type == "" {
			continue // not an object, or no valid Type: already reported
		}
		if p.queryLanguage(st) == qlJSONPath {
			p.jsonPathState(st)
		} else {
			p.jsonataState(st)
		}
		for _, b := range st.Branches {
			p.validateMachine(b, assigned)
		}
		if st.ItemProcessor != nil {
			p.validateMachine(st.ItemProcessor, assigned)
		}
	}
}

// queryLanguage is the language a state's fields are written in.
func (p *defParser) queryLanguage(st *State) string {
	if st.QueryLanguage != "" {
		return st.QueryLanguage
	}
	return p.topQL
}
