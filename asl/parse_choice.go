package asl

import (
	"strconv"
	"strings"
)

// choices reads a Choice state's rules and Default.
func (p *defParser) choices(o srcObject, st *State) {
	o.require("Choices")
	elems, _ := o.array("Choices", true)
	for i, e := range elems {
		st.Choices = append(st.Choices, p.choiceRule(e, o.at("Choices")+"/"+strconv.Itoa(i), true, o.jsonata))
	}
	st.Default = o.target("Default")
}

// choiceRule reads a Choice Rule: top-level (a member of Choices, with
// Next) or nested in And, Or or Not.
func (p *defParser) choiceRule(n *srcNode, ptr string, top, jsonata bool) *ChoiceRule {
	r := &ChoiceRule{Pointer: ptr}
	o, ok := p.object(n, ptr, "")
	if !ok {
		return r
	}
	o.jsonata = jsonata
	if jsonata {
		o = o.allowOnly(jsonataChoiceRuleFields)
		o.require("Condition", "Next")
		if c := o.get("Condition"); c != nil {
			r.Condition = c.plain()
			if c.kind != kindBool && o.expression("Condition") == "" {
				o.errorf("Condition", "The field 'Condition' must be a boolean or a JSONata expression")
			}
		}
		r.Output, r.HasOutput = o.plain("Output")
	} else {
		o = o.allowOnly(choiceRuleFields)
		p.comparison(o, r)
	}
	r.Comment, _ = o.str("Comment")
	if !top {
		// Only the rule that is chosen transitions and assigns.
		for _, k := range []string{"Next", "Assign"} {
			if o.has(k) {
				o.errorf(k, "A nested Choice Rule cannot have '%s'", k)
			}
		}
		return r
	}
	o.require("Next")
	r.Next = o.target("Next")
	if o.has("Assign") {
		r.Assign, _ = o.objectValue("Assign")
	}
	return r
}

// comparison reads the operator of a JSONPath rule: And, Or, Not, or a
// data test on Variable.
func (p *defParser) comparison(o srcObject, r *ChoiceRule) {
	var ops []string
	for _, m := range o.n.members {
		if _, ok := comparisonOperators[m.key]; ok || m.key == "And" || m.key == "Or" || m.key == "Not" {
			ops = append(ops, m.key)
		}
	}
	switch len(ops) {
	case 0:
		p.report(o.ptr, o.n.pos, CodeSchema, "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'")
		if o.has("Variable") {
			r.Variable, _ = o.str("Variable")
		}
		return
	case 1:
	default:
		o.errorf(ops[1], "A Choice Rule must have only one comparison operator, or one of 'And', 'Or', 'Not'; found [%s]", strings.Join(ops, ", "))
	}
	op := ops[0]
	r.Operator = op
	switch op {
	case "And", "Or":
		elems, _ := o.array(op, true)
		for i, e := range elems {
			nested := p.choiceRule(e, o.at(op)+"/"+strconv.Itoa(i), false, false)
			if op == "And" {
				r.And = append(r.And, nested)
			} else {
				r.Or = append(r.Or, nested)
			}
		}
	case "Not":
		r.Not = p.choiceRule(o.get("Not"), o.at("Not"), false, false)
	default:
		o.require("Variable")
		r.Variable, _ = o.str("Variable")
		r.Value = o.get(op).plain()
		o.operand(op)
		return
	}
	if o.has("Variable") {
		o.errorf("Variable", "The field 'Variable' cannot be used with '%s'", op)
	}
}

// operand checks the type of a comparison operator's value.
func (o srcObject) operand(op string) {
	n := o.get(op)
	var want string
	switch comparisonOperators[op] {
	case operandString, operandPath:
		if n.kind != kindString {
			want = "a string"
		}
	case operandNumber:
		if n.kind != kindNumber {
			want = "a number"
		}
	case operandBoolean, operandTest:
		if n.kind != kindBool {
			want = "a boolean"
		}
	case operandTimestamp:
		if n.kind != kindString || !isTimestamp(n.val.(string)) {
			want = "a timestamp such as 2016-03-14T01:59:00Z (RFC 3339, uppercase T and Z)"
		}
	}
	if want != "" {
		o.errorf(op, "The field '%s' must be %s", op, want)
	}
}
