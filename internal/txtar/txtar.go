// Package txtar reads the txtar archive format used by Baton's golden tests:
// a comment, then files each introduced by a line "-- name --".
package txtar

import (
	"os"
	"strings"
)

// File is one file of an archive.
type File struct {
	Name string
	Data string
}

// Archive is a parsed txtar file.
type Archive struct {
	Comment string
	Files   []File
}

// Get returns the named file's data and whether it is present.
func (a *Archive) Get(name string) (string, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return "", false
}

// Parse parses archive text.
func Parse(text string) *Archive {
	a := &Archive{}
	var cur *File
	var b strings.Builder
	flush := func() {
		if cur == nil {
			a.Comment = b.String()
		} else {
			cur.Data = b.String()
			a.Files = append(a.Files, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			flush()
			cur = &File{Name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return a
}

// ParseFile reads and parses an archive file.
func ParseFile(path string) (*Archive, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(string(data)), nil
}

// Format renders an archive back to text.
func Format(a *Archive) string {
	var b strings.Builder
	b.WriteString(a.Comment)
	for _, f := range a.Files {
		b.WriteString("-- " + f.Name + " --\n")
		b.WriteString(f.Data)
		if f.Data != "" && !strings.HasSuffix(f.Data, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}
