package bundle

import (
	"fmt"
	"regexp"
	"strings"
)

// IgnoreFile is the name of the file, at the project's root, that lists
// what `baton deploy` leaves out, in .gitignore's syntax.
const IgnoreFile = ".batonignore"

// alwaysIgnored are left out of every bundle: version-control metadata
// and a local server's data directory.
var alwaysIgnored = []string{".git/", ".hg/", ".svn/", "baton-data/"}

// ignoreRule is one line of a .batonignore file.
type ignoreRule struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// Ignore decides which paths of a project stay out of its bundle. The last
// rule that matches a path decides, as in .gitignore; a directory left out
// is not entered, so nothing inside it can be brought back.
type Ignore struct{ rules []ignoreRule }

// ParseIgnore reads the rules of a .batonignore file: blank lines and lines
// starting with # are skipped; "!" brings back what an earlier rule left
// out; a trailing "/" matches directories only; a pattern with a "/"
// before its end is anchored at the project's root, otherwise it matches a
// name at any depth; "*" and "?" match within one name, "**" across
// directories, "[a-z]" a class. file names the source in errors.
func ParseIgnore(file string, src []byte) (*Ignore, error) {
	ig := &Ignore{}
	for _, p := range alwaysIgnored {
		r, _ := compileIgnore(p)
		ig.rules = append(ig.rules, r)
	}
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if t := strings.TrimRight(line, " \t"); !strings.HasSuffix(t, `\`) {
			line = t
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := compileIgnore(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, i+1, err)
		}
		ig.rules = append(ig.rules, r)
	}
	return ig, nil
}

// Match reports whether the project-relative slash path (a directory
// when dir is set) is left out.
func (ig *Ignore) Match(path string, dir bool) bool {
	ignored := false
	for _, r := range ig.rules {
		if r.dirOnly && !dir {
			continue
		}
		if r.re.MatchString(path) {
			ignored = !r.negate
		}
	}
	return ignored
}

func compileIgnore(p string) (ignoreRule, error) {
	var r ignoreRule
	if strings.HasPrefix(p, "!") {
		r.negate = true
		p = p[1:]
	} else if strings.HasPrefix(p, `\!`) || strings.HasPrefix(p, `\#`) {
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") {
		r.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		return r, fmt.Errorf("empty pattern")
	}
	anchored := strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "/**") && i+3 == len(p):
			b.WriteString("/.*")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(p[i+1:], ']')
			if j < 0 {
				return r, fmt.Errorf("unclosed [ in %q", p)
			}
			class := p[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return r, fmt.Errorf("bad pattern %q: %v", p, err)
	}
	r.re = re
	return r, nil
}
