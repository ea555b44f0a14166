package tasks

import (
	"strings"
	"unicode"
)

// splitSQL splits a script into its statements at the semicolons that end
// them, outside of quotes ('...', "...", `...`, [...]), comments (-- and
// /* */), PostgreSQL dollar quotes ($tag$...$tag$) and escape strings
// (E'...', where a backslash escapes the quote), and the BEGIN ... END body
// of a CREATE TRIGGER or of a PostgreSQL BEGIN ATOMIC function. Statements holding only comments and blanks
// are dropped.
func splitSQL(script string) []string {
	var (
		out   []string
		start int
		code  bool // the statement has something besides comments and blanks
		depth int  // BEGIN ... END nesting inside CREATE TRIGGER
		// trigger caches isTrigger for the statement (0: not known yet,
		// 1: yes, -1: no), so that a script of many BEGIN words costs
		// linear time.
		trigger int
	)
	flush := func(end int) {
		if code {
			out = append(out, strings.TrimSpace(script[start:end]))
		}
		start, code, depth, trigger = end+1, false, 0, 0
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '-' && strings.HasPrefix(script[i:], "--"):
			if j := strings.IndexByte(script[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(script)
			}
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			if j := strings.Index(script[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(script)
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			code = true
			end := c
			if c == '[' {
				end = ']'
			}
			// E'...': PostgreSQL's escape string (E a word of its own).
			escape := c == '\'' && i > 0 && (script[i-1] == 'E' || script[i-1] == 'e') && (i == 1 || !isWordByte(script[i-2]))
			i = skipQuoted(script, i, end, escape)
		case c == '$':
			code = true
			// After a letter or digit, $ is part of an identifier (a$b$).
			if tag, ok := dollarTag(script[i:]); ok && (i == 0 || !isWordByte(script[i-1])) {
				if j := strings.Index(script[i+len(tag):], tag); j >= 0 {
					i += len(tag) + j + len(tag) - 1
				} else {
					i = len(script)
				}
			}
		case c == ';':
			if depth == 0 {
				flush(i)
			}
		case unicode.IsSpace(rune(c)):
		default:
			if isWordStart(script, i) {
				word := wordAt(script, i)
				switch strings.ToUpper(word) {
				case "BEGIN", "CASE":
					if strings.EqualFold(word, "BEGIN") && strings.EqualFold(wordAt(script, skipSpace(script, i+len(word))), "ATOMIC") {
						trigger = 1 // a SQL-standard function body
					}
					if trigger == 0 {
						trigger = -1
						if isTrigger(script[start:i]) {
							trigger = 1
						}
					}
					if trigger == 1 {
						depth++
					}
				case "END":
					if depth > 0 {
						depth--
					}
				}
				code = true
				i += len(word) - 1
				continue
			}
			code = true
		}
	}
	flush(len(script))
	return out
}

// skipQuoted returns the index of the quote that closes the one at i (a
// doubled quote is part of the text, and with backslash, an escaped one),
// or the end of s.
func skipQuoted(s string, i int, end byte, backslash bool) int {
	for j := i + 1; j < len(s); j++ {
		if backslash && s[j] == '\\' {
			j++
			continue
		}
		if s[j] == end {
			if end != ']' && j+1 < len(s) && s[j+1] == end {
				j++
				continue
			}
			return j
		}
	}
	return len(s)
}

// dollarTag reads a PostgreSQL dollar-quote opening ($$ or $tag$) at the
// start of s.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !(c == '_' || unicode.IsLetter(rune(c)) || (j > 1 && unicode.IsDigit(rune(c)))) {
			return "", false
		}
	}
	return "", false
}

// skipSpace returns the index of the first byte from i that is not a space.
func skipSpace(s string, i int) int {
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	return i
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

func isWordStart(s string, i int) bool {
	return isWordByte(s[i]) && (i == 0 || !isWordByte(s[i-1]))
}

func wordAt(s string, i int) string {
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return s[i:j]
}

// isTrigger reports whether a statement's text so far creates a trigger,
// whose body holds semicolons between BEGIN and END.
func isTrigger(stmt string) bool {
	f := strings.Fields(strings.ToUpper(stmt))
	if len(f) < 2 || f[0] != "CREATE" {
		return false
	}
	for _, w := range f[1:min(len(f), 4)] {
		if w == "TRIGGER" {
			return true
		}
	}
	return false
}
