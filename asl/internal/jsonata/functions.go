package jsonata

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"

	"github.com/recolabs/gnata"
)

// maxRangeItems bounds $range, as AWS bounds the memory one value may take.
const maxRangeItems = 1_000_000

// extraFunctions are the functions Step Functions adds to JSONata, as the
// engine's function values, bound per evaluation to the expressions that
// name them. $eval is disabled, as on AWS.
var extraFunctions = func() map[string]any {
	defs := map[string]gnata.CustomFunc{
		"partition": fnPartition,
		"range":     fnRange,
		"hash":      fnHash,
		"random":    fnRandom,
		"uuid":      fnUUID,
		"parse":     fnParse,
		"eval": func([]any, any) (any, error) {
			return nil, errors.New("the function $eval is not supported")
		},
	}
	env := gnata.NewCustomEnv(defs)
	out := make(map[string]any, len(defs))
	for name := range defs {
		fn, ok := env.Lookup(name)
		if !ok {
			panic("gnata: custom function " + name + " not bound")
		}
		out[name] = fn
	}
	return out
}()

// ExtraFunctions lists the names of the functions Step Functions adds.
var ExtraFunctions = []string{"partition", "range", "hash", "random", "uuid", "parse"}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// number reads a numeric argument.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int64:
		return float64(n), true
	}
	return 0, false
}

// fnPartition is $partition(array, chunkSize): the array in chunks of
// chunkSize (rounded towards zero), the last one holding the remainder.
func fnPartition(args []any, _ any) (any, error) {
	list, ok := arg(args, 0).([]any)
	if !ok {
		if arg(args, 0) == nil {
			return nil, nil
		}
		list = []any{arg(args, 0)}
	}
	f, ok := number(arg(args, 1))
	if !ok {
		return nil, errors.New("$partition: the chunk size must be a number")
	}
	size := int(math.Trunc(f))
	if size <= 0 || len(list) == 0 {
		return nil, nil
	}
	out := make([]any, 0, (len(list)+size-1)/size)
	for i := 0; i < len(list); i += size {
		end := min(i+size, len(list))
		out = append(out, append([]any(nil), list[i:end]...))
	}
	return out, nil
}

// fnRange is $range(start, end, step): the numbers from start towards end
// by step, end included when a step lands on it.
func fnRange(args []any, _ any) (any, error) {
	var v [3]float64
	for i := range v {
		f, ok := number(arg(args, i))
		if !ok {
			if i == 2 && arg(args, i) == nil {
				return nil, nil
			}
			return nil, fmt.Errorf("$range: argument %d must be a number", i+1)
		}
		v[i] = math.Trunc(f)
	}
	start, end, step := v[0], v[1], v[2]
	if step == 0 || (end > start && step < 0) || (end < start && step > 0) {
		return nil, nil
	}
	n := math.Floor((end-start)/step) + 1
	if n > maxRangeItems {
		return nil, fmt.Errorf("$range: the range has more than %d items", maxRangeItems)
	}
	out := make([]any, 0, int(n))
	for x := start; (step > 0 && x <= end) || (step < 0 && x >= end); x += step {
		out = append(out, x)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// fnHash is $hash(string, algorithm): the hex digest of the string.
func fnHash(args []any, _ any) (any, error) {
	s, ok := arg(args, 0).(string)
	if !ok {
		if arg(args, 0) == nil {
			return nil, nil
		}
		return nil, errors.New("$hash: the data to hash must be a string")
	}
	alg, ok := arg(args, 1).(string)
	if !ok {
		return nil, nil
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("$hash: unsupported hashing algorithm %q (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", alg)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnRandom is $random() or $random(seed): a number in [0, 1). With a seed
// the number is always the same (java.util.Random's first nextDouble).
func fnRandom(args []any, _ any) (any, error) {
	if len(args) == 0 || args[0] == nil {
		return mrand.Float64(), nil
	}
	f, ok := number(args[0])
	if !ok {
		return nil, errors.New("$random: the seed must be a number")
	}
	return newJavaRandom(int64(math.Trunc(f))).nextDouble(), nil
}

// fnUUID is $uuid(): a version 4 UUID.
func fnUUID([]any, any) (any, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// fnParse is $parse(jsonString): the JSON value the string holds.
func fnParse(args []any, _ any) (any, error) {
	s, ok := arg(args, 0).(string)
	if !ok {
		if arg(args, 0) == nil {
			return nil, nil
		}
		return nil, errors.New("$parse: the argument must be a string")
	}
	v, err := gnata.DecodeJSON(json.RawMessage(s))
	if err != nil {
		return nil, fmt.Errorf("$parse: the argument is not valid JSON: %v", err)
	}
	return v, nil
}

// javaRandom is java.util.Random's generator, which makes seeded $random
// calls repeatable.
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

func (r *javaRandom) next(bits uint) int64 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int64(int32(r.seed >> (48 - bits)))
}

func (r *javaRandom) nextDouble() float64 {
	return float64(r.next(26)<<27+r.next(27)) * (1.0 / (1 << 53))
}
