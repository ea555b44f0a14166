package asl

import (
	"fmt"

	"github.com/batonhq/baton/asl/internal/jsonata"
	"slices"
	"strings"
)

// state reads one state object.
func (p *defParser) state(name string, n *srcNode, ptr string) *State {
	st := &State{Name: name, Pointer: ptr}
	o, ok := p.object(n, ptr, fmt.Sprintf("State '%s'", name))
	if !ok {
		return st
	}
	st.Comment, _ = o.str("Comment")
	ql := p.topQL
	if v, ok := o.str("QueryLanguage"); ok && o.oneOf("QueryLanguage", v, qlJSONPath, qlJSONata) {
		st.QueryLanguage, ql = v, v
		if v == qlJSONPath && p.topQL == qlJSONata {
			// Step Functions allows JSONata states in a JSONPath machine,
			// not the other way round; AWS words it so.
			o.errorf("QueryLanguage", "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
		}
	}
	t := o.get("Type")
	if t == nil || t.kind != kindString || !isStateType(t.val.(string)) {
		if t == nil {
			o.require("Type")
		} else {
			o.errorf("Type", "The field 'Type' should have one of these values: [%s]", strings.Join(stateTypes, ", "))
		}
		// Read the transitions all the same, so that the graph checks
		// do not report the states after this one as unreachable.
		st.Next = o.target("Next")
		st.End, _ = o.boolean("End")
		return st
	}
	typ := t.val.(string)
	st.Type = typ
	o.jsonata = ql == qlJSONata
	if o.jsonata {
		o = o.allowOnlyIn(jsonataStateFields[typ], jsonPathStateFields[typ], qlJSONata)
		st.Output, st.HasOutput = o.plain("Output")
		st.Arguments, st.HasArguments = o.plain("Arguments")
		if st.HasArguments {
			o.objectOrExpression("Arguments")
		}
	} else {
		o = o.allowOnlyIn(jsonPathStateFields[typ], jsonataStateFields[typ], qlJSONPath)
		st.InputPath = o.optPath("InputPath", true)
		st.OutputPath = o.optPath("OutputPath", true)
		st.ResultPath = o.optPath("ResultPath", true)
		st.ResultSelector, st.HasResultSel = o.objectValue("ResultSelector")
		if typ != "Map" { // a Map's Parameters is its legacy ItemSelector
			st.Parameters, st.HasParameters = o.objectValue("Parameters")
		}
	}
	if o.has("Assign") {
		st.Assign, _ = o.objectValue("Assign")
	}
	switch typ {
	case "Choice", "Succeed", "Fail":
	default:
		p.transition(o, st)
	}
	switch typ {
	case "Task":
		p.task(o, st)
	case "Pass":
		st.Result, st.HasResult = o.plain("Result")
	case "Wait":
		p.wait(o, st)
	case "Fail":
		o.exclusive("Error", "ErrorPath")
		o.exclusive("Cause", "CausePath")
		st.Error, _ = o.str("Error")
		st.ErrorPath, _ = o.str("ErrorPath")
		st.Cause, _ = o.str("Cause")
		st.CausePath, _ = o.str("CausePath")
	case "Choice":
		p.choices(o, st)
	case "Parallel":
		p.parallel(o, st)
	case "Map":
		p.mapState(o, st)
	}
	if typ == "Task" || typ == "Parallel" || typ == "Map" {
		p.retriers(o, st)
		p.catchers(o, st)
	}
	return st
}

func isStateType(t string) bool {
	for _, s := range stateTypes {
		if s == t {
			return true
		}
	}
	return false
}

// objectOrExpression checks a JSONata field that takes an object or a
// JSONata string.
func (o srcObject) objectOrExpression(key string) {
	if n := o.get(key); n.kind != kindObject && n.kind != kindString {
		o.errorf(key, "The field '%s' must be an object or a JSONata expression", key)
	}
}

// transition checks that a state has exactly one of Next and "End": true.
func (p *defParser) transition(o srcObject, st *State) {
	st.Next = o.target("Next")
	st.End, _ = o.boolean("End")
	switch {
	case o.has("Next") && st.End:
		o.errorf("End", "A state cannot have both 'Next' and 'End': true")
	case !o.has("Next") && !o.has("End"):
		p.report(o.ptr, o.n.pos, CodeSchema, "A state of type %s must have either 'Next' or 'End': true", st.Type)
	case !o.has("Next") && o.get("End").kind == kindBool && !st.End:
		o.errorf("End", "The field 'End' must be true when the state has no 'Next'")
	}
}

// BuiltinResources are the Task resources Baton runs itself (the "baton:"
// scheme); any other "baton:" resource is a mistake.
var BuiltinResources = []string{"baton:shell", "baton:http"}

func (p *defParser) task(o srcObject, st *State) {
	o.require("Resource")
	if r, ok := o.str("Resource"); ok {
		st.Resource = r
		switch {
		case !isURI(r):
			p.report(o.at("Resource"), o.get("Resource").pos, CodeInvalidResource,
				"The value of the field 'Resource' must be a URI, such as arn:aws:states:::lambda:invoke")
		case strings.HasPrefix(r, "baton:") && !slices.Contains(BuiltinResources, r):
			msg := fmt.Sprintf("Unknown Baton resource %q: Baton provides %s", r, strings.Join(BuiltinResources, ", "))
			if near := nearestName(r, BuiltinResources); near != "" {
				msg = fmt.Sprintf("Unknown Baton resource %q (did you mean %q?): Baton provides %s", r, near, strings.Join(BuiltinResources, ", "))
			}
			p.report(o.at("Resource"), o.get("Resource").pos, CodeInvalidResource, "%s", msg)
		}
	}
	o.exclusive("TimeoutSeconds", "TimeoutSecondsPath")
	o.exclusive("HeartbeatSeconds", "HeartbeatSecondsPath")
	st.TimeoutSeconds = o.integer("TimeoutSeconds", 1, maxSeconds)
	st.TimeoutSecondsExpr = o.expression("TimeoutSeconds")
	st.TimeoutSecondsPath, _ = o.str("TimeoutSecondsPath")
	st.HeartbeatSeconds = o.integer("HeartbeatSeconds", 1, maxSeconds)
	st.HeartbeatSecondsExpr = o.expression("HeartbeatSeconds")
	st.HeartbeatSecondsPath, _ = o.str("HeartbeatSecondsPath")
	if st.TimeoutSeconds != nil && st.HeartbeatSeconds != nil && *st.HeartbeatSeconds >= *st.TimeoutSeconds {
		o.errorf("HeartbeatSeconds", "The field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'")
	}
	if o.has("Credentials") {
		st.Credentials, _ = o.objectValue("Credentials")
	}
}

// isURI reports whether s has the shape of an absolute URI: a scheme, a
// colon, then no spaces or control characters. ASL constrains nothing more.
func isURI(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for k := 0; k < i; k++ {
		c := s[k]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(letter || k > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

func (p *defParser) wait(o srcObject, st *State) {
	keys := []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}
	if o.jsonata {
		keys = []string{"Seconds", "Timestamp"}
	}
	present := 0
	for _, k := range keys {
		if o.has(k) {
			present++
		}
	}
	if present == 0 {
		p.report(o.ptr, o.n.pos, CodeSchema, "Exactly one of these fields is required: [%s]", strings.Join(keys, ", "))
	}
	o.exclusive(keys...)
	st.Seconds = o.integer("Seconds", 0, maxSeconds)
	st.SecondsExpr = o.expression("Seconds")
	st.SecondsPath, _ = o.str("SecondsPath")
	st.TimestampPath, _ = o.str("TimestampPath")
	if ts, ok := o.str("Timestamp"); ok {
		st.Timestamp = ts
		if !(o.jsonata && jsonata.IsExpression(ts)) && !isTimestamp(ts) {
			o.errorf("Timestamp", "The field 'Timestamp' must be a timestamp such as 2016-03-14T01:59:00Z (RFC 3339, uppercase T and Z)")
		}
	}
}
