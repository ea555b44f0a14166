package intrinsic

// javaRandom is java.util.Random's linear congruential generator, which
// makes seeded States.MathRandom calls repeatable the way a Java
// implementation would.
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

// next returns the next bits (at most 32) pseudo-random bits.
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(r.seed >> (48 - bits))
}

// nextInt returns a value in [0, bound); bound must be positive.
func (r *javaRandom) nextInt(bound int32) int32 {
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 { // a power of two: take the high bits
		return int32((int64(bound) * int64(v)) >> 31)
	}
	// Reject the values of the last, incomplete interval; the int32
	// overflow of u-v+m is how Java detects them.
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 {
			return v
		}
	}
}
