package jsonpath

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/internal/value"
)

// TestGetSpecExamples checks the spec's Reference Path example.
func TestGetSpecExamples(t *testing.T) {
	in := mustJSON(t, specInput)
	tests := []struct{ path, want string }{
		{"$.foo", `123`},
		{"$.bar", `["a","b","c"]`},
		{"$.car.cdr", `true`},
		{"$", `{"bar":["a","b","c"],"car":{"cdr":true},"foo":123}`},
	}
	for _, tt := range tests {
		for _, parse := range []func(string) (*Path, error){Parse, ParseReference} {
			p, err := parse(tt.path)
			if err != nil {
				t.Fatalf("%s: %v", tt.path, err)
			}
			got, err := p.GetValue(in)
			if err != nil {
				t.Fatalf("%s: %v", tt.path, err)
			}
			if s := value.MarshalString(got); s != tt.want {
				t.Errorf("%s = %s, want %s", tt.path, s, tt.want)
			}
		}
	}
}

func TestGetDefinite(t *testing.T) {
	in := mustJSON(t, `{"a":{"b":[10,{"c":null}],"e":""},"a b":1,"x.y":2,"n":null,"z":false}`)
	tests := []struct{ path, want string }{
		{"$.a.b[0]", `10`},
		{"$.a.b[1].c", `null`},
		{"$.a.b[-1]", `{"c":null}`},
		{"$.a.b[-2]", `10`},
		{"$['a']['b'][0]", `10`},
		{`$["a"].e`, `""`},
		{"$['a b']", `1`},
		{`$.x\.y`, `2`},
		{"$['x.y']", `2`},
		{"$.n", `null`},
		{"$.z", `false`},
		{"$['a','z']", `{"a":{"b":[10,{"c":null}],"e":""},"z":false}`},
		{"$['z','missing']", `{"z":false}`},
		{"$.a['b','e']", `{"b":[10,{"c":null}],"e":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := MustParse(tt.path).GetValue(in)
			if err != nil {
				t.Fatal(err)
			}
			if s := value.MarshalString(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

// TestGetNoMatch checks the messages of failed definite paths, which follow
// Jayway JsonPath's as AWS reports them after "Invalid path '<path>' : ".
func TestGetNoMatch(t *testing.T) {
	in := mustJSON(t, `{"a":{"b":[1,2]},"s":"str","n":null,"o":{"k":1}}`)
	tests := []struct{ path, want string }{
		{"$.x", `Invalid path '$.x' : No results for path: $['x']`},
		{"$.a.x", `Invalid path '$.a.x' : No results for path: $['a']['x']`},
		{"$.x.y", `Invalid path '$.x.y' : Missing property in path $['x']`},
		{"$.x.y.z", `Invalid path '$.x.y.z' : Missing property in path $['x']`},
		{"$.s.y", `Invalid path '$.s.y' : Property ['y'] not found in path $['s']`},
		{"$.a.b.y", `Invalid path '$.a.b.y' : Property ['y'] not found in path $['a']['b']`},
		{"$.n.y", `Invalid path '$.n.y' : Property ['y'] not found in path $['n']`},
		{"$.a.b[2]", `Invalid path '$.a.b[2]' : No results for path: $['a']['b'][2]`},
		{"$.a.b[-3]", `Invalid path '$.a.b[-3]' : No results for path: $['a']['b'][-3]`},
		{"$.a.b[5].c", `Invalid path '$.a.b[5].c' : No results for path: $['a']['b'][5]['c']`},
		{"$.o[0]", `Invalid path '$.o[0]' : Filter: [0] can only be applied to arrays. Current context is: {"k":1}`},
		{"$.n[0]", `Invalid path '$.n[0]' : The path $['n'] is null`},
		{"$.s['a','b']", `Invalid path '$.s['a','b']' : Property ['a','b'] not found in path $['s']`},
		{"$$.Execution.Id", `Invalid path '$$.Execution.Id' : Missing property in path $['Execution']`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := MustParse(tt.path).GetValue(in)
			if err == nil {
				t.Fatalf("got %s, want an error", value.Marshal(got))
			}
			if !errors.Is(err, ErrNoMatch) {
				t.Errorf("error %v does not wrap ErrNoMatch", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestGetIndefinite(t *testing.T) {
	in := mustJSON(t, storeInput)
	tests := []struct{ path, want string }{
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store.*", `[{"color":"red","price":19.95},[{"author":"Nigel Rees","category":"reference","price":8.95,"title":"Sayings of the Century"},{"author":"Evelyn Waugh","category":"fiction","price":12.99,"title":"Sword of Honour"},{"author":"Herman Melville","category":"fiction","isbn":"0-553-21311-3","price":8.99,"title":"Moby Dick"},{"author":"J. R. R. Tolkien","category":"fiction","isbn":"0-395-19395-8","price":22.99,"title":"The Lord of the Rings"}]]`},
		{"$.store..price", `[19.95,8.95,12.99,8.99,22.99]`},
		{"$..book[2].title", `["Moby Dick"]`},
		{"$..book[-1:].title", `["The Lord of the Rings"]`},
		{"$..book[0,1].title", `["Sayings of the Century","Sword of Honour"]`},
		{"$..book[:2].title", `["Sayings of the Century","Sword of Honour"]`},
		{"$..book[1:3].title", `["Sword of Honour","Moby Dick"]`},
		{"$..book[2:].title", `["Moby Dick","The Lord of the Rings"]`},
		{"$..book[-2:-1].title", `["Moby Dick"]`},
		{"$..book[10:20]", `[]`},
		{"$..book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"$.store.book[?(@.price <= $.expensive)].price", `[8.95,8.99]`},
		{"$.store.book[?(@.price > 10 && @.category == 'fiction')].title", `["Sword of Honour","The Lord of the Rings"]`},
		{"$.store.book[?(@.price > 20 || @.category == 'reference')].title", `["Sayings of the Century","The Lord of the Rings"]`},
		{"$.store.book[?(!(@.category == 'fiction'))].title", `["Sayings of the Century"]`},
		{"$.store.book[?(@.author =~ /.*REES/i)].title", `["Sayings of the Century"]`},
		{"$.store.book[?(@.author =~ /Rees/)].title", `[]`},
		{"$.store.book[?(@.category in ['reference','x'])].title", `["Sayings of the Century"]`},
		{"$.store.book[?(@.category nin [\"fiction\"])].title", `["Sayings of the Century"]`},
		{"$.store.book[?(@.category != 'fiction')].title", `["Sayings of the Century"]`},
		{"$.store.book[?(@.isbn != '0-553-21311-3')].title", `["Sayings of the Century","Sword of Honour","The Lord of the Rings"]`},
		{"$.store.book[?(@.title size 9)].title", `["Moby Dick"]`},
		{"$.store.book[?(@.author contains 'Tolkien')].title", `["The Lord of the Rings"]`},
		{"$.store[?(@.color == 'red')]", `[]`},
		{"$.store.bicycle[?(@.color == 'red')].price", `[19.95]`},
		{"$['store']['bicycle','book'][0]", `[{"author":"Nigel Rees","category":"reference","price":8.95,"title":"Sayings of the Century"}]`},
		{"$.missing[*]", `[]`},
		{"$.missing[1:2]", `[]`},
		{"$.missing[?(@.a)]", `[]`},
		{"$.expensive[*]", `[]`},
		{"$.store.book[*].missing", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := MustParse(tt.path)
			if p.IsDefinite() {
				t.Fatal("path is definite")
			}
			got, err := p.GetValue(in)
			if err != nil {
				t.Fatal(err)
			}
			if s := value.MarshalString(got); s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
		})
	}
}

// TestGetFilterOperators covers each relational operator on a list of
// mixed values.
func TestGetFilterOperators(t *testing.T) {
	in := mustJSON(t, `[{"v":1},{"v":2.0},{"v":"2"},{"v":"b"},{"v":null},{"v":true},{"v":[1,2]},{"v":[]},{"v":{"k":1}},{}]`)
	tests := []struct{ filter, want string }{
		{"@.v", `[0,1,2,3,4,5,6,7,8]`},
		{"!@.v", `[9]`},
		{"@.v == 2", `[1]`},
		{"@.v == '2'", `[2]`},
		{"@.v == null", `[4]`},
		{"@.v == true", `[5]`},
		{"@.v == [1,2]", `[6]`},
		{"@.v == {\"k\":1}", `[8]`},
		{"@.v != 2", `[0,2,3,4,5,6,7,8,9]`},
		{"@.v < 2", `[0]`},
		{"@.v <= 2", `[0,1]`},
		{"@.v > 1", `[1]`},
		{"@.v >= 1", `[0,1]`},
		{"@.v > 'a'", `[3]`},
		{"@.v in [1, 'b']", `[0,3]`},
		{"@.v nin [1, 'b']", `[1,2,4,5,6,7,8,9]`},
		{"@.v subsetof [1,2,3]", `[6,7]`},
		{"@.v anyof [2,5]", `[6]`},
		{"@.v noneof [2,5]", `[7]`},
		{"@.v size 2", `[6]`},
		{"@.v size 1", `[2,3]`},
		{"@.v empty true", `[7]`},
		{"@.v empty false", `[2,3,6]`},
		{"@.v contains 1", `[6]`},
		{"@.v =~ /[a-z]/", `[3]`},
		{"/\\d/ =~ @.v", `[2]`},
		{"true", `[0,1,2,3,4,5,6,7,8,9]`},
		{"false", `[]`},
		{"@.v == 1 || @.v == 'b' && @.v == 'b'", `[0,3]`},
		{"(@.v == 1 || @.v == 'b') && @.v == 'b'", `[3]`},
		{"@.v == $[0].v", `[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			p, err := Parse("$[?(" + tt.filter + ")]")
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.GetValue(in)
			if err != nil {
				t.Fatal(err)
			}
			// Report the indexes of the selected elements.
			arr := in.([]any)
			var idx []any
			for _, g := range got.([]any) {
				for i, e := range arr {
					if value.Equal(g, e) && !containsIndex(idx, i) {
						idx = append(idx, int64(i))
						break
					}
				}
			}
			if idx == nil {
				idx = []any{}
			}
			if s := value.MarshalString(idx); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

func containsIndex(idx []any, i int) bool {
	for _, x := range idx {
		if x == int64(i) {
			return true
		}
	}
	return false
}

// TestGetIndefiniteErrors checks that the definite steps leading to an
// indefinite one still fail on a value of the wrong type, as in Jayway.
func TestGetIndefiniteErrors(t *testing.T) {
	in := mustJSON(t, `{"s":"str","o":{"k":1},"a":[1]}`)
	tests := []struct{ path, want string }{
		{"$.s.x[*]", `Invalid path '$.s.x[*]' : Property ['x'] not found in path $['s']`},
		{"$.o[1:2]", `Invalid path '$.o[1:2]' : Filter: [1:2] can only be applied to arrays. Current context is: {"k":1}`},
		{"$[1:2]", `Invalid path '$[1:2]' : Filter: [1:2] can only be applied to arrays. Current context is: {"a":[1],"o":{"k":1},"s":"str"}`},
		{"$.s[0,1]", `Invalid path '$.s[0,1]' : Filter: [0,1] can only be applied to arrays. Current context is: "str"`},
		{"$.s[?(@.k)]", `Invalid path '$.s[?(@.k)]' : Filter: [?] can not be applied to primitives. Current context is: "str"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := MustParse(tt.path).GetValue(in)
			if err == nil {
				t.Fatalf("got %s, want an error", value.Marshal(got))
			}
			if !errors.Is(err, ErrNoMatch) || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestGetRoots(t *testing.T) {
	ctx := mustJSON(t, `{"Execution":{"Id":"arn:x","Input":{"k":"v"}},"Map":{"Item":{"Index":3}}}`)
	vars := map[string]any{"count": int64(7), "user": mustJSON(t, `{"name":"Ada","tags":["a","b"]}`)}
	built := 0
	env := Env{
		Input: mustJSON(t, `{"in":1}`),
		Context: func() any {
			built++
			return ctx
		},
		Var: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
	}
	tests := []struct{ path, want string }{
		{"$.in", `1`},
		{"$$.Execution.Id", `"arn:x"`},
		{"$$.Execution.Input.k", `"v"`},
		{"$$.Map.Item.Index", `3`},
		{"$$", `{"Execution":{"Id":"arn:x","Input":{"k":"v"}},"Map":{"Item":{"Index":3}}}`},
		{"$count", `7`},
		{"$user.name", `"Ada"`},
		{"$user.tags[1]", `"b"`},
		{"$user['tags'][*]", `["a","b"]`},
		{"$user.tags[?(@ == 'a')]", `["a"]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := MustParse(tt.path).Get(env)
			if err != nil {
				t.Fatal(err)
			}
			if s := value.MarshalString(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
	if built != 4 {
		t.Errorf("context built %d times, want once per $$ path (4)", built)
	}

	_, err := MustParse("$nope.x").Get(env)
	if !errors.Is(err, ErrNoMatch) || err.Error() != "Invalid path '$nope.x' : The variable 'nope' is not defined" {
		t.Errorf("undefined variable: %v", err)
	}
	_, err = MustParse("$x").Get(Env{})
	if !errors.Is(err, ErrNoMatch) {
		t.Errorf("no variables at all: %v", err)
	}
	got, err := MustParse("$$").Get(Env{})
	if err != nil || value.MarshalString(got) != "{}" {
		t.Errorf("nil Context: %s, %v", value.Marshal(got), err)
	}
}

// TestGetDoesNotCopy checks that a definite path returns the very value
// held in the input, which values' immutability makes safe.
func TestGetDoesNotCopy(t *testing.T) {
	inner := map[string]any{"k": int64(1)}
	in := map[string]any{"a": inner}
	got, err := MustParse("$.a").GetValue(in)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("got %#v", got)
	}
	m["probe"] = true
	if _, ok := inner["probe"]; !ok {
		t.Error("Get returned a copy")
	}
}
