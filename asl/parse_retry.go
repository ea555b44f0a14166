package asl

import (
	"math"
	"slices"
	"strconv"
)

// Limits of Retrier fields, as Step Functions enforces them.
const (
	maxAttemptsLimit = 99999998 // MaxAttempts must be less than 99999999
	maxDelayLimit    = 31622400 // MaxDelaySeconds must be less than 31622401 (a leap year)
)

// errorAll is the wildcard error name.
const errorAll = "States.ALL"

// retriers reads a state's Retry field.
func (p *defParser) retriers(o srcObject, st *State) {
	elems, _ := o.array("Retry", false)
	for i, e := range elems {
		ptr := o.at("Retry") + "/" + strconv.Itoa(i)
		r := &Retrier{Pointer: ptr}
		st.Retry = append(st.Retry, r)
		ro, ok := p.object(e, ptr, "")
		if !ok {
			continue
		}
		ro = ro.allowOnly(retrierFields)
		ro.require("ErrorEquals")
		r.ErrorEquals = ro.errorEquals(i == len(elems)-1, "Retrier", "Retry")
		r.IntervalSeconds = ro.integer("IntervalSeconds", 1, maxSeconds)
		r.MaxAttempts = ro.integer("MaxAttempts", 0, maxAttemptsLimit)
		r.BackoffRate = ro.number("BackoffRate", 1, math.Inf(1))
		r.MaxDelaySeconds = ro.integer("MaxDelaySeconds", 1, maxDelayLimit)
		if js, ok := ro.str("JitterStrategy"); ok && ro.oneOf("JitterStrategy", js, "FULL", "NONE") {
			r.JitterStrategy = js
		}
		r.Comment, _ = ro.str("Comment")
	}
}

// catchers reads a state's Catch field.
func (p *defParser) catchers(o srcObject, st *State) {
	elems, _ := o.array("Catch", false)
	for i, e := range elems {
		ptr := o.at("Catch") + "/" + strconv.Itoa(i)
		c := &Catcher{Pointer: ptr}
		st.Catch = append(st.Catch, c)
		co, ok := p.object(e, ptr, "")
		if !ok {
			continue
		}
		co.jsonata = o.jsonata
		if o.jsonata {
			co = co.allowOnly(jsonataCatcherFields)
			c.Output, c.HasOutput = co.plain("Output")
		} else {
			co = co.allowOnly(jsonPathCatcherFields)
			c.ResultPath = co.optPath("ResultPath", true)
		}
		co.require("ErrorEquals", "Next")
		c.ErrorEquals = co.errorEquals(i == len(elems)-1, "Catcher", "Catch")
		c.Next = co.target("Next")
		if co.has("Assign") {
			c.Assign, _ = co.objectValue("Assign")
		}
		c.Comment, _ = co.str("Comment")
	}
}

// errorEquals reads ErrorEquals and checks where States.ALL may appear:
// alone, and in the last retrier or catcher.
func (o srcObject) errorEquals(last bool, what, field string) []string {
	names, ok := o.stringArray("ErrorEquals")
	if !ok || !slices.Contains(names, errorAll) {
		return names
	}
	if len(names) > 1 {
		o.errorf("ErrorEquals", "'States.ALL' must appear alone in 'ErrorEquals'")
	}
	if !last {
		o.errorf("ErrorEquals", "A %s with 'States.ALL' must be the last one in '%s'", what, field)
	}
	return names
}
