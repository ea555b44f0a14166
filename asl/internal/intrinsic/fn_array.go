package intrinsic

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/internal/value"
)

// maxRangeItems is the documented limit of States.ArrayRange's result.
const maxRangeItems = 1000

// evalArray implements States.Array(values...).
func evalArray(_ *callNode, args []any) (any, error) {
	return args, nil
}

// evalArrayPartition implements States.ArrayPartition(array, size). A
// fractional size is truncated, as on AWS; it must then be at least 1.
func evalArrayPartition(c *callNode, args []any) (any, error) {
	arr, ok := args[0].([]any)
	size, ok2 := number(args[1])
	if !ok || !ok2 || math.Trunc(size) < 1 {
		return nil, invalidArgs(c.fn.name)
	}
	chunk := len(arr)
	if t := math.Trunc(size); t < float64(len(arr)) {
		chunk = int(t)
	}
	out := make([]any, 0, (len(arr)+max(chunk, 1)-1)/max(chunk, 1))
	for i := 0; i < len(arr); i += chunk {
		end := min(i+chunk, len(arr))
		out = append(out, arr[i:end:end])
	}
	return out, nil
}

// evalArrayContains implements States.ArrayContains(array, value). Step
// Functions compares the Java string forms of the values, so true matches
// "true" and 1 matches "1"; this is kept for parity.
func evalArrayContains(c *callNode, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	want := formatValue(args[1])
	for _, e := range arr {
		if formatValue(e) == want {
			return true, nil
		}
	}
	return false, nil
}

// evalArrayRange implements States.ArrayRange(first, last, step).
func evalArrayRange(c *callNode, args []any) (any, error) {
	var fs [3]float64
	for i, a := range args {
		f, ok := number(a)
		if !ok {
			return nil, invalidArgs(c.fn.name)
		}
		fs[i] = f
	}
	out, ok := rangeOf(fs[0], fs[1], fs[2])
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	return out, nil
}

// rangeOf lists first, first+step, ... up to last inclusive. Arguments are
// truncated to 32-bit integers, as on AWS; the step must not be zero and the
// result must not exceed maxRangeItems. A step going away from last gives [].
func rangeOf(first, last, step float64) ([]any, bool) {
	a, ok1 := toInt32(first, math.Trunc)
	b, ok2 := toInt32(last, math.Trunc)
	s, ok3 := toInt32(step, math.Trunc)
	if !ok1 || !ok2 || !ok3 || s == 0 {
		return nil, false
	}
	if (s > 0 && a > b) || (s < 0 && a < b) {
		return []any{}, true
	}
	n := (b-a)/s + 1
	if n > maxRangeItems {
		return nil, false
	}
	out := make([]any, n)
	for i := range out {
		out[i] = a + int64(i)*s
	}
	return out, true
}

// evalArrayGetItem implements States.ArrayGetItem(array, index). A
// fractional index is truncated; an index past the end is an error, except
// that an empty array gives null, as observed on AWS.
func evalArrayGetItem(c *callNode, args []any) (any, error) {
	arr, ok := args[0].([]any)
	idx, ok2 := number(args[1])
	if !ok || !ok2 || math.Trunc(idx) < 0 {
		return nil, invalidArgs(c.fn.name)
	}
	if len(arr) == 0 {
		return nil, nil
	}
	if t := math.Trunc(idx); t < float64(len(arr)) {
		return arr[int(t)], nil
	}
	return nil, invalidArgs(c.fn.name)
}

// evalArrayLength implements States.ArrayLength(array).
func evalArrayLength(c *callNode, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	return int64(len(arr)), nil
}

// evalArrayUnique implements States.ArrayUnique(array): the first of each
// group of equal values (1 and 1.0 are equal), in order of appearance.
func evalArrayUnique(c *callNode, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	seen := make(map[string]struct{}, len(arr))
	out := make([]any, 0, len(arr))
	var b strings.Builder
	for _, e := range arr {
		b.Reset()
		appendKey(&b, e)
		k := b.String()
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, e)
	}
	return out, nil
}

// appendKey writes a canonical form of v in which equal JSON values (by
// value.Equal) have the same text: numbers by value, objects by sorted keys.
func appendKey(b *strings.Builder, v any) {
	switch t := v.(type) {
	case string:
		b.WriteString(string(value.Marshal(t)))
	case []any:
		b.WriteByte('[')
		for _, e := range t {
			appendKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for _, k := range slices.Sorted(maps.Keys(t)) {
			b.WriteString(string(value.Marshal(k)))
			b.WriteByte(':')
			appendKey(b, t[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		if n, ok := value.Integer(v); ok {
			b.WriteString(strconv.FormatInt(n, 10))
		} else if f, ok := number(v); ok {
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			b.WriteString(string(value.Marshal(v)))
		}
	}
}
