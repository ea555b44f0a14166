package intrinsic

import (
	"strings"

	"github.com/batonhq/baton/internal/value"
)

// evalFormat implements States.Format(template, values...).
// formatSize bounds the length of States.Format's result: the template and
// each argument as JSON (strings are written without quotes, in less).
func formatSize(c *callNode, args []any, limit int) int {
	n := 0
	for _, a := range args {
		n += value.Size(a, max(limit-n, 1))
		if n > limit {
			break
		}
	}
	return n
}

func evalFormat(c *callNode, args []any) (any, error) {
	t := c.tmpl
	if t == nil {
		s, ok := args[0].(string)
		if !ok {
			return nil, invalidArgs(c.fn.name)
		}
		var msg string
		if t, _, msg = parseTemplate(s); msg != "" {
			return nil, invalidArgs(c.fn.name)
		}
	}
	if t.holes() != len(args)-1 {
		return nil, invalidArgs(c.fn.name)
	}
	return t.fill(args[1:]), nil
}

// evalStringSplit implements States.StringSplit(string, delimiters). Like
// Java's StringTokenizer, which Step Functions' results match, every
// character of the second argument is a delimiter and empty pieces are
// dropped: "a,,b" gives ["a","b"] and "" gives [].
func evalStringSplit(c *callNode, args []any) (any, error) {
	s, ok1 := args[0].(string)
	delims, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, invalidArgs(c.fn.name)
	}
	pieces := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(pieces))
	for i, p := range pieces {
		out[i] = p
	}
	return out, nil
}
