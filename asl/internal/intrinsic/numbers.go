package intrinsic

import (
	"math"
	"strconv"
	"unicode/utf16"

	"github.com/batonhq/baton/internal/value"
)

// maxTextLen is the documented limit of the inputs of States.Base64Encode,
// States.Base64Decode and States.Hash, in characters.
const maxTextLen = 10000

// parseNumberText converts a number literal: int64 for integers that fit,
// float64 otherwise. It fails on numbers beyond float64's range.
func parseNumberText(text string, integer bool) (any, bool) {
	if integer {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, true
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

// number returns v as float64 when it is a JSON number.
func number(v any) (float64, bool) {
	if !value.IsNumber(v) {
		return 0, false
	}
	f, ok := value.Number(v)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// javaRound rounds half up, like Java's Math.round, which Step Functions
// applies to the arguments of States.MathAdd: 2.5 → 3, -2.5 → -2.
func javaRound(f float64) float64 {
	fl := math.Floor(f)
	if f-fl >= 0.5 {
		return fl + 1
	}
	return fl
}

// toInt32 converts f with conv (math.Trunc or javaRound) and reports
// whether the result is a 32-bit integer, the range Step Functions works in.
func toInt32(f float64, conv func(float64) float64) (int64, bool) {
	r := conv(f)
	if math.IsNaN(r) || r < math.MinInt32 || r > math.MaxInt32 {
		return 0, false
	}
	return int64(r), true
}

// int32Arg returns argument v as a 32-bit integer, truncating fractions as
// Step Functions does for most functions.
func int32Arg(v any) (int64, bool) {
	if n, ok := v.(int64); ok {
		return n, n >= math.MinInt32 && n <= math.MaxInt32
	}
	f, ok := number(v)
	if !ok {
		return 0, false
	}
	return toInt32(f, math.Trunc)
}

// textLen is the length of s in UTF-16 code units, as Java counts the
// characters of a string.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
