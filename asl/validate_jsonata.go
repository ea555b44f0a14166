package asl

import (
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/batonhq/baton/asl/internal/jsonata"
)

// Diagnostic codes of JSONata expressions, as AWS names them.
const (
	CodeInvalidJSONata     = "INVALID_JSONATA_EXPRESSION"     // a JSONata string does not parse
	CodeUnsupportedJSONata = "UNSUPPORTED_JSONATA_EXPRESSION" // it reads "$", "$$" or a field at the top level
)

// jsonataState checks every JSONata string of a JSONata state: that it
// compiles, and that it respects the States Language's restrictions.
func (p *defParser) jsonataState(st *State) {
	at := func(field string) string { return st.Pointer + "/" + field }
	if st.HasOutput {
		p.jsonataValue(at("Output"), st.Output)
	}
	if st.HasArguments {
		p.jsonataValue(at("Arguments"), st.Arguments)
	}
	if st.Assign != nil {
		p.jsonataValue(at("Assign"), st.Assign)
	}
	if st.HasItems {
		p.jsonataValue(at("Items"), st.Items)
	}
	if st.HasItemSelector {
		p.jsonataValue(at("ItemSelector"), st.ItemSelector)
	}
	for _, f := range []struct{ name, value string }{
		{"TimeoutSeconds", st.TimeoutSecondsExpr},
		{"HeartbeatSeconds", st.HeartbeatSecondsExpr},
		{"Seconds", st.SecondsExpr},
		{"Timestamp", st.Timestamp},
		{"Error", st.Error},
		{"Cause", st.Cause},
		{"MaxConcurrency", st.MaxConcurrencyExpr},
		{"ToleratedFailureCount", st.ToleratedFailureCountExpr},
		{"ToleratedFailurePercentage", st.ToleratedFailurePercentageExpr},
	} {
		if f.value != "" {
			p.jsonataValue(at(f.name), f.value)
		}
	}
	for i, r := range st.Choices {
		ptr := st.Pointer + "/Choices/" + strconv.Itoa(i)
		p.jsonataValue(ptr+"/Condition", r.Condition)
		if r.HasOutput {
			p.jsonataValue(ptr+"/Output", r.Output)
		}
		if r.Assign != nil {
			p.jsonataValue(ptr+"/Assign", r.Assign)
		}
	}
	for i, c := range st.Catch {
		ptr := st.Pointer + "/Catch/" + strconv.Itoa(i)
		if c.HasOutput {
			p.jsonataValue(ptr+"/Output", c.Output)
		}
		if c.Assign != nil {
			p.jsonataValue(ptr+"/Assign", c.Assign)
		}
	}
}

// jsonataValue checks the JSONata strings in v, at any depth.
func (p *defParser) jsonataValue(ptr string, v any) {
	switch t := v.(type) {
	case string:
		if !jsonata.IsExpression(t) {
			return
		}
		src := jsonata.Inner(t)
		if _, err := jsonata.Compile(src); err != nil {
			p.reportAt(ptr, CodeInvalidJSONata, "The JSONata expression '%s' is not valid: %v", src, err)
			return
		}
		var re *jsonata.RestrictionError
		if err := jsonata.CheckRestrictions(src); errors.As(err, &re) {
			p.reportAt(ptr, CodeUnsupportedJSONata, "%s", re.Message)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			p.jsonataValue(ptr+"/"+pointerToken(k), t[k])
		}
	case []any:
		for i, e := range t {
			p.jsonataValue(ptr+"/"+strconv.Itoa(i), e)
		}
	}
}
