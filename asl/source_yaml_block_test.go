package asl

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// inBlockSubset are documents the block reader reads itself.
var inBlockSubset = []string{
	"a: 1\nb: x\n",
	"a: true\nb: false\nc: null\nd: 0\ne: 123456789012345678\n",
	"a: \"q \\\" \\\\ # x\"\nb: 'it''s'\nc: \"\"\nd: ''\n",
	"list: [a, \"b c\", 'd', 1, true, null]\nempty: []\nsp: [ ]\nsp2: [ a , b ]\n",
	"steps:\n- name: a\n  x: 1\n- name: b\nnext: 2\n",
	"name: a b c\npath: /tmp/x.csv\nv: a-b.c_d\nw: a - b\n",
	"a:\n- x\n- w\nb:\n  - z\n",
	"- name: s0\n  command: [echo, \"{% $steps.s0.output %}\"]\n  depends_on: [s1, s2]\n",
	"defaults: {retry: {retries: 3, on: [Shell.ExitError, States.Timeout]}, env: {TZ: UTC}}\nsteps: [{name: a, command: [\"true\"]}, {}]\n",
	"# header\nname: p # the name\nsteps: # below\n  - # an entry\n    name: a # a step\n    command: [x, \"y # z\"] # argv\n",
	"a: {b: [1, {c: d}], e: []}\nf: [{}, [], [[g]]]\n",
	"a: 1h\nb: 5m\nc: 30s\nd: 1h30m\ne: 7d\nf: 10ms\ng: [1h, 2d]\nh: {t: 3s}\n",
}

// blockCorpus is the YAML of the golden tests and the examples, and
// snippets at the edges of the block subset.
func blockCorpus(t testing.TB) []string {
	docs := append([]string{}, inBlockSubset...)
	docs = append(docs,
		"  a: 1\n  b:\n    - x\n    -   y\n    -\n      c: d\n",
		"- a\n- b: c\n  d: e\n- - f\n",
		"# comment\nname: p # trailing\n",
		"a: yes\nb: No\nc: ON\nd: y\ne: ~\nf: True\ng: NULL\nh: .inf\n",
		"a: 1.5\nb: 1e3\nc: 0x1F\nd: 0o7\ne: 012\nf: -1\ng: +1\nh: 1_000\ni: 2026-01-01\nj: 12:30\n",
		"a: 1h\nb: 5m\nc: 99999999999999999999\n",
		"a:\n  b: 1\n c: 2\n",
		"a: 1\n  b: 2\n",
		"a: x\n  continued\n",
		"a: 1\na: 2\n",
		"a: [1,\n  2]\n",
		"a: \"multi\n  line\"\n",
		"a: {b: 1}\n",
		"a: &x 1\nb: *x\n",
		"a: !!str 1\n",
		"a: |\n  text\n",
		"---\na: 1\n",
		"a: 1\n---\nb: 2\n",
		"key:\n",
		"key:\nother: 1\n",
		"-\n",
		"\"quoted key\": 1\n'single': 2\n\"a:b\": 3\n",
		"a:\tb\n",
		"a: b\r\n",
		"a: b \n",
		"a: \"\\n\"\n",
		"a: [a, [b]]\n",
		"a: [a, b,]\n",
		"a: [a b, c]\n",
		"a: b: c\n",
		"a: -b\nb: /\nc: _\n",
		"just a string\n",
		"42\n",
		"[1, 2]\n",
		"a: 'x' y\n",
		"a: \"x\" # c\n",
		"on: push\ny: 1\nyes: 2\n",
		"a:\n    b: 1\n  c: 2\n",
		"a: -\nb: - c\n",
		"a: {b: 1, b: 2}\n",
		"a: {b:1}\n",
		"a: {b: 1,}\n",
		"a: {b: 1\n",
		"a: {b: 1} x\n",
		"a: {b: 1}#c\n",
		"a: [b]#c\n",
		"a: b#c\n",
		"a: b # c # d\n",
		"a: {\"k\": v, 'l': w}\n",
		"a: {yes: 1}\n",
		"a: {b: {c: {d: {e: 1}}}}\n",
		"a: [1, 2}\n",
		"a: {b: [1, 2}]\n",
		"-  # c\n  x: 1\n",
		"a:  # c\n\n  # d\n  b: 1\n",
		"a: # c\nb: 1\n",
		"null: 1\ntrue: 2\nNo: 3\n{a: 1}\n",
		"a: 1e5\nb: 0b1\nc: 0o7\nd: 0x1\ne: 1E3\nf: 1h.5\ng: 1h:2\nh: 1h-2\ni: 12ab\n",
		"a: 1e5\n", "a: 0b1\n", "a: 1E3\n", "a: 1h.5\n", "a: 1h:2\n", "a: 12ab\n", "a: 1_0\n", "a: 1n\n", "a: 2026-01-01\n",
		"null: 1\ntrue: 2\nNo: 3\nx: {null: 1, Off: 2}\n",
	)
	var b strings.Builder
	b.WriteString("name: big\nsteps:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  - name: s%d\n    command: [echo, \"{%% $steps.s%d.output %%}\"]\n    depends_on: [s%d]\n", i, i, i)
	}
	docs = append(docs, b.String())
	files := testDocuments(t, ".yaml", ".yml")
	names := slices.Sorted(maps.Keys(files))
	for _, name := range names {
		docs = append(docs, files[name])
	}
	return docs
}

// TestBlockYAMLMatchesGoYAML pins the block reader to go-yaml: every
// document it accepts, go-yaml reads into the same tree, with the same
// positions; the others are left to go-yaml.
func TestBlockYAMLMatchesGoYAML(t *testing.T) {
	accepted := 0
	for _, src := range blockCorpus(t) {
		if checkBlockYAML(t, src) {
			accepted++
		}
	}
	if accepted < 12 {
		t.Errorf("the block reader accepted only %d documents of the corpus", accepted)
	}
	// What large pipelines are made of stays in the subset.
	for _, src := range inBlockSubset {
		if _, ok := readBlockYAML([]byte(src)); !ok {
			t.Errorf("the block reader leaves to go-yaml:\n%s", src)
		}
	}
	t.Logf("%d documents read by the block reader", accepted)
}

// checkBlockYAML compares both readers on src; it reports whether the
// block reader accepted it.
func checkBlockYAML(t *testing.T, src string) bool {
	t.Helper()
	got, ok := readBlockYAML([]byte(src))
	if !ok {
		return false
	}
	want, err := readGoYAML([]byte(src))
	if err != nil {
		t.Errorf("the block reader accepts what go-yaml refuses (%v):\n%s", err, src)
		return true
	}
	if diff := diffNodes(got, want, ""); diff != "" {
		t.Errorf("the block reader differs from go-yaml at %s:\n%s", diff, src)
	}
	return true
}

func diffNodes(a, b *srcNode, ptr string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return ptr + ": nil"
		}
		return ""
	case a.kind != b.kind || a.pos != b.pos || !reflect.DeepEqual(a.val, b.val) ||
		len(a.members) != len(b.members) || len(a.elems) != len(b.elems):
		return fmt.Sprintf("%s: block %d %v %#v (%d members, %d elems), go-yaml %d %v %#v (%d members, %d elems)",
			ptr, a.kind, a.pos, a.val, len(a.members), len(a.elems), b.kind, b.pos, b.val, len(b.members), len(b.elems))
	}
	for i := range a.members {
		ma, mb := a.members[i], b.members[i]
		if ma.key != mb.key || ma.keyPos != mb.keyPos {
			return fmt.Sprintf("%s: key %q at %v, go-yaml %q at %v", ptr, ma.key, ma.keyPos, mb.key, mb.keyPos)
		}
		if d := diffNodes(ma.value, mb.value, ptr+"/"+ma.key); d != "" {
			return d
		}
	}
	for i := range a.elems {
		if d := diffNodes(a.elems[i], b.elems[i], fmt.Sprintf("%s/%d", ptr, i)); d != "" {
			return d
		}
	}
	return ""
}

// FuzzBlockYAML: whatever the block reader accepts, go-yaml reads the same.
func FuzzBlockYAML(f *testing.F) {
	for _, src := range blockCorpus(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		checkBlockYAML(t, src)
	})
}
