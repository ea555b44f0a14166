package jsonpath

import (
	"strconv"
	"strings"
)

// stepKind is what one step of a path selects.
type stepKind uint8

const (
	stepField    stepKind = iota // .name or ['name']
	stepIndex                    // [n]; negative counts from the end
	stepWildcard                 // .* or [*]
	stepNames                    // ['a','b']
	stepIndexes                  // [0,2]
	stepSlice                    // [from:to]
	stepFilter                   // [?(expr)]
)

// step is one step of a path. descent marks a step reached through "..".
type step struct {
	kind    stepKind
	descent bool
	name    string
	index   int
	names   []string
	indexes []int
	slice   sliceSpec
	filter  expr
}

// sliceSpec is [from:to], either bound optional.
type sliceSpec struct {
	from, to       int
	hasFrom, hasTo bool
}

// definite reports whether s selects at most one value.
func (s *step) definite() bool {
	return !s.descent && (s.kind == stepField || s.kind == stepIndex)
}

// appendNorm appends s in Jayway's normalized form ("['a']", "[0]", "[*]"),
// which AWS's messages quote.
func (s *step) appendNorm(b []byte) []byte {
	if s.descent {
		b = append(b, ".."...)
	}
	switch s.kind {
	case stepField:
		b = appendQuoted(b, s.name)
	case stepIndex:
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(s.index), 10)
		b = append(b, ']')
	case stepWildcard:
		b = append(b, "[*]"...)
	case stepNames:
		b = append(b, '[')
		for i, n := range s.names {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '\'')
			b = append(b, n...)
			b = append(b, '\'')
		}
		b = append(b, ']')
	case stepIndexes:
		b = append(b, '[')
		for i, n := range s.indexes {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, ']')
	case stepSlice:
		b = append(b, '[')
		if s.slice.hasFrom {
			b = strconv.AppendInt(b, int64(s.slice.from), 10)
		}
		b = append(b, ':')
		if s.slice.hasTo {
			b = strconv.AppendInt(b, int64(s.slice.to), 10)
		}
		b = append(b, ']')
	case stepFilter:
		b = append(b, "[?]"...)
	}
	return b
}

func appendQuoted(b []byte, name string) []byte {
	b = append(b, "['"...)
	b = append(b, name...)
	return append(b, "']"...)
}

// normPath renders steps in Jayway's normalized form: $['a'][0].
func normPath(steps []step) string {
	b := make([]byte, 0, 32)
	b = append(b, '$')
	for i := range steps {
		b = steps[i].appendNorm(b)
	}
	return string(b)
}

// describe renders s alone, without a leading "..", for messages.
func (s *step) describe() string {
	return strings.TrimPrefix(string(s.appendNorm(nil)), "..")
}
