package tasks

import (
	"fmt"
	"strings"
)

// shellOperators are characters that mean something to a shell outside
// quotes. A mapped command is not run by a shell, so rather than pass them
// on as literal arguments, splitCommandLine rejects them.
const shellOperators = "|&;<>()$`"

// splitCommandLine splits a command line into arguments the way a POSIX
// shell splits words, without running a shell: blanks separate words,
// 'single quotes' keep everything literally, "double quotes" keep everything
// but \" \\ \$ and \` escapes, and a backslash outside quotes escapes the
// next character. Expansions ($VAR, globs, ~) are not performed, and shell
// operators outside quotes are an error that suggests sh -c.
func splitCommandLine(line string) ([]string, error) {
	var (
		args    []string
		word    strings.Builder
		inWord  bool
		r       = []byte(line) // every special character is ASCII, so bytes suffice
		operErr = func(c byte) error {
			return fmt.Errorf("command %q uses the shell operator %q, but it is not run by a shell: quote it, or run a shell explicitly (sh -c '...')", line, c)
		}
	)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 == len(r) {
				return nil, fmt.Errorf("command %q ends with a lone backslash", line)
			}
			i++
			if r[i] != '\n' { // backslash-newline joins lines
				word.WriteByte(r[i])
			}
			inWord = true
		case c == '\'':
			end := indexByte(r, i+1, '\'')
			if end < 0 {
				return nil, fmt.Errorf("command %q has an unterminated single quote", line)
			}
			word.WriteString(string(r[i+1 : end]))
			i = end
			inWord = true
		case c == '"':
			i++
			for ; i < len(r) && r[i] != '"'; i++ {
				if r[i] == '\\' && i+1 < len(r) && strings.IndexByte("\"\\$`\n", r[i+1]) >= 0 {
					i++
					if r[i] == '\n' {
						continue
					}
				}
				word.WriteByte(r[i])
			}
			if i == len(r) {
				return nil, fmt.Errorf("command %q has an unterminated double quote", line)
			}
			inWord = true
		case strings.IndexByte(shellOperators, c) >= 0:
			return nil, operErr(c)
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		args = append(args, word.String())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return args, nil
}

// indexByte is the index of the first c in r at or after from, or -1.
func indexByte(r []byte, from int, c byte) int {
	for i := from; i < len(r); i++ {
		if r[i] == c {
			return i
		}
	}
	return -1
}
