package asl

import (
	"reflect"
	"testing"
)

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "flow.json", Pointer: "/States/A/Next", Pos: Pos{3, 15}, Code: CodeMissingTarget, Message: "Missing 'Next' target: B"},
			"flow.json:3:15: Missing 'Next' target: B (/States/A/Next)"},
		{Diagnostic{Pointer: "/StartAt", Pos: Pos{2, 14}, Message: "m"},
			"2:14: m (/StartAt)"},
		{Diagnostic{File: "f.yaml", Pos: Pos{1, 1}, Message: "The definition is empty"},
			"f.yaml:1:1: The definition is empty"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestValidationErrorLists(t *testing.T) {
	e := &ValidationError{Diagnostics: []Diagnostic{
		{Pos: Pos{1, 1}, Message: "first", Pointer: "/a"},
		{Pos: Pos{2, 3}, Message: "second", Pointer: "/b"},
	}}
	want := "invalid state machine definition:\n1:1: first (/a)\n2:3: second (/b)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSortDiagnostics(t *testing.T) {
	in := []Diagnostic{
		{Pos: Pos{2, 1}, Pointer: "/b", Message: "x"},
		{Pos: Pos{1, 9}, Pointer: "/a", Message: "y"},
		{Pos: Pos{1, 2}, Pointer: "/z", Message: "z"},
		{Pos: Pos{1, 9}, Pointer: "/a", Message: "a"},
		{Pos: Pos{2, 1}, Pointer: "/b", Message: "x"}, // exact repeat
	}
	want := []Diagnostic{
		{Pos: Pos{1, 2}, Pointer: "/z", Message: "z"},
		{Pos: Pos{1, 9}, Pointer: "/a", Message: "a"},
		{Pos: Pos{1, 9}, Pointer: "/a", Message: "y"},
		{Pos: Pos{2, 1}, Pointer: "/b", Message: "x"},
	}
	if got := sortDiagnostics(in); !reflect.DeepEqual(got, want) {
		t.Errorf("sortDiagnostics = %v, want %v", got, want)
	}
}
