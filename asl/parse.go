package asl

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"
)

// The query languages.
const (
	qlJSONPath = "JSONPath"
	qlJSONata  = "JSONata"
)

// maxStateNameLen is the spec's limit on state names, in characters.
const maxStateNameLen = 80

// Parse reads a definition in JSON or YAML (JSON if the first non-space byte
// is '{'), checks it against every rule of the Amazon States Language, and
// returns its tree. On any problem it returns a *ValidationError holding all
// the diagnostics, sorted by position.
func Parse(src []byte) (*Definition, error) {
	return parseSource("", src)
}

// ParseFile is Parse on the content of a file; diagnostics carry its name.
func ParseFile(path string) (*Definition, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseSource(path, src)
}

func parseSource(file string, src []byte) (*Definition, error) {
	p := &defParser{file: file, topQL: qlJSONPath, names: map[string][]string{}}
	root, ok := p.read(src)
	if !ok {
		return nil, p.failure()
	}
	p.source, p.keyPos = buildSourceMap(root)
	def := p.machine(root, "", machineTop)
	p.reportDuplicateKeys(root)
	p.validate(def)
	if len(p.diags) > 0 {
		return nil, p.failure()
	}
	return def, nil
}

// defParser turns a source tree into a Definition, collecting diagnostics
// on the way instead of stopping at the first one.
type defParser struct {
	file   string
	source *SourceMap
	keyPos map[string]Pos // where the key of each object member starts
	diags  []Diagnostic
	topQL  string              // the machine's query language
	names  map[string][]string // state name -> pointers of the states so named
}

func (p *defParser) failure() error {
	return &ValidationError{Diagnostics: sortDiagnostics(p.diags)}
}

// report records a diagnostic at pos.
func (p *defParser) report(ptr string, pos Pos, code, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{
		File:    p.file,
		Pointer: ptr,
		Pos:     pos,
		Code:    code,
		Message: fmt.Sprintf(format, args...),
	})
}

// reportAt records a diagnostic at the value ptr points to.
func (p *defParser) reportAt(ptr, code, format string, args ...any) {
	p.report(ptr, p.source.Lookup(ptr), code, format, args...)
}

// reportKey records a diagnostic at the key of the member ptr points to,
// for problems with the name rather than the value.
func (p *defParser) reportKey(ptr, code, format string, args ...any) {
	pos, ok := p.keyPos[ptr]
	if !ok {
		pos = p.source.Lookup(ptr)
	}
	p.report(ptr, pos, code, format, args...)
}

// read detects the format and parses src into a source tree.
func (p *defParser) read(src []byte) (*srcNode, bool) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(trimmed) == 0 {
		p.report("", Pos{Line: 1, Col: 1}, CodeMissingDefinition, "The definition is empty")
		return nil, false
	}
	var (
		root *srcNode
		err  error
		code string
	)
	if trimmed[0] == '{' {
		code = CodeInvalidJSON
		root, err = readJSON(src)
	} else {
		code = CodeInvalidYAML
		if !utf8.Valid(src) {
			p.report("", Pos{Line: 1, Col: 1}, code, "The definition is not valid UTF-8")
			return nil, false
		}
		root, err = readYAML(src)
	}
	var se *sourceError
	switch {
	case errors.As(err, &se):
		p.report("", se.pos, code, "%s", se.msg)
		return nil, false
	case err != nil:
		p.report("", Pos{Line: 1, Col: 1}, code, "%s", err.Error())
		return nil, false
	case root == nil:
		p.report("", Pos{Line: 1, Col: 1}, CodeMissingDefinition, "The definition is empty")
		return nil, false
	}
	return root, true
}

// reportDuplicateKeys reports the duplicate keys of every object not
// already checked (state names are reported as DUPLICATE_STATE_NAME).
func (p *defParser) reportDuplicateKeys(root *srcNode) {
	walkSource(root, "", func(n *srcNode, ptr string) {
		if n.kind != kindObject || n.dupsReported {
			return
		}
		n.dupsReported = true
		for _, m := range n.duplicates() {
			p.report(ptr+"/"+pointerToken(m.key), m.keyPos, CodeSchema, "Duplicate field '%s'", m.key)
		}
	})
}

// machineKind tells which object holds a set of states.
type machineKind int

const (
	machineTop       machineKind = iota // the definition itself
	machineBranch                       // a Parallel branch
	machineProcessor                    // a Map's ItemProcessor or Iterator
)

// machine reads a state machine object: the top level, a branch or an
// ItemProcessor.
func (p *defParser) machine(n *srcNode, ptr string, kind machineKind) *Definition {
	d := &Definition{Pointer: ptr, Source: p.source, States: map[string]*State{}, QueryLanguage: p.topQL}
	o, ok := p.object(n, ptr, "")
	if !ok {
		return d
	}
	switch kind {
	case machineTop:
		o.allowOnly(topLevelFields)
		if ql, ok := o.str("QueryLanguage"); ok {
			if o.oneOf("QueryLanguage", ql, qlJSONPath, qlJSONata) {
				p.topQL, d.QueryLanguage = ql, ql
			}
		}
		d.TimeoutSeconds = o.integer("TimeoutSeconds", 1, maxSeconds)
		d.Version, _ = o.str("Version")
	case machineBranch:
		o.allowOnly(branchFields)
	case machineProcessor:
		o.allowOnly(processorFields)
	}
	o.require("StartAt", "States")
	d.Comment, _ = o.str("Comment")
	d.StartAt = o.target("StartAt")
	states, ok := o.object("States")
	if !ok {
		return d
	}
	states.n.dupsReported = true
	seen := map[string]bool{}
	for _, m := range states.n.members {
		sptr := states.at(m.key)
		if seen[m.key] {
			p.report(sptr, m.keyPos, CodeDuplicateState, "Duplicate State name: %s", m.key)
		} else {
			d.StateOrder = append(d.StateOrder, m.key)
			p.names[m.key] = append(p.names[m.key], sptr)
		}
		seen[m.key] = true
		switch l := utf8.RuneCountInString(m.key); {
		case l == 0:
			p.report(sptr, m.keyPos, CodeInvalidStateName, "State names must not be empty")
		case l > maxStateNameLen:
			p.report(sptr, m.keyPos, CodeInvalidStateName, "State name %q is longer than %d characters", m.key, maxStateNameLen)
		}
		d.States[m.key] = p.state(m.key, m.value, sptr)
	}
	return d
}
