package value

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Marshal renders v as compact JSON with object keys sorted.
func Marshal(v any) []byte {
	bp := bufPool.Get().(*[]byte)
	b := AppendJSON((*bp)[:0], v)
	out := make([]byte, len(b))
	copy(out, b)
	release(bp, b)
	return out
}

// MarshalString is Marshal returning a string.
func MarshalString(v any) string {
	bp := bufPool.Get().(*[]byte)
	b := AppendJSON((*bp)[:0], v)
	out := string(b)
	release(bp, b)
	return out
}

// bufPool recycles Marshal's scratch buffers so that a call allocates only
// its result.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// maxPooled keeps one huge document from pinning its buffer forever.
const maxPooled = 64 << 10

func release(bp *[]byte, b []byte) {
	if cap(b) > maxPooled {
		return
	}
	*bp = b
	bufPool.Put(bp)
}

// AppendJSON appends the compact, key-sorted JSON form of v to dst.
// Values outside the JSON model are rendered through encoding/json, or as
// null when even that fails; it never panics.
func AppendJSON(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if t {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return AppendString(dst, t)
	case int64:
		return strconv.AppendInt(dst, t, 10)
	case float64:
		return AppendFloat(dst, t)
	case json.Number:
		if t == "" {
			return append(dst, '0')
		}
		return append(dst, t...)
	case map[string]any:
		return appendObject(dst, t)
	case []any:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		return append(dst, ']')
	case int:
		return strconv.AppendInt(dst, int64(t), 10)
	case int32:
		return strconv.AppendInt(dst, int64(t), 10)
	case uint64:
		return strconv.AppendUint(dst, t, 10)
	case float32:
		return AppendFloat(dst, float64(t))
	case []string:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, e)
		}
		return append(dst, ']')
	}
	return appendOther(dst, v)
}

// appendOther renders a value outside the JSON model through encoding/json,
// without its HTML escaping.
func appendOther(dst []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return append(dst, "null"...)
	}
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// appendObject writes m with its keys in byte order. Keys of small objects
// are sorted in a stack buffer to spare an allocation.
func appendObject(dst []byte, m map[string]any) []byte {
	if len(m) == 0 {
		return append(dst, "{}"...)
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendJSON(dst, m[k])
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Only what JSON requires is
// escaped ('"', '\\' and control characters); '<', '>' and '&' are kept, as
// AWS does. Invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := 0
	for i < len(s) && !needsEscape[s[i]] {
		i++
	}
	if i == len(s) && utf8.ValidString(s) {
		// The common case: nothing to escape.
		dst = append(dst, s...)
		return append(dst, '"')
	}
	return appendEscaped(dst, s)
}

// needsEscape marks the ASCII bytes JSON strings cannot hold as is.
var needsEscape = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// appendEscaped writes the rest of the quoted string s, escaping what it
// must, and the closing quote.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends f as Java's Double.toString (and so Jackson, and so
// AWS) renders it, with Go's shortest digits: "1.0", "0.5", "1.0E7",
// "1.5E-4". NaN and infinities, which JSON cannot hold, become null.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs == 0 || (abs >= 1e-3 && abs < 1e7) {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if !hasByte(dst[start:], '.') {
			dst = append(dst, '.', '0')
		}
		return dst
	}
	// Scientific: Go gives "1.5e-04" / "1e+07"; Java wants "1.5E-4" / "1.0E7".
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	e := 0
	for e < len(s) && s[e] != 'e' {
		e++
	}
	dst = append(dst, s[:e]...)
	if !hasByte(s[:e], '.') {
		dst = append(dst, '.', '0')
	}
	dst = append(dst, 'E')
	exp := s[e+1:]
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(dst, exp...)
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
