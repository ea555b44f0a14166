package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzCompile: Compile never panics, fails only with *Error, and a compiled
// pattern's canonical form compiles to the same canonical form.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"source":["aws.ec2"],"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Compile(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			return
		}
		p2, err := Compile([]byte(p.String()))
		if err != nil {
			t.Fatalf("canonical %s does not compile: %v", p.String(), err)
		}
		if p2.String() != p.String() {
			t.Fatalf("canonical form unstable: %s then %s", p.String(), p2.String())
		}
	})
}

// FuzzMatch: matching never panics, a Matcher agrees with the Pattern, and
// the event parser reads what encoding/json reads.
func FuzzMatch(f *testing.F) {
	f.Add([]byte(`{"detail":{"n":[{"numeric":[">",0,"<=",5]}]}}`), []byte(`{"detail":{"n":[1,"x",6]}}`))
	f.Fuzz(func(t *testing.T, src, event []byte) {
		checkEventParse(t, event)
		p, err := Compile(src)
		if err != nil {
			return
		}
		got, err := p.Match(event)
		if err != nil {
			return
		}
		// The canonical form means the same.
		if again, err := mustCompile(t, p.String()).Match(event); err != nil || again != got {
			t.Fatalf("canonical %s matches %v, the pattern %v", p.String(), again, got)
		}
		full, err := ParseEvent(event)
		if err != nil || p.MatchEvent(full) != got {
			t.Fatalf("the event parsed in full (err %v) disagrees with the event parsed for the pattern", err)
		}
		m := NewMatcher()
		m.Add("p", p)
		m.Add("q", mustCompile(t, `{"source":["x"]}`))
		names, err := m.Match(event)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, "p") != got {
			t.Fatalf("Matcher says %v, Pattern says %v", names, got)
		}
	})
}

// checkEventParse compares ParseEvent's tree with encoding/json's.
func checkEventParse(t *testing.T, event []byte) {
	ev, err := ParseEvent(event)
	var want any
	jerr := fmt.Errorf("invalid JSON")
	if json.Valid(event) {
		dec := json.NewDecoder(bytes.NewReader(event))
		dec.UseNumber()
		jerr = dec.Decode(&want)
	}
	_, isObj := want.(map[string]any)
	if err != nil {
		if jerr == nil && isObj && len(event) <= MaxEventBytes && !strings.Contains(err.Error(), "nests deeper") {
			t.Fatalf("ParseEvent(%q) = %v; encoding/json reads it", event, err)
		}
		return
	}
	if jerr != nil || !isObj {
		t.Fatalf("ParseEvent(%q) accepted what encoding/json refuses (%v)", event, jerr)
	}
	if got := toAny(&ev.root); !reflect.DeepEqual(got, canonAny(want)) {
		t.Fatalf("ParseEvent(%q) = %#v, encoding/json %#v", event, got, want)
	}
}

// toAny and canonAny bring both trees to one form: numbers canonical.
func toAny(v *value) any {
	switch v.kind {
	case vObject:
		m := map[string]any{}
		for _, mb := range v.members {
			m[mb.name] = toAny(&mb.val)
		}
		return m
	case vArray:
		a := []any{}
		for i := range v.elems {
			a = append(a, toAny(&v.elems[i]))
		}
		return a
	case vNumber:
		return "n:" + v.str
	case vLiteral:
		return "l:" + v.str
	}
	return v.str
}

func canonAny(x any) any {
	switch x := x.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, v := range x {
			m[k] = canonAny(v)
		}
		return m
	case []any:
		a := []any{}
		for _, v := range x {
			a = append(a, canonAny(v))
		}
		return a
	case json.Number:
		c, _ := canonNumber(string(x))
		return "n:" + c
	case bool:
		return fmt.Sprintf("l:%v", x)
	case nil:
		return "l:null"
	}
	return x
}

// TestMatcherEquivalence: on random patterns and events, Matcher.Match
// returns exactly the patterns whose own Match is true, also after
// replacing and removing patterns.
func TestMatcherEquivalence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 40; round++ {
		m := NewMatcher()
		pats := map[string]*Pattern{}
		for i := 0; i < 60; i++ {
			name := fmt.Sprintf("p%02d", r.IntN(50))
			src := randPattern(r)
			p, err := Compile([]byte(src))
			if err != nil {
				t.Fatalf("random pattern %s: %v", src, err)
			}
			m.Add(name, p)
			pats[name] = p
			if r.IntN(6) == 0 {
				victim := fmt.Sprintf("p%02d", r.IntN(50))
				m.Remove(victim)
				delete(pats, victim)
			}
		}
		for e := 0; e < 60; e++ {
			ev := randEvent(r)
			got, err := m.Match([]byte(ev))
			if err != nil {
				t.Fatalf("event %s: %v", ev, err)
			}
			var want []string
			for name, p := range pats {
				ok, err := p.Match([]byte(ev))
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					want = append(want, name)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("event %s\nMatcher %v\nPatterns %v", ev, got, want)
			}
		}
	}
}

var (
	randFields = []string{"source", "detail-type", "a", "b"}
	randSub    = []string{"x", "y", "z"}
	randStrs   = []string{"aws.s3", "aws.ec2", "Aws.S3", "a", "ab", "abc", "", "10.0.0.1", "x*y"}
	randNums   = []string{"0", "1", "3", "3.0", "1e2", "100", "-2.5"}
)

func randLeafValue(r *rand.Rand) string {
	switch r.IntN(5) {
	case 0, 1:
		return fmt.Sprintf("%q", randStrs[r.IntN(len(randStrs))])
	case 2:
		return randNums[r.IntN(len(randNums))]
	case 3:
		return []string{"true", "false", "null"}[r.IntN(3)]
	}
	return fmt.Sprintf("%q", randStrs[r.IntN(len(randStrs))])
}

func randCond(r *rand.Rand) string {
	s := randStrs[r.IntN(3)+3] // a non-empty string
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf(`{"prefix":%q}`, s)
	case 1:
		return fmt.Sprintf(`{"suffix":%q}`, s)
	case 2:
		return fmt.Sprintf(`{"equals-ignore-case":%q}`, randStrs[r.IntN(3)])
	case 3:
		return fmt.Sprintf(`{"anything-but":%q}`, s)
	case 4:
		return fmt.Sprintf(`{"numeric":[">",%s,"<=",200]}`, randNums[r.IntN(len(randNums))])
	case 5:
		return fmt.Sprintf(`{"exists":%v}`, r.IntN(2) == 0)
	case 6:
		return `{"wildcard":"a*"}`
	case 7:
		return `{"cidr":"10.0.0.0/8"}`
	case 8:
		return fmt.Sprintf(`{"prefix":{"equals-ignore-case":%q}}`, s)
	}
	return randLeafValue(r)
}

func randConds(r *rand.Rand) string {
	n := 1 + r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = randCond(r)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func randPattern(r *rand.Rand) string {
	var parts []string
	for _, f := range randFields {
		if r.IntN(3) == 0 {
			continue
		}
		if f == "b" && r.IntN(2) == 0 {
			parts = append(parts, fmt.Sprintf(`"b":{%q:%s}`, randSub[r.IntN(3)], randConds(r)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%q:%s", f, randConds(r)))
	}
	if r.IntN(4) == 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf(`"$or":[{"a":%s},{"c":%s}]`, randConds(r), randConds(r)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func randEventValue(r *rand.Rand, depth int) string {
	switch k := r.IntN(8); {
	case k == 0 && depth < 2:
		n := r.IntN(3)
		var el []string
		for i := 0; i < n; i++ {
			el = append(el, randEventValue(r, depth+1))
		}
		return "[" + strings.Join(el, ",") + "]"
	case k == 1 && depth < 2:
		var parts []string
		for _, s := range randSub {
			if r.IntN(2) == 0 {
				parts = append(parts, fmt.Sprintf("%q:%s", s, randEventValue(r, depth+1)))
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return randLeafValue(r)
}

func randEvent(r *rand.Rand) string {
	var parts []string
	for _, f := range append(randFields, "c") {
		if r.IntN(4) != 0 {
			parts = append(parts, fmt.Sprintf("%q:%s", f, randEventValue(r, 0)))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}
