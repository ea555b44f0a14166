package value

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Size returns the length of Marshal(v) in bytes, or a number above limit as
// soon as it passes limit (limit <= 0: no early stop). It allocates nothing
// for the common types, so that payload limits can be checked on every
// transition.
func Size(v any, limit int) int {
	s := &sizer{limit: limit}
	s.add(v)
	return s.n
}

type sizer struct {
	n, limit int
	buf      [32]byte
}

func (s *sizer) over() bool { return s.limit > 0 && s.n > s.limit }

func (s *sizer) add(v any) {
	if s.over() {
		return
	}
	switch t := v.(type) {
	case nil:
		s.n += 4
	case bool:
		if t {
			s.n += 4
		} else {
			s.n += 5
		}
	case string:
		s.n += stringSize(t)
	case int64:
		s.n += len(strconv.AppendInt(s.buf[:0], t, 10))
	case float64:
		s.n += len(AppendFloat(s.buf[:0], t))
	case json.Number:
		s.n += len(t)
	case []any:
		s.n += 2 + max(len(t)-1, 0)
		for _, e := range t {
			s.add(e)
			if s.over() {
				return
			}
		}
	case map[string]any:
		s.n += 2 + max(len(t)-1, 0)
		for k, e := range t {
			s.n += stringSize(k) + 1
			s.add(e)
			if s.over() {
				return
			}
		}
	default:
		s.n += len(Marshal(v))
	}
}

// stringSize is the length of s as a JSON string, quotes and escapes
// included, as Marshal writes it.
func stringSize(s string) int {
	n := 2 + len(s)
	i := 0
	for i < len(s) && plain[s[i]] {
		i++ // the common case: printable ASCII that needs no escape
	}
	if i == len(s) {
		return n
	}
	n = 2 + i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += w
		}
		i += w
	}
	return n
}

// plain marks the bytes written as they are: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
