package jsonpath

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRoots(t *testing.T) {
	tests := []struct {
		src      string
		root     Root
		varName  string
		definite bool
	}{
		{"$", RootInput, "", true},
		{"$.a", RootInput, "", true},
		{"$[0]", RootInput, "", true},
		{"$['a b']", RootInput, "", true},
		{"$.a[*]", RootInput, "", false},
		{"$$", RootContext, "", true},
		{"$$.Execution.Id", RootContext, "", true},
		{"$$.Map.Item.Value[0]", RootContext, "", true},
		{"$x", RootVariable, "x", true},
		{"$my_var.field", RootVariable, "my_var", true},
		{"$v2[0]", RootVariable, "v2", true},
		{"$_private", RootVariable, "_private", true},
		{"$prénom.nom", RootVariable, "prénom", true},
		{"$items[*].id", RootVariable, "items", false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Root() != tt.root || p.VarName() != tt.varName || p.IsDefinite() != tt.definite {
				t.Errorf("got root %v var %q definite %v; want %v %q %v",
					p.Root(), p.VarName(), p.IsDefinite(), tt.root, tt.varName, tt.definite)
			}
			if p.String() != tt.src {
				t.Errorf("String() = %q", p.String())
			}
			if p.IsIdentity() != (tt.src == "$") {
				t.Errorf("IsIdentity() = %v", p.IsIdentity())
			}
			if p.IsReference() {
				t.Error("IsReference() = true for Parse")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src    string
		msg    string
		offset int
	}{
		{"", "must start with '$'", 0},
		{"a.b", "must start with '$'", 0},
		{"$.", "must not end with '.'", 2},
		{"$.a.", "must not end with '.'", 4},
		{"$..", "must not end with '.'", 3},
		{"$...a", "unexpected '.'", 3},
		{"$a b", "unexpected ' '", 2},
		{"$1", "unexpected '1'", 1},
		{"$ ", "unexpected ' '", 1},
		{"$.a]", "unexpected ']'", 3},
		{"$.a b", "unexpected space in member name", 3},
		{"$.a.length()", "functions are not supported", 10},
		{"$[", "unterminated '['", 1},
		{"$.a[0", "unterminated '['", 3},
		{"$['a", "unterminated string", 2},
		{"$['a'", "unterminated '['", 1},
		{"$[a]", "unexpected 'a'", 2},
		{"$[]", "unexpected ']'", 2},
		{"$[-]", "expected digits after '-'", 2},
		{"$[1,]", "unexpected ']'", 4},
		{"$[1:2:3]", "slice steps", 5},
		{"$[9999999999]", "too large", 2},
		{"$[(@.length-1)]", "script expressions", 2},
		{"$[?@.a]", "must be written [?(...)]", 2},
		{"$[?(@.a)", "unterminated '['", 1},
		{"$[?(@.a == )]", "expected '@', '$' or a literal", 11},
		{"$[?(@.a == 1", "unterminated filter", 2},
		{"$[?(@.a ~ 1)]", "unexpected '~'", 8},
		{"$[?(1)]", "expected a comparison operator", 5},
		{"$[?(@.a =~ /x)]", "unterminated regular expression", 11},
		{"$[?(@.a =~ /(/)]", "invalid regular expression", 11},
		{"$[?(@.a in [1,)]", "invalid JSON literal", 11},
		{"$[?(@.a == 1x)]", "unexpected 'x'", 12},
		{"$[?(@.a == 1.2.3)]", "invalid number", 11},
		{"$[?((@.a)]", "unexpected ']'", 9},
		{"$[?((@.a", "unterminated '('", 4},
		{"$[?(!= 1)]", "unexpected '!'", 4},
		{"$.a\\", "must not end with '\\'", 3},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.src, p)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if !strings.Contains(se.Msg, tt.msg) || se.Offset != tt.offset {
				t.Errorf("got %q at %d, want %q at %d", se.Msg, se.Offset, tt.msg, tt.offset)
			}
			if !strings.Contains(err.Error(), "'"+tt.src+"'") {
				t.Errorf("message %q does not quote the path", err)
			}
		})
	}
}

// TestParseReferenceSpecExamples parses every Reference Path the spec lists
// as acceptable, checking the member names each selects.
func TestParseReferenceSpecExamples(t *testing.T) {
	tests := []struct {
		src  string
		norm string
	}{
		{`$.store.book`, `$['store']['book']`},
		{`$.store\.book`, `$['store.book']`},
		{`$.\stor\e.boo\k`, `$['store']['book']`},
		{`$.store.book.title`, `$['store']['book']['title']`},
		{`$.foo.\.bar`, `$['foo']['.bar']`},
		{`$.foo\@bar.baz\[\[.\?pretty`, `$['foo@bar']['baz[[']['?pretty']`},
		{`$.&Ж中.\uD800\uDF46`, `$['&Ж中']['𐍆']`},
		{`$.ledgers.branch[0].pending.count`, `$['ledgers']['branch'][0]['pending']['count']`},
		{`$.ledgers.branch[0]`, `$['ledgers']['branch'][0]`},
		{`$.ledgers[0][22][315].foo`, `$['ledgers'][0][22][315]['foo']`},
		{`$['store']['book']`, `$['store']['book']`},
		{`$['store'][0]['book']`, `$['store'][0]['book']`},
		{`$["double"]`, `$['double']`},
		{`$['it\'s']`, `$['it's']`},
		{`$['a:b,c?d@e*']`, `$['a:b,c?d@e*']`},
		{`$[-1]`, `$[-1]`},
		{`$$.Execution.Input`, `$['Execution']['Input']`},
		{`$var.x`, `$['x']`},
		{`$.\u00e9`, `$['é']`},
		{`$.\uZZ`, `$['uZZ']`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := ParseReference(tt.src)
			if err != nil {
				t.Fatalf("ParseReference: %v", err)
			}
			if got := normPath(p.steps); got != tt.norm {
				t.Errorf("steps %s, want %s", got, tt.norm)
			}
			if !p.IsReference() || !p.IsDefinite() {
				t.Errorf("IsReference %v IsDefinite %v", p.IsReference(), p.IsDefinite())
			}
		})
	}
}

func TestParseReferenceRejects(t *testing.T) {
	tests := []struct {
		src    string
		msg    string
		offset int
	}{
		{"$.a[*]", "wildcard '*'", 4},
		{"$.*", "wildcard '*'", 2},
		{"$.a*", "'*' is not allowed", 3},
		{"$..a", "recursive descent '..'", 1},
		{"$.a[?(@.b)]", "filter '?'", 4},
		{"$.a[1:2]", "slice ':'", 5},
		{"$.a[:2]", "slice ':'", 4},
		{"$['a','b']", "union ','", 5},
		{"$[0,1]", "union ','", 3},
		{"$.a@b", "'@' is not allowed", 3},
		{"$.a,b", "',' is not allowed", 3},
		{"$.a:b", "':' is not allowed", 3},
		{"$.a?b", "'?' is not allowed", 3},
		{"$.", "must not end with '.'", 2},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := ParseReference(tt.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseReference(%q) error = %v, want a *SyntaxError", tt.src, err)
			}
			if !strings.Contains(se.Msg, tt.msg) || se.Offset != tt.offset {
				t.Errorf("got %q at %d, want %q at %d", se.Msg, se.Offset, tt.msg, tt.offset)
			}
		})
	}
}

func TestMustParse(t *testing.T) {
	if p := MustParse("$.a"); p.String() != "$.a" {
		t.Errorf("MustParse = %v", p)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic on a bad path")
		}
	}()
	MustParse("$[")
}
