package pattern

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestParseEventLimits(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	big := `{"a":"` + strings.Repeat("x", MaxEventBytes) + `"}`
	for _, tc := range []struct{ name, event, want string }{
		{"array", `["a"]`, "not a JSON object"},
		{"string", `"a"`, "not a JSON object"},
		{"empty", ``, "not valid JSON"},
		{"trailing", `{"a":1} {"b":2}`, "not valid JSON"},
		{"truncated", `{"a":[1,2`, "not valid JSON"},
		{"too deep", deep, "nests deeper than 64 levels"},
		{"too big", big, "over EventBridge's limit of 262144 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(tc.event))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseEvent error %v, want one containing %q", err, tc.want)
			}
			p := mustCompile(t, `{"a":[{"exists":false}]}`)
			if _, err := p.Match([]byte(tc.event)); err == nil {
				t.Fatal("Pattern.Match accepted it")
			}
			if _, err := NewMatcher().Match([]byte(tc.event)); err == nil {
				t.Fatal("Matcher.Match accepted it")
			}
		})
	}
	// At the limits exactly, events are accepted.
	ok := strings.Repeat(`{"a":`, MaxDepth-1) + "1" + strings.Repeat("}", MaxDepth-1)
	if _, err := ParseEvent([]byte(ok)); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth, err)
	}
}

func TestPatternDepthLimit(t *testing.T) {
	src := strings.Repeat(`{"a":`, MaxDepth) + `["x"]` + strings.Repeat("}", MaxDepth)
	_, err := Compile([]byte(src))
	if err == nil || !strings.Contains(err.Error(), "deeper than 64") {
		t.Fatalf("err = %v", err)
	}
}

func TestMatcherAddReplaceRemove(t *testing.T) {
	m := NewMatcher()
	m.Add("s3", mustCompile(t, `{"source":["aws.s3"]}`))
	m.Add("ec2", mustCompile(t, `{"source":["aws.ec2"]}`))
	m.Add("aws", mustCompile(t, `{"source":[{"prefix":"aws."}]}`))
	m.Add("num", mustCompile(t, `{"detail":{"n":[{"numeric":[">",5]}]}}`))
	match := func(ev string) []string {
		t.Helper()
		got, err := m.Match([]byte(ev))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := match(`{"source":"aws.s3","detail":{"n":6}}`); !slices.Equal(got, []string{"aws", "num", "s3"}) {
		t.Fatalf("got %v", got)
	}
	m.Add("s3", mustCompile(t, `{"source":["aws.sqs"]}`)) // replaces
	if got := match(`{"source":"aws.s3"}`); !slices.Equal(got, []string{"aws"}) {
		t.Fatalf("after replace got %v", got)
	}
	m.Remove("aws")
	m.Remove("num")
	m.Remove("missing")
	if got := match(`{"source":"aws.sqs","detail":{"n":6}}`); !slices.Equal(got, []string{"s3"}) {
		t.Fatalf("after remove got %v", got)
	}
	if got := match(`{"source":"aws.ec2"}`); !slices.Equal(got, []string{"ec2"}) {
		t.Fatalf("got %v", got)
	}
}

// TestMatcherSpreadsCommonField: patterns sharing source but differing in
// a detail field are indexed under the detail field, so an event is checked
// against the few patterns its values name, not all of them.
func TestMatcherSpreadsCommonField(t *testing.T) {
	m := NewMatcher()
	for i := 0; i < 1000; i++ {
		m.Add(fmt.Sprintf("r%04d", i), mustCompile(t, fmt.Sprintf(`{"source":["aws.s3"],"detail":{"key":["k%d"]}}`, i)))
	}
	ev, err := ParseEvent([]byte(`{"source":"aws.s3","detail":{"key":"k7"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var cands []*rule
	m.collect(m.paths, &ev.root, &cands)
	if len(cands) > 2 {
		t.Fatalf("%d candidates for one event, want at most 2", len(cands))
	}
	if got := m.MatchEvent(ev); !slices.Equal(got, []string{"r0007"}) {
		t.Fatalf("got %v", got)
	}
}

// TestMatcherConcurrent runs Match alongside Add and Remove (meaningful
// under -race).
func TestMatcherConcurrent(t *testing.T) {
	m := NewMatcher()
	p := mustCompile(t, `{"source":["a"]}`)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if g == 0 {
					m.Add(fmt.Sprint(i%10), p)
					m.Remove(fmt.Sprint((i + 5) % 10))
					continue
				}
				if _, err := m.Match([]byte(`{"source":"a"}`)); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestErrorNamesPath(t *testing.T) {
	_, err := Compile([]byte("{\n \"detail\": {\"state\": []}\n}"))
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("err %T", err)
	}
	if e.Path != "detail.state" || e.Line != 2 || e.Reason != "Empty arrays are not allowed" {
		t.Fatalf("got %+v", e)
	}
}

// TestScannerStrictness: the event scanner accepts exactly the objects
// encoding/json accepts, on the corners of JSON's grammar, whether it keeps
// or skips the field.
func TestScannerStrictness(t *testing.T) {
	values := []string{
		`01`, `-`, `-0`, `1.`, `.5`, `1e`, `1e+`, `1E-2`, `+1`, `0x10`, `1.5e308`, `-0.0e-0`,
		`"\u00e9"`, `"\u00G9"`, `"\x"`, `"\/"`, "\"a\tb\"", "\"\x7f\"", "\"\xff\xfe\"", `"\ud800"`,
		`tru`, `true1`, `nul`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{}`, `[]`, `[[[]]]`,
		`"unterminated`, `{"k":"v"`, `{"\u0061":1}`, `null`, `false`,
	}
	for _, v := range values {
		for _, ev := range []string{`{"a":` + v + `}`, `{"zz":` + v + `}`, `{"a":[` + v + `]}`, `{"a":{"b":` + v + `}}`} {
			for _, filter := range []*filterNode{nil, mustCompile(t, `{"a":[{"exists":true}]}`).filter} {
				_, perr := parseEvent([]byte(ev), filter)
				if want := json.Valid([]byte(ev)); (perr == nil) != want {
					t.Errorf("event %q: json.Valid %v, parse error %v", ev, want, perr)
				}
			}
		}
	}
}

func TestPrefixTrie(t *testing.T) {
	rs := map[string]*rule{}
	tr := &prefixTrie{}
	for _, p := range []string{"", "a", "ab", "abc", "b", "abd"} {
		rs[p] = &rule{name: "r" + p}
		tr.add(p, rs[p])
	}
	names := func(v string) []string {
		var out []*rule
		tr.collect(v, &out)
		var ns []string
		for _, r := range out {
			ns = append(ns, r.name)
		}
		return ns
	}
	if got := names("abcd"); !slices.Equal(got, []string{"r", "ra", "rab", "rabc"}) {
		t.Fatalf("got %v", got)
	}
	tr.remove("ab", rs["ab"])
	tr.remove("abc", rs["abc"])
	if got := names("abcd"); !slices.Equal(got, []string{"r", "ra"}) {
		t.Fatalf("after remove got %v", got)
	}
	if tr.count("abd") != 1 || tr.count("abc") != 0 {
		t.Fatal("count")
	}
	for _, p := range []string{"", "a", "b", "abd"} {
		tr.remove(p, rs[p])
	}
	if !tr.empty() {
		t.Fatalf("trie not pruned: %+v", tr)
	}
}

// TestManyPrefixLengths: prefixes of every length on one path cost an
// event one walk of its value, not one probe per length (a hostile rule
// set used to make this quadratic).
func TestManyPrefixLengths(t *testing.T) {
	m := NewMatcher()
	long := strings.Repeat("x", 3000)
	for l := 1; l <= 3000; l++ {
		m.Add(fmt.Sprint(l), mustCompile(t, `{"k":[{"prefix":"`+long[:l]+`"}]}`))
	}
	got, err := m.Match([]byte(`{"k":"` + strings.Repeat("x", 100000) + `"}`))
	if err != nil || len(got) != 3000 {
		t.Fatalf("got %d names, %v", len(got), err)
	}
}
