package value

import (
	"cmp"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
)

// Number returns v as float64 when it is a JSON number.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	case int:
		return float64(t), true
	case int32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float32:
		return float64(t), true
	}
	return 0, false
}

// IsNumber reports whether v is a JSON number.
func IsNumber(v any) bool {
	switch v.(type) {
	case int64, float64, json.Number, int, int32, uint64, float32:
		return true
	}
	return false
}

// Integer returns v as int64 when it is a number with an integral value that
// fits (2, 2.0, 2e0).
func Integer(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case int32:
		return int64(t), true
	}
	f, ok := Number(v)
	if !ok || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// CompareNumbers orders two numbers: -1, 0 or +1. ok is false when either is
// not a number (or is NaN). Integers are compared exactly, beyond float64 precision.
func CompareNumbers(a, b any) (int, bool) {
	if x, ok := exactFloat(a); ok {
		if y, ok := exactFloat(b); ok {
			return cmp.Compare(x, y), true
		}
	}
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y), true
		}
	}
	if !IsNumber(a) || !IsNumber(b) {
		return 0, false
	}
	x, okx := exact(a)
	y, oky := exact(b)
	if !okx || !oky {
		fx, _ := Number(a)
		fy, _ := Number(b)
		if math.IsNaN(fx) || math.IsNaN(fy) {
			return 0, false // NaN has no order
		}
		switch {
		case fx < fy:
			return -1, true
		case fx > fy:
			return 1, true
		}
		return 0, true
	}
	return x.Cmp(y), true
}

// exact returns n as an exact rational.
func exact(n any) (*big.Rat, bool) {
	r := new(big.Rat)
	switch t := n.(type) {
	case int64:
		return r.SetInt64(t), true
	case json.Number:
		_, ok := r.SetString(string(t))
		return r, ok
	}
	f, _ := Number(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return r.SetFloat64(f), true
}

// exactFloat returns n as a float64 when that loses nothing, so that most
// comparisons need no big.Rat.
func exactFloat(n any) (float64, bool) {
	switch t := n.(type) {
	case float64:
		return t, !math.IsNaN(t)
	case int64:
		const limit = 1 << 53 // every integer up to here is a float64
		return float64(t), t >= -limit && t <= limit
	}
	return 0, false
}

// Equal reports deep equality, with numbers compared by value (1 == 1.0).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
	case float64:
		if y, ok := b.(float64); ok {
			return x == y
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	c, ok := CompareNumbers(a, b)
	return ok && c == 0
}

// TypeName names v's JSON type as AWS messages do: "string", "number",
// "boolean", "null", "object", "array".
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	if IsNumber(v) {
		return "number"
	}
	return "unknown"
}
