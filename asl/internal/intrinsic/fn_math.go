package intrinsic

import (
	"math"
	"math/rand/v2"
)

// evalMathAdd implements States.MathAdd(a, b). Step Functions rounds each
// argument half up (Java's Math.round) and works with 32-bit integers: the
// arguments and the sum must fit.
func evalMathAdd(c *callNode, args []any) (any, error) {
	var sum int64
	for _, a := range args {
		f, ok := number(a)
		if !ok {
			return nil, invalidArgs(c.fn.name)
		}
		n, ok := toInt32(f, javaRound)
		if !ok {
			return nil, invalidArgs(c.fn.name)
		}
		sum += n
	}
	if sum < math.MinInt32 || sum > math.MaxInt32 {
		return nil, invalidArgs(c.fn.name)
	}
	return sum, nil
}

// evalMathRandom implements States.MathRandom(start, end[, seed]): an
// integer in [start, end). Bounds are truncated to 32-bit integers and start
// must be below end, as on AWS. With a seed the result is that of Java's
// java.util.Random(seed).nextInt(end - start) + start, so a seed always gives
// the same number.
func evalMathRandom(c *callNode, args []any) (any, error) {
	start, ok1 := int32Arg(args[0])
	end, ok2 := int32Arg(args[1])
	if !ok1 || !ok2 || start >= end || end-start > math.MaxInt32 {
		return nil, invalidArgs(c.fn.name)
	}
	bound := end - start
	if len(args) < 3 {
		return start + rand.Int64N(bound), nil
	}
	seed, ok := seedArg(args[2])
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	return start + int64(newJavaRandom(seed).nextInt(int32(bound))), nil
}

// seedArg returns a seed as the 64-bit integer Java would use.
func seedArg(v any) (int64, bool) {
	if n, ok := v.(int64); ok {
		return n, true
	}
	f, ok := number(v)
	if !ok || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(math.Trunc(f)), true
}
