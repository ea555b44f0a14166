package jsonata

import "testing"

func TestCheckRestrictions(t *testing.T) {
	ok := []string{
		"$states.input.items[value > 3]", "$states.input.(price * qty)", "$map($states.input.a, function($v){ $v.x })",
		"$x ? 'a' : \"b\"", "$states.input.items^(price)", "$states.input.a[0].b", "$a and $b or true",
		"{'k': $states.input.k, \"n\": null}", "$states.input.items[$.price > 10]", "$states.input{kind: $count($)}",
		"$contains($lowercase($states.errorOutput.Error), /.*fatal.*/)", "[1..5]", "$x.`a b`", "1.5e+3 + 2",
		"($p := function($x, $y) {$x * $y}; $reduce([1..5], $p))", "$states.input.items@$i#$j.name", "-1", "$not(false)",
	}
	for _, s := range ok {
		if err := CheckRestrictions(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := map[string]string{
		"$":                           "Reference to '$' at the top level is not supported.",
		"$.total":                     "Reference to '$' at the top level is not supported.",
		"total":                       "Reference to 'total' at the top level is not supported.",
		"$$.a":                        "Reference to '$$' is not supported.",
		"$x[$$.a]":                    "Reference to '$$' is not supported.",
		"{'a': phone}":                "Reference to 'phone' at the top level is not supported.",
		"$count(items)":               "Reference to 'items' at the top level is not supported.",
		"1 + `odd name`":              "Reference to 'odd name' at the top level is not supported.",
		"$map($a, function($x){ b })": "Reference to 'b' at the top level is not supported.",
	}
	for s, want := range bad {
		err := CheckRestrictions(s)
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %q", s, err, want)
		}
	}
}
