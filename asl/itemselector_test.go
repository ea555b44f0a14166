package asl_test

import (
	"strings"
	"testing"
)

// An ItemSelector failure on an item spawned after the first batch fails the
// execution directly from childFinished, with a cause that lacks the
// "An error occurred while executing the state 'M' ..." prefix that the same
// failure gets when the item is spawned by startMap.
func TestItemSelectorLateSpawnFailureCause(t *testing.T) {
	def := func(conc string) string {
		return `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":` + conc + `,
 "ItemSelector":{"v.$":"$$.Map.Item.Value.a"},
 "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	}
	in := `[{"a":1},{"b":2}]`
	all := runChecked(t, def("0"), in)
	one := runChecked(t, def("1"), in)
	if all.x.Error != one.x.Error || all.x.Cause != one.x.Cause {
		t.Errorf("same failure, different outcome:\n MaxConcurrency 0: %s %q\n MaxConcurrency 1: %s %q", all.x.Error, all.x.Cause, one.x.Error, one.x.Cause)
	}
	if !strings.HasPrefix(one.x.Cause, "An error occurred while executing the state 'M'") {
		t.Errorf("cause %q", one.x.Cause)
	}
}
