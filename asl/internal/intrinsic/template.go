package intrinsic

import "strings"

// template is a States.Format template split at its {} placeholders:
// parts[0] {} parts[1] {} ... parts[n].
type template struct {
	parts []string
}

func (t *template) holes() int { return len(t.parts) - 1 }

// fill replaces the placeholders with vals, rendered as Step Functions
// renders them. len(vals) must equal t.holes().
func (t *template) fill(vals []any) string {
	var b strings.Builder
	b.WriteString(t.parts[0])
	for i, v := range vals {
		b.WriteString(formatValue(v))
		b.WriteString(t.parts[i+1])
	}
	return b.String()
}

// parseTemplate splits s at its {} placeholders. A backslash makes the
// following ', {, } or \ literal; any other backslash stands for itself. A
// '{' not followed by '}', or a lone '}', is an error, as on AWS. On error it
// returns the offset in s and what is wrong.
func parseTemplate(s string) (*template, int, string) {
	t := &template{}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) && strings.IndexByte(`'{}\`, s[i+1]) >= 0 {
				i++
				b.WriteByte(s[i])
			} else {
				b.WriteByte(c)
			}
		case '{':
			if i+1 >= len(s) || s[i+1] != '}' {
				return nil, i, "matching '}' not found for '{'"
			}
			t.parts = append(t.parts, b.String())
			b.Reset()
			i++
		case '}':
			return nil, i, "'}' without a matching '{'"
		default:
			b.WriteByte(c)
		}
	}
	t.parts = append(t.parts, b.String())
	return t, 0, ""
}
