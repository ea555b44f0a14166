package asl

import (
	"strings"
	"testing"
)

func TestIsTimestamp(t *testing.T) {
	tests := map[string]bool{
		"2016-03-14T01:59:00Z":             true,
		"2016-03-14T01:59:00.123Z":         true,
		"2016-03-14T01:59:00.123456789Z":   true,
		"2016-03-14T01:59:00+01:00":        true,
		"2016-03-14T01:59:00.5-08:00":      true,
		"2016-02-29T00:00:00Z":             true,
		"2016-03-14t01:59:00Z":             false, // lowercase t
		"2016-03-14T01:59:00z":             false, // lowercase z
		"2016-03-14 01:59:00Z":             false,
		"2016-03-14T01:59:00":              false, // no zone
		"2016-03-14":                       false,
		"2016-03-14T01:59Z":                false,
		"2016-03-14T01:59:00.Z":            false,
		"2016-03-14T01:59:00+0100":         false,
		"2016-13-14T01:59:00Z":             false,
		"2015-02-29T00:00:00Z":             false,
		"2016-03-14T25:00:00Z":             false,
		"16-03-14T01:59:00Z":               false,
		"":                                 false,
		"2016-03-14T01:59:00Z ":            false,
		"2016-03-14T01:59:00.123+05:30xyz": false,
	}
	for in, want := range tests {
		if got := isTimestamp(in); got != want {
			t.Errorf("isTimestamp(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsVariableName(t *testing.T) {
	tests := map[string]bool{
		"x":                     true,
		"orderTotal":            true,
		"_private":              true,
		"née":                   true,
		"变量":                    true,
		"a1_b2":                 true,
		strings.Repeat("v", 80): true,
		strings.Repeat("v", 81): false,
		"":                      false,
		"1x":                    false,
		"my-var":                false,
		"a.b":                   false,
		"a b":                   false,
		"$x":                    false,
		"x$":                    false,
		strings.Repeat("é", 80): true,
	}
	for in, want := range tests {
		if got := isVariableName(in); got != want {
			t.Errorf("isVariableName(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsURI(t *testing.T) {
	tests := map[string]bool{
		"arn:aws:states:::lambda:invoke":                            true,
		"arn:aws:lambda:us-east-1:123456789012:function:HelloWorld": true,
		"baton:shell":                true,
		"https://example.com/task":   true,
		"foo:bar":                    true,
		"x-y.z+1:thing":              true,
		"lambda":                     false,
		":nothing":                   false,
		"trailing:":                  false,
		"1abc:x":                     false,
		"has space:x":                false,
		"arn:aws:lambda:my function": false,
		"arn:aws:lambda:tab\there":   false,
	}
	for in, want := range tests {
		if got := isURI(in); got != want {
			t.Errorf("isURI(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestDescribePointer(t *testing.T) {
	tests := map[string]string{
		"":                        "The definition",
		"/States":                 "The field 'States'",
		"/States/A/Retry/0":       "Each element of 'Retry'",
		"/States/P/Branches/12":   "Each element of 'Branches'",
		"/States/A/Choices/0/Not": "The field 'Not'",
	}
	for in, want := range tests {
		if got := describePointer(in); got != want {
			t.Errorf("describePointer(%q) = %q, want %q", in, got, want)
		}
	}
}
