// Package functions implements the JSONata 2.x standard library.
package functions

import (
	"github.com/recolabs/gnata/internal/evaluator"
	"github.com/recolabs/gnata/internal/parser"
)

// EvalFn is a callback used by higher-order functions to invoke a lambda or
// builtin function value without creating an import cycle. The env parameter
// carries the per-evaluation call counter, ensuring concurrent Eval calls
// don't share stack-depth state.
type EvalFn func(fn any, args []any, focus any, env *evaluator.Environment) (any, error)

// builtinFuncs lists all plain BuiltinFunction registrations (name → func).
var builtinFuncs = []struct {
	name string
	fn   func([]any, any) (any, error)
}{
	// ── String ────────────────────────────────────────────────────────────────
	{"string", fnString},
	{"length", fnLength},
	{"substring", fnSubstring},
	{"substringBefore", fnSubstringBefore},
	{"substringAfter", fnSubstringAfter},
	{"trim", fnTrim},
	{"pad", fnPad},
	{"contains", fnContains},
	{"split", fnSplit},
	{"join", fnJoin},
	{"base64encode", fnBase64Encode},
	{"base64decode", fnBase64Decode},
	{"encodeUrl", fnEncodeURL},
	{"encodeUrlComponent", fnEncodeURLComponent},
	{"decodeUrl", fnDecodeURL},
	{"decodeUrlComponent", fnDecodeURLComponent},
	{"formatNumber", fnFormatNumber},
	{"formatBase", fnFormatBase},
	{"formatInteger", fnFormatInteger},
	{"parseInteger", fnParseInteger},
	// ── Numeric ───────────────────────────────────────────────────────────────
	{"number", fnNumber},
	{"abs", fnAbs},
	{"floor", fnFloor},
	{"ceil", fnCeil},
	{"round", fnRound},
	{"power", fnPower},
	{"sqrt", fnSqrt},
	{"random", fnRandom},
	{"sum", fnSum},
	{"max", fnMax},
	{"min", fnMin},
	{"average", fnAverage},
	// ── Array ─────────────────────────────────────────────────────────────────
	{"count", fnCount},
	{"append", fnAppend},
	{"reverse", fnReverse},
	{"shuffle", fnShuffle},
	{"distinct", fnDistinct},
	{"flatten", fnFlatten},
	{"zip", fnZip},
	// ── Object ────────────────────────────────────────────────────────────────
	{"keys", fnKeys},
	{"values", fnValues},
	{"spread", fnSpread},
	{"merge", fnMerge},
	{"error", fnError},
	{"lookup", fnLookup},
	// ── Boolean ───────────────────────────────────────────────────────────────
	{"boolean", fnBoolean},
	{"not", fnNot},
	{"exists", fnExists},
	// ── Misc ──────────────────────────────────────────────────────────────────
	{"assert", fnAssert},
	{"type", fnTypeOf},
	// ── Date / Time ───────────────────────────────────────────────────────────
	{"now", fnNow},
	{"millis", fnMillis},
	{"fromMillis", fnFromMillis},
	{"toMillis", fnToMillis},
}

func newSignedBuiltin(fn func([]any, any) (any, error), sig string) *evaluator.SignedBuiltin {
	parsed, _ := parser.ParseSig(sig)
	return &evaluator.SignedBuiltin{Fn: fn, Sig: sig, ParsedSig: parsed}
}

// RegisterAll binds every JSONata built-in function into env.
// evalFn must call evaluator.ApplyFunction (supplied by gnata.go).
func RegisterAll(env *evaluator.Environment, evalFn EvalFn) {
	for _, b := range builtinFuncs {
		if pre, ok := preChecks[b.name]; ok {
			env.Bind(b.name, budgeted(b.fn, pre))
			continue
		}
		env.Bind(b.name, evaluator.BuiltinFunction(b.fn))
	}
	env.Bind("uppercase", newSignedBuiltin(fnUppercase, "s-:s"))
	env.Bind("lowercase", newSignedBuiltin(fnLowercase, "s-:s"))
	env.Bind("match", makeFnMatch(evalFn))
	env.Bind("replace", makeFnReplace(evalFn))
	env.Bind("eval", makeFnEval())
	env.Bind("sort", makeFnSort(evalFn))
	env.Bind("sift", makeFnSift(evalFn))
	env.Bind("each", makeFnEach(evalFn))
	env.Bind("map", makeFnMap(evalFn))
	env.Bind("filter", makeFnFilter(evalFn))
	env.Bind("single", makeFnSingle(evalFn))
	env.Bind("reduce", makeFnReduce(evalFn))
}

// preChecks bound, from their arguments, the size of what the functions
// whose result can be far larger than their arguments would build, so that
// the memory budget is charged before it is built (fork: see FORK.md).
// The other functions grow by at most their arguments' size per call and
// are charged after they return (evaluator.callFunction).
var preChecks = map[string]func(args []any, focus any, left int64) int64{
	"string": func(args []any, focus any, left int64) int64 {
		v := focus
		if len(args) > 0 {
			v = args[0]
		}
		// Prettified text adds indentation: counted twice, as a bound.
		return 2 * evaluator.JSONSizeAtMost(v, left)
	},
	"join": func(args []any, _ any, _ int64) int64 {
		if len(args) == 0 {
			return 0
		}
		arr, ok := args[0].([]any)
		if !ok {
			return 0
		}
		sep := int64(0)
		if len(args) > 1 {
			if s, ok := args[1].(string); ok {
				sep = int64(len(s))
			}
		}
		n := int64(0)
		for _, e := range arr {
			if s, ok := e.(string); ok {
				n += int64(len(s)) + sep
			}
		}
		return n
	},
	"pad": func(args []any, _ any, _ int64) int64 {
		if len(args) < 2 {
			return 0
		}
		w, _ := evaluator.ToFloat64(args[1])
		w = min(max(w, -1e6), 1e6) // fnPad refuses wider
		pad := int64(1)
		if len(args) > 2 {
			if s, ok := args[2].(string); ok && s != "" {
				pad = int64(len(s))
			}
		}
		s, _ := args[0].(string)
		return int64(len(s)) + int64(max(w, -w))*pad
	},
}

// budgeted charges pre's bound of fn's result before calling fn.
func budgeted(fn func([]any, any) (any, error), pre func([]any, any, int64) int64) evaluator.EnvAwareBuiltin {
	return func(args []any, focus any, env *evaluator.Environment) (any, error) {
		left := env.Remaining()
		if left >= 0 {
			if n := pre(args, focus, left); n > left {
				return nil, evaluator.ErrMemoryBudget
			}
		}
		return fn(args, focus)
	}
}
