package asl

import (
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/asl/internal/intrinsic"
	"github.com/batonhq/baton/asl/internal/jsonpath"
)

// jsonPathState checks the paths, payload templates and intrinsic
// functions of a JSONPath state.
func (p *defParser) jsonPathState(st *State) {
	at := func(field string) string { return st.Pointer + "/" + field }
	p.optPath(at("InputPath"), st.InputPath)
	p.optPath(at("OutputPath"), st.OutputPath)
	p.resultPath(at("ResultPath"), st.ResultPath)
	if st.HasParameters {
		p.template(at("Parameters"), st.Parameters)
	}
	if st.HasResultSel {
		p.template(at("ResultSelector"), st.ResultSelector)
	}
	if st.Assign != nil {
		p.template(at("Assign"), st.Assign)
	}
	if c, ok := st.Credentials.(map[string]any); ok {
		p.template(at("Credentials"), c)
	}
	for _, f := range []struct{ name, value string }{
		{"TimeoutSecondsPath", st.TimeoutSecondsPath},
		{"HeartbeatSecondsPath", st.HeartbeatSecondsPath},
		{"SecondsPath", st.SecondsPath},
		{"TimestampPath", st.TimestampPath},
		{"MaxConcurrencyPath", st.MaxConcurrencyPath},
		{"ToleratedFailureCountPath", st.ToleratedFailureCountPath},
		{"ToleratedFailurePercentagePath", st.ToleratedFailurePercentagePath},
	} {
		if f.value != "" {
			p.referencePath(at(f.name), f.value)
		}
	}
	if st.ErrorPath != "" {
		p.pathOrIntrinsic(at("ErrorPath"), st.ErrorPath)
	}
	if st.CausePath != "" {
		p.pathOrIntrinsic(at("CausePath"), st.CausePath)
	}
	if st.Type == "Map" {
		if st.ItemsPath.Set {
			p.referencePath(at("ItemsPath"), st.ItemsPath.Value)
		}
		if st.HasItemSelector {
			field := "ItemSelector"
			if st.LegacyParameters {
				field = "Parameters"
			}
			p.template(at(field), st.ItemSelector)
		}
	}
	for i, r := range st.Choices {
		p.choicePaths(st.Pointer+"/Choices/"+strconv.Itoa(i), r)
	}
	for i, c := range st.Catch {
		ptr := st.Pointer + "/Catch/" + strconv.Itoa(i)
		p.resultPath(ptr+"/ResultPath", c.ResultPath)
		if c.Assign != nil {
			p.template(ptr+"/Assign", c.Assign)
		}
	}
}

// choicePaths checks the paths of a Choice Rule and of its nested rules.
func (p *defParser) choicePaths(ptr string, r *ChoiceRule) {
	if r.Variable != "" {
		p.path(ptr+"/Variable", r.Variable)
	}
	if s, ok := r.Value.(string); ok && comparisonOperators[r.Operator] == operandPath {
		p.path(ptr+"/"+r.Operator, s)
	}
	if r.Assign != nil {
		p.template(ptr+"/Assign", r.Assign)
	}
	for i, n := range r.And {
		p.choicePaths(ptr+"/And/"+strconv.Itoa(i), n)
	}
	for i, n := range r.Or {
		p.choicePaths(ptr+"/Or/"+strconv.Itoa(i), n)
	}
	if r.Not != nil {
		p.choicePaths(ptr+"/Not", r.Not)
	}
}

// fieldName is the last token of a pointer, for messages.
func fieldName(ptr string) string {
	name := ptr[strings.LastIndexByte(ptr, '/')+1:]
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
}

// optPath checks a Path field that may be absent or null.
func (p *defParser) optPath(ptr string, v OptPath) {
	if v.Set && !v.Null {
		p.path(ptr, v.Value)
	}
}

// path checks a Path.
func (p *defParser) path(ptr, s string) {
	if _, err := jsonpath.Parse(s); err != nil {
		p.reportAt(ptr, CodeSchema, "The value for the field '%s' must be a valid JSONPath: %v", fieldName(ptr), err)
	}
}

// referencePath checks a Reference Path.
func (p *defParser) referencePath(ptr, s string) *jsonpath.Path {
	path, err := jsonpath.ParseReference(s)
	if err != nil {
		p.reportAt(ptr, CodeSchema, "The value for the field '%s' must be a valid ReferencePath: %v", fieldName(ptr), err)
		return nil
	}
	return path
}

// resultPath checks a ResultPath: a Reference Path into the state's data,
// never the context object nor a variable.
func (p *defParser) resultPath(ptr string, v OptPath) {
	if !v.Set || v.Null {
		return
	}
	path := p.referencePath(ptr, v.Value)
	switch {
	case path == nil:
	case path.Root() == jsonpath.RootContext:
		p.reportAt(ptr, CodeSchema, "The field '%s' cannot refer to the context object ($$)", fieldName(ptr))
	case path.Root() == jsonpath.RootVariable:
		p.reportAt(ptr, CodeSchema, "The field '%s' cannot refer to a variable", fieldName(ptr))
	}
}

// pathOrIntrinsic checks ErrorPath and CausePath: a Reference Path or an
// intrinsic function call.
func (p *defParser) pathOrIntrinsic(ptr, s string) {
	var err error
	if strings.HasPrefix(s, "$") {
		_, err = jsonpath.ParseReference(s)
	} else {
		_, err = intrinsic.Parse(s)
	}
	if err != nil {
		p.reportAt(ptr, CodeSchema,
			"The value for the field '%s' must be a valid ReferencePath or a valid intrinsic function call: %v", fieldName(ptr), err)
	}
}

// template checks a payload template: every field whose name ends in ".$"
// holds a Path, a context path, a variable or an intrinsic function call,
// however deeply nested, and no two fields clash once ".$" is removed.
func (p *defParser) template(ptr string, v any) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			kptr := ptr + "/" + pointerToken(k)
			base, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				p.template(kptr, t[k])
				continue
			}
			if _, clash := t[base]; clash {
				p.reportKey(kptr, CodeSchema, "The field '%s' clashes with the field '%s' once '.$' is removed", k, base)
			}
			s, ok := t[k].(string)
			if !ok {
				p.reportAt(kptr, CodeSchema,
					"The value for the field '%s' must be a string holding a JSONPath or an intrinsic function call", k)
				continue
			}
			p.dynamicValue(kptr, k, s)
		}
	case []any:
		for i, e := range t {
			p.template(ptr+"/"+strconv.Itoa(i), e)
		}
	}
}

// dynamicValue checks the value of a field whose name ends in ".$".
func (p *defParser) dynamicValue(ptr, key, s string) {
	var err error
	switch {
	case strings.HasPrefix(s, "$"):
		_, err = jsonpath.Parse(s)
	case intrinsic.IsCall(s):
		_, err = intrinsic.Parse(s)
	default:
		p.reportAt(ptr, CodeSchema,
			"The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", key)
		return
	}
	if err != nil {
		p.reportAt(ptr, CodeSchema,
			"The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call: %v", key, err)
	}
}
