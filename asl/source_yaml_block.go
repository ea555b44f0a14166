package asl

import (
	"strconv"
	"strings"
)

// This file reads, without go-yaml, the plain block style that pipeline
// files and YAML definitions are mostly written in: block mappings and
// sequences indented with spaces, comments, and scalars that are plain
// words, small integers, true, false, null, quoted strings without escapes
// other than \" and \\, and flow sequences and mappings of those closed
// on their line.
// go-yaml costs 400 to 600 bytes of tokens and nodes per byte of input and
// most of the time of validating a large pipeline; this reader is linear
// and allocates little more than the tree. Whatever lies outside the subset
// (anchors, tags, flow collections over several lines, multi-line
// scalars, other escapes, words YAML may read as something other than a
// string, numbers other than small integers, tabs, non-ASCII bytes, several
// documents), and any document that go-yaml would refuse or charge more
// than its budgets, is left to go-yaml: the tree, the positions and every
// message are go-yaml's, and TestBlockYAMLMatchesGoYAML pins that the two
// readers agree on what this one accepts.

// blockLine is one line of content: where its text starts and the text.
type blockLine struct {
	no, col int // 1-based
	text    string
}

// blockReader reads the block subset; ok turns false, for good, at the
// first thing outside it.
type blockReader struct {
	lines []blockLine
	i     int
	ok    bool
	depth int
	// Upper bounds of what go-yaml's reading would charge (see
	// checkYAMLTokens and yamlReader.count): the document goes to go-yaml
	// when one passes its budget, so that go-yaml reports it.
	paths, copies, bytes int
	size                 int // of the document
}

// overBudget reports whether go-yaml's reading would pass one of its
// budgets (they grow with the document's size).
func (r *blockReader) overBudget() bool {
	return r.paths > pathBudget(r.size) || r.copies > blockKeysBudget(r.size) || r.bytes > maxYAMLExpanded(r.size)
}

// readBlockYAML returns the document's tree, or false when the document is
// not in the subset.
func readBlockYAML(src []byte) (*srcNode, bool) {
	r := &blockReader{ok: true, size: len(src)}
	if !r.split(src) || len(r.lines) == 0 {
		return nil, false
	}
	root := r.node(r.lines[0].col, 1)
	if !r.ok || r.i != len(r.lines) || root == nil || r.overBudget() {
		return nil, false
	}
	return root, true
}

// split cuts src into lines of content, dropping blank lines and full-line
// comments.
func (r *blockReader) split(src []byte) bool {
	s := string(src)
	for no := 1; len(s) > 0; no++ {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		for i := 0; i < len(line); i++ {
			if c := line[i]; c < 0x20 || c >= 0x7f {
				return false // tabs, CR, control and non-ASCII bytes
			}
		}
		text := strings.TrimLeft(line, " ")
		if text == "" || text[0] == '#' {
			continue
		}
		if text[len(text)-1] == ' ' || (len(text) == len(line) && (text[0] == '%' || strings.HasPrefix(text, "---") || strings.HasPrefix(text, "..."))) {
			return false
		}
		r.lines = append(r.lines, blockLine{no: no, col: len(line) - len(text) + 1, text: text})
	}
	return true
}

func (r *blockReader) fail() *srcNode {
	r.ok = false
	return nil
}

// cur is the line being read, or nil at the end.
func (r *blockReader) cur() *blockLine {
	if !r.ok || r.i >= len(r.lines) {
		return nil
	}
	return &r.lines[r.i]
}

// isEntry reports whether text starts a block sequence entry.
func isEntry(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// node reads the block collection that starts at the current line, at
// column col; path is the length of go-yaml's path of the node.
func (r *blockReader) node(col, path int) *srcNode {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxSourceDepth/4 {
		return r.fail()
	}
	l := r.cur()
	if l == nil || l.col != col {
		return r.fail()
	}
	r.charge(path, 0)
	if isEntry(l.text) {
		return r.sequence(col, path)
	}
	return r.mapping(col, path)
}

// charge counts a node of size bytes as JSON whose path is path bytes
// long: for go-yaml, three tokens (a key, ':' and a value), each charged up
// to three times its path, and once more for the tree's pointer.
func (r *blockReader) charge(path, size int) {
	r.paths += 10 * path
	r.bytes += 1 + size
}

func (r *blockReader) mapping(col, path int) *srcNode {
	l := r.cur()
	obj := &srcNode{kind: kindObject, pos: Pos{Line: l.no, Col: l.col}}
	var seen map[string]bool // keys, once the mapping is large
	for l = r.cur(); l != nil && l.col == col && !isEntry(l.text); l = r.cur() {
		key, rest, ok := blockKey(l.text)
		if !ok {
			return r.fail()
		}
		r.copies += 8 * len(obj.members)
		r.bytes += len(key) + 3
		if r.overBudget() {
			return r.fail()
		}
		// go-yaml refuses duplicate keys, with its own message.
		if len(obj.members) < 16 {
			if obj.member(key) != nil {
				return r.fail()
			}
		} else {
			if seen == nil {
				seen = make(map[string]bool, 2*len(obj.members))
				for _, m := range obj.members {
					seen[m.key] = true
				}
			}
			if seen[key] {
				return r.fail()
			}
			seen[key] = true
		}
		keyPos := Pos{Line: l.no, Col: l.col}
		childPath := path + len(key) + 3 // keyPathCost's most
		var v *srcNode
		if rest == "" {
			r.i++
			next := r.cur()
			switch {
			case next != nil && next.col > col:
				v = r.node(next.col, childPath)
			case next != nil && next.col == col && isEntry(next.text):
				v = r.node(col, childPath) // "key:" then "- item" at the key's column
			default:
				return r.fail() // an empty value: left to go-yaml
			}
		} else {
			v = r.inline(l.no, l.col+len(l.text)-len(rest), rest, childPath)
			r.i++
			if next := r.cur(); next != nil && next.col > col {
				return r.fail() // a multi-line scalar
			}
		}
		if !r.ok {
			return nil
		}
		obj.members = append(obj.members, srcMember{key: key, keyPos: keyPos, value: v})
	}
	if l != nil && l.col > col {
		return r.fail()
	}
	return obj
}

func (r *blockReader) sequence(col, path int) *srcNode {
	l := r.cur()
	arr := &srcNode{kind: kindArray, pos: Pos{Line: l.no, Col: l.col}, elems: []*srcNode{}}
	for l = r.cur(); l != nil && l.col == col && isEntry(l.text); l = r.cur() {
		childPath := path + len(strconv.Itoa(len(arr.elems))) + 2
		rest := strings.TrimLeft(l.text[1:], " ")
		if rest != "" && rest[0] == '#' {
			rest = "" // a comment: the entry is on the lines below
		}
		var v *srcNode
		switch {
		case rest == "":
			r.i++
			next := r.cur()
			if next == nil || next.col <= col {
				return r.fail() // an empty entry: left to go-yaml
			}
			v = r.node(next.col, childPath)
		case isEntry(rest):
			return r.fail() // "- - x"
		default:
			vcol := l.col + len(l.text) - len(rest)
			if _, _, isKey := blockKey(rest); isKey {
				// "- key: value": a mapping at the column of its first key.
				*l = blockLine{no: l.no, col: vcol, text: rest}
				v = r.node(vcol, childPath)
				break
			}
			v = r.inline(l.no, vcol, rest, childPath)
			r.i++
			if next := r.cur(); next != nil && next.col > col {
				return r.fail()
			}
		}
		if !r.ok {
			return nil
		}
		arr.elems = append(arr.elems, v)
	}
	if l != nil && l.col > col {
		return r.fail()
	}
	return arr
}

// blockKey splits "key: rest" or "key:"; the key is a word or a quoted
// string.
func blockKey(text string) (key, rest string, ok bool) {
	var n int
	switch text[0] {
	case '"', '\'':
		key, n, ok = quoted(text)
		if !ok {
			return "", "", false
		}
	default:
		for n < len(text) && isPlainByte(text[n], n == 0) {
			n++
		}
		if n == 0 {
			return "", "", false // (a key is its text, whatever YAML would read a value as)
		}
		key = text[:n]
	}
	switch {
	case n+1 == len(text) && text[n] == ':':
		return key, "", true
	case n+1 < len(text) && text[n] == ':' && text[n+1] == ' ':
		rest = strings.TrimLeft(text[n+2:], " ")
		if rest != "" && rest[0] == '#' {
			rest = "" // a comment: the value is on the lines below
		}
		return key, rest, true
	}
	return "", "", false
}

// inline reads the value that fills the rest of line no from column col: a
// scalar or a one-line flow collection of them, then maybe a comment.
func (r *blockReader) inline(no, col int, text string, path int) *srcNode {
	v, i := r.value(no, col, text, 0, path, 0)
	if v == nil {
		return r.fail()
	}
	if !restIsComment(text[i:]) {
		return r.fail()
	}
	return v
}

// restIsComment reports whether what follows a value on its line is
// nothing, or spaces and a comment.
func restIsComment(rest string) bool {
	if rest == "" {
		return true
	}
	trimmed := strings.TrimLeft(rest, " ")
	return len(trimmed) < len(rest) && trimmed != "" && trimmed[0] == '#'
}

// skipSpaces returns the index of the first byte at or after i that is not
// a space.
func skipSpaces(text string, i int) int {
	for i < len(text) && text[i] == ' ' {
		i++
	}
	return i
}

// value reads the value at text[i:] (line no, text starting at column col):
// a scalar, a flow sequence or a flow mapping closed on the same line. It
// returns the node and the index after it; nil when the value is outside
// the subset.
func (r *blockReader) value(no, col int, text string, i, path, depth int) (*srcNode, int) {
	if i >= len(text) || depth > 32 {
		return nil, 0
	}
	pos := Pos{Line: no, Col: col + i}
	switch text[i] {
	case '[':
		r.charge(path, 0)
		arr := &srcNode{kind: kindArray, pos: pos, elems: []*srcNode{}}
		i = skipSpaces(text, i+1)
		if i < len(text) && text[i] == ']' {
			return arr, i + 1
		}
		for {
			v, next := r.value(no, col, text, i, path+len(strconv.Itoa(len(arr.elems)))+2, depth+1)
			if v == nil {
				return nil, 0
			}
			arr.elems = append(arr.elems, v)
			var closed, ok bool
			if i, closed, ok = afterEntry(text, next, ']'); !ok {
				return nil, 0
			} else if closed {
				return arr, i
			}
		}
	case '{':
		r.charge(path, 0)
		obj := &srcNode{kind: kindObject, pos: pos}
		i = skipSpaces(text, i+1)
		if i < len(text) && text[i] == '}' {
			return obj, i + 1
		}
		for {
			key, n, isKey := flowKey(text[i:])
			if !isKey || obj.member(key) != nil || len(obj.members) >= 64 {
				return nil, 0 // not a key, a duplicate (go-yaml's message), or large
			}
			keyPos := Pos{Line: no, Col: col + i}
			r.copies += 8 * len(obj.members)
			r.bytes += len(key) + 3
			v, next := r.value(no, col, text, skipSpaces(text, i+n), path+len(key)+3, depth+1)
			if v == nil {
				return nil, 0
			}
			obj.members = append(obj.members, srcMember{key: key, keyPos: keyPos, value: v})
			var closed, ok bool
			if i, closed, ok = afterEntry(text, next, '}'); !ok {
				return nil, 0
			} else if closed {
				return obj, i
			}
		}
	}
	v, n := r.scalar(pos, text[i:], path)
	if v == nil {
		return nil, 0
	}
	return v, i + n
}

// afterEntry reads what follows an entry of a flow collection at text[i:]:
// its closing bracket (closed) or a comma; it returns the index after them
// and their spaces, and false for anything else.
func afterEntry(text string, i int, closing byte) (next int, closed, ok bool) {
	i = skipSpaces(text, i)
	switch {
	case i < len(text) && text[i] == closing:
		return i + 1, true, true
	case i < len(text) && text[i] == ',':
		return skipSpaces(text, i+1), false, true
	}
	return 0, false, false
}

// flowKey reads "key: " at the start of text in a flow mapping and returns
// the key and the bytes up to the value.
func flowKey(text string) (string, int, bool) {
	if text == "" {
		return "", 0, false
	}
	var key string
	var n int
	if text[0] == '"' || text[0] == '\'' {
		var ok bool
		if key, n, ok = quoted(text); !ok {
			return "", 0, false
		}
	} else {
		for n < len(text) && isPlainByte(text[n], n == 0) {
			n++
		}
		if n == 0 {
			return "", 0, false
		}
		key = text[:n]
	}
	if n+1 < len(text) && text[n] == ':' && text[n+1] == ' ' {
		return key, n + 2, true
	}
	return "", 0, false
}

// scalar reads the scalar at the start of text and returns it with the
// bytes it took; nil when it is outside the subset.
func (r *blockReader) scalar(pos Pos, text string, path int) (*srcNode, int) {
	if text == "" {
		return nil, 0
	}
	if text[0] == '"' || text[0] == '\'' {
		s, n, ok := quoted(text)
		if !ok {
			return nil, 0
		}
		r.charge(path, len(s)+2)
		return &srcNode{kind: kindString, pos: pos, val: s}, n
	}
	n := 0
	for n < len(text) && (isPlainByte(text[n], n == 0) || (n > 0 && text[n] == ' ' && n+1 < len(text) && isPlainByte(text[n+1], false))) {
		n++
	}
	word := text[:n]
	switch {
	case n == 0:
		if text[0] < '0' || text[0] > '9' {
			return nil, 0
		}
		for n < len(text) && text[n] >= '0' && text[n] <= '9' {
			n++
		}
		if d := durationLen(text, n); d > 0 {
			r.charge(path, d+2)
			return &srcNode{kind: kindString, pos: pos, val: text[:d]}, d
		}
		if (text[0] == '0' && n > 1) || n > 18 || (n < len(text) && text[n] != ',' && text[n] != ']' && text[n] != '}' && text[n] != ' ') {
			return nil, 0 // octal-looking, too long for int64, or not a plain integer
		}
		i, err := strconv.ParseInt(text[:n], 10, 64)
		if err != nil {
			return nil, 0
		}
		r.charge(path, n)
		return &srcNode{kind: kindNumber, pos: pos, val: i}, n
	case word == "true" || word == "false":
		r.charge(path, n)
		return &srcNode{kind: kindBool, pos: pos, val: word == "true"}, n
	case word == "null":
		r.charge(path, n)
		return &srcNode{kind: kindNull, pos: pos}, n
	case reservedWord(word):
		return nil, 0
	}
	r.charge(path, n+2)
	return &srcNode{kind: kindString, pos: pos, val: word}, n
}

// durationLen returns the length of a word like 30s, 1h or 1h30m at the
// start of text, whose first n bytes are digits: digits, then letters and
// digits, up to a space, a comma or a closing bracket; 0 for anything else.
// The first letter is none of e, x, o and b, which YAML numbers use (1e3,
// 0x1F, 0o7, 0b1): such a word is a string to every YAML schema.
func durationLen(text string, n int) int {
	if n >= len(text) || strings.IndexByte("eExXoObB", text[n]) >= 0 {
		return 0
	}
	d := n
	for d < len(text) && (text[d] >= 'a' && text[d] <= 'z' || text[d] >= 'A' && text[d] <= 'Z' || text[d] >= '0' && text[d] <= '9') {
		d++
	}
	if d == n || (d < len(text) && strings.IndexByte(" ,]}", text[d]) < 0) {
		return 0
	}
	return d
}

// isPlainByte reports whether c may be part of a plain scalar of the subset:
// letters, digits and _ . / -, and only a letter, _ or / first.
func isPlainByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '/':
		return true
	case first:
		return false
	}
	return c >= '0' && c <= '9' || c == '.' || c == '-'
}

// reservedWord reports plain words that YAML schemas read as something
// other than a string (booleans of YAML 1.1, null, infinities), in any
// case; the subset leaves them to go-yaml, except true, false and null.
func reservedWord(w string) bool {
	switch strings.ToLower(w) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "nan":
		return true
	}
	return false
}

// quoted reads a quoted string at the start of text: "..." with \" and \\
// as its only escapes, or '...' with ” for a quote. It returns the string
// and the bytes it took.
func quoted(text string) (string, int, bool) {
	q := text[0]
	var b strings.Builder
	plain := true // no escape met: the string is a slice of text
	for i := 1; i < len(text); i++ {
		c := text[i]
		switch {
		case q == '"' && c == '\\':
			if i+1 >= len(text) || (text[i+1] != '"' && text[i+1] != '\\') {
				return "", 0, false
			}
			if plain {
				b.WriteString(text[1:i])
				plain = false
			}
			b.WriteByte(text[i+1])
			i++
		case q == '\'' && c == '\'' && i+1 < len(text) && text[i+1] == '\'':
			if plain {
				b.WriteString(text[1:i])
				plain = false
			}
			b.WriteByte('\'')
			i++
		case c == q:
			if plain {
				return text[1:i], i + 1, true
			}
			return b.String(), i + 1, true
		default:
			if !plain {
				b.WriteByte(c)
			}
		}
	}
	return "", 0, false // not closed on this line
}
