package bundle

import (
	"strings"
	"testing"
)

func TestIgnore(t *testing.T) {
	rules := `
# comments and blank lines are skipped
*.pyc
/build/
data/**/*.csv
!data/keep/important.csv
tmp?
logs/
docs/*.md
!docs/README.md
\#literal
[ab].txt
`
	ig, err := ParseIgnore(".batonignore", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		dir  bool
		want bool
	}{
		{"jobs/x.pyc", false, true},
		{"x.pyc", false, true},
		{"jobs/x.py", false, false},
		{"build", true, true},
		{"sub/build", true, false}, // anchored at the root
		{"build", false, false},    // directories only
		{"data/a.csv", false, true},
		{"data/x/y/a.csv", false, true},
		{"data/keep/important.csv", false, false},
		{"data/a.json", false, false},
		{"tmp1", false, true},
		{"tmp12", false, false},
		{"logs", true, true},
		{"jobs/logs", true, true}, // unanchored: any depth
		{"docs/a.md", false, true},
		{"docs/README.md", false, false},
		{"docs/sub/a.md", false, false},
		{"#literal", false, true},
		{"a.txt", false, true},
		{"c.txt", false, false},
		{".git", true, true},
		{"baton-data", true, true},
		{"pipeline.yaml", false, false},
	}
	for _, c := range cases {
		if got := ig.Match(c.path, c.dir); got != c.want {
			t.Errorf("Match(%q, dir=%v) = %v, want %v", c.path, c.dir, got, c.want)
		}
	}
}

func TestIgnoreErrors(t *testing.T) {
	for _, src := range []string{"ok\n[abc\n", "!\n", "/\n"} {
		_, err := ParseIgnore("p/.batonignore", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), "p/.batonignore:") {
			t.Errorf("ParseIgnore(%q) = %v, want an error with the file and line", src, err)
		}
	}
}

func FuzzParseIgnore(f *testing.F) {
	f.Add("*.pyc\n!keep.pyc\n/build/\n**/x\n[a-z]?\n", "a/b.pyc")
	f.Add("[", "x")
	f.Fuzz(func(t *testing.T, src, p string) {
		ig, err := ParseIgnore("f", []byte(src))
		if err != nil {
			return
		}
		ig.Match(p, false)
		ig.Match(p, true)
	})
}
