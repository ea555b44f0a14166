package intrinsic

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// formatValue renders v the way Step Functions interpolates it in
// States.Format, which is Java's toString of the value: strings bare, null as
// "null", arrays as "[1, a]", objects as "{k=v, k2=v2}" (keys sorted here:
// the order of the JSON text is not kept) and floating-point numbers as Java
// prints doubles ("1.0", "1.5E7").
func formatValue(v any) string {
	var b strings.Builder
	appendFormatted(&b, v)
	return b.String()
}

func appendFormatted(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(t)
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		b.WriteString(javaDouble(t))
	case json.Number:
		b.WriteString(formatJSONNumber(t))
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			appendFormatted(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(t)) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			appendFormatted(b, t[k])
		}
		b.WriteByte('}')
	default:
		if f, ok := number(v); ok {
			b.WriteString(javaDouble(f))
		} else {
			fmt.Fprint(b, v)
		}
	}
}

// formatJSONNumber renders a number too large for int64 or float64: integers
// as written, others as Java prints the nearest double.
func formatJSONNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return s
	}
	return javaDouble(f)
}

// javaDouble formats f as Java's Double.toString: plain notation with at
// least one decimal for 1e-3 <= |f| < 1e7, computerized scientific notation
// ("1.0E7", "1.5E-4") otherwise.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
