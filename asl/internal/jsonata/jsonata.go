// Package jsonata wraps the JSONata engine (github.com/recolabs/gnata) for
// the States Language: expressions are compiled once, when a machine is
// compiled, and evaluated with the bindings a state provides ($states and the
// state machine's variables), plus the functions Step Functions adds to
// JSONata ($partition, $range, $hash, $random, $uuid, $parse).
//
// Values cross the boundary in both directions: the interpreter's values
// (nil, bool, int64, float64, json.Number, string, []any, map[string]any)
// become the engine's (JSON null is a sentinel there, numbers are float64 or
// json.Number) with ToJSONata, and results come back with FromJSONata.
package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/recolabs/gnata"
)

// Expr is a compiled JSONata expression, the text inside "{% ... %}".
// It is immutable and safe for concurrent use.
type Expr struct {
	src  string // the expression as written, trimmed
	expr *gnata.Expression
	// vars lists the variables ($name) the expression may reference, so
	// that only those are bound when it is evaluated. It is a superset:
	// names inside strings and lambda parameters are in it too.
	vars []string
	// States tells which fields of $states the expression reads.
	States StatesUse
}

// StatesUse tells which fields of the reserved $states variable an
// expression reads, so that only those are built.
type StatesUse struct {
	Input, Result, ErrorOutput, Context bool
}

// Any reports whether $states is read at all.
func (u StatesUse) Any() bool { return u.Input || u.Result || u.ErrorOutput || u.Context }

// Source returns the expression as written (without the delimiters).
func (e *Expr) Source() string { return e.src }

// Vars returns the state machine variables the expression may read.
func (e *Expr) Vars() []string { return e.vars }

// IsExpression reports whether s is a JSONata string: it starts with "{%"
// and ends with "%}".
func IsExpression(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// Inner returns the expression inside a JSONata string's delimiters.
func Inner(s string) string {
	return strings.TrimSpace(s[2 : len(s)-2])
}

// Compile compiles the expression inside a JSONata string (without "{%"
// and "%}"). Errors carry the engine's message.
func Compile(src string) (*Expr, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, errors.New("the expression is empty")
	}
	g, err := compileSafe(src)
	if err != nil {
		return nil, err
	}
	e := &Expr{src: src, expr: g}
	e.vars, e.States = scanVariables(src)
	return e, nil
}

// compileSafe turns an engine panic into an error: the parser must never
// take the process down on a hostile definition.
func compileSafe(src string) (g *gnata.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return gnata.Compile(src)
}

// Bindings supplies the values an evaluation reads. Values must already be
// in the engine's form (ToJSONata); States is the $states object.
type Bindings struct {
	States map[string]any
	// Var returns the value of a state machine variable, in the engine's
	// form; ok is false when it has none.
	Var func(name string) (any, bool)
}

// ErrUndefined is returned (as the error) when an expression evaluates to
// nothing, which no field accepts.
var ErrUndefined = errors.New("undefined")

// Limits bound one evaluation. Zero fields mean no limit.
type Limits struct {
	// Timeout bounds the evaluation's time: past it, it fails with
	// ErrTimeLimit.
	Timeout time.Duration
	// MaxBytes bounds what the evaluation may build, an estimate of the
	// bytes of the strings, arrays and objects it makes, counted as they
	// are made (so what it drops counts too): past it, it fails with
	// ErrMemoryLimit, before the value that crosses it is built.
	MaxBytes int64
}

// ErrTimeLimit and ErrMemoryLimit are the errors of an evaluation that
// went past its Limits.
var (
	ErrTimeLimit   = errors.New("the evaluation ran out of time")
	ErrMemoryLimit = errors.New("the evaluation built more data than allowed")
)

// deadline is a context whose Err reports ErrTimeLimit once the time is
// past. The engine asks Err before every node it evaluates; the clock is
// read every 64 asks. It serves one evaluation on one goroutine.
type deadline struct {
	context.Context
	at    time.Time
	calls uint32
	over  bool
}

func (d *deadline) Err() error {
	if d.over {
		return ErrTimeLimit
	}
	if d.calls++; d.calls%64 == 0 && time.Now().After(d.at) {
		d.over = true
		return ErrTimeLimit
	}
	return d.Context.Err()
}

// Eval evaluates the expression within lim. The result is in the
// interpreter's form. An expression that returns nothing yields Undefined;
// one past a limit yields ErrTimeLimit or ErrMemoryLimit; another
// evaluation error yields an *EvalError.
func (e *Expr) Eval(ctx context.Context, b Bindings, lim Limits) (any, error) {
	vars := make(map[string]any, len(e.vars)+1)
	if b.States != nil {
		vars["states"] = b.States
	}
	for _, name := range e.vars {
		if fn, ok := extraFunctions[name]; ok {
			vars[name] = fn
			continue
		}
		if b.Var == nil {
			continue
		}
		if v, ok := b.Var(name); ok {
			vars[name] = v
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var dl *deadline
	if lim.Timeout > 0 {
		dl = &deadline{Context: ctx, at: time.Now().Add(lim.Timeout)}
		ctx = dl
	}
	r, err := evalSafe(ctx, e.expr, vars, lim.MaxBytes)
	switch {
	case err == nil:
	case errors.Is(err, gnata.ErrMemoryBudget):
		return nil, ErrMemoryLimit
	case errors.Is(err, ErrTimeLimit) || dl != nil && dl.over:
		return nil, ErrTimeLimit
	default:
		return nil, &EvalError{Message: err.Error()}
	}
	if r == nil {
		return nil, ErrUndefined
	}
	return FromJSONata(r), nil
}

func evalSafe(ctx context.Context, g *gnata.Expression, vars map[string]any, maxBytes int64) (r any, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%v", p)
		}
	}()
	// The expression has no input document: "$" and field names at the
	// top level were refused by the validator.
	return g.EvalWithBudget(ctx, nil, vars, maxBytes)
}

// EvalError is an error the engine raised while evaluating, such as a type
// error; Message is the engine's text ("T2001: ...").
type EvalError struct {
	Message string
}

func (e *EvalError) Error() string { return e.Message }

// scanVariables lists the names of the "$name" tokens of src, outside
// string literals and comments, and which fields of $states it reads.
func scanVariables(src string) ([]string, StatesUse) {
	var names []string
	var use StatesUse
	seen := map[string]bool{}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'':
			i = skipString(src, i)
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			if j := strings.Index(src[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(src)
			}
			continue
		case c != '$':
			continue
		}
		j := i + 1
		for j < len(src) && isNameByte(src[j]) {
			j++
		}
		name := src[i+1 : j]
		if name == "states" {
			use = statesUse(src[j:], use)
		} else if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		i = j - 1
	}
	return names, use
}

// statesUse adds the field of $states that rest (what follows "$states")
// reads; anything but a plain field access reads them all.
func statesUse(rest string, use StatesUse) StatesUse {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if strings.HasPrefix(rest, ".") {
		f := strings.TrimLeft(rest[1:], " \t\r\n")
		f = strings.Trim(f, "`")
		switch {
		case hasName(f, "input"):
			use.Input = true
			return use
		case hasName(f, "result"):
			use.Result = true
			return use
		case hasName(f, "errorOutput"):
			use.ErrorOutput = true
			return use
		case hasName(f, "context"):
			use.Context = true
			return use
		}
	}
	return StatesUse{Input: true, Result: true, ErrorOutput: true, Context: true}
}

func hasName(s, name string) bool {
	return strings.HasPrefix(s, name) && (len(s) == len(name) || !isNameByte(s[len(name)]))
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// skipString returns the index of the quote that closes the string
// starting at src[i].
func skipString(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return len(src)
}

// null is the engine's JSON null.
var null = func() any {
	v, err := gnata.DecodeJSON(json.RawMessage("null"))
	if err != nil || v == nil {
		panic("gnata: no null sentinel")
	}
	return v
}()

// maxExactFloat is the largest integer a float64 holds exactly.
const maxExactFloat = 1 << 53

// ToJSONata converts an interpreter value to the engine's form.
func ToJSONata(v any) any {
	switch t := v.(type) {
	case nil:
		return null
	case int64:
		if t > -maxExactFloat && t < maxExactFloat {
			return float64(t)
		}
		return json.Number(strconv.FormatInt(t, 10))
	case int:
		return ToJSONata(int64(t))
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = ToJSONata(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = ToJSONata(e)
		}
		return out
	}
	return v
}

// FromJSONata converts an engine value back to the interpreter's form.
// Whole numbers become int64, as JSON (and AWS) writes them without a
// fraction; non-finite numbers become the strings JavaScript names them
// by, as AWS writes them.
func FromJSONata(v any) any {
	switch t := v.(type) {
	case nil, bool, string:
		return v
	case float64:
		return fromFloat(t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e18 {
			return int64(f)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if e == nil {
				continue // undefined: JSONata drops the key
			}
			out[k] = FromJSONata(e)
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if e == nil {
				continue
			}
			out = append(out, FromJSONata(e))
		}
		return out
	}
	if gnata.IsNull(v) {
		return nil
	}
	if m, ok := v.(interface{ ToMap() map[string]any }); ok { // the engine's ordered objects
		return FromJSONata(m.ToMap())
	}
	switch n := gnata.NormalizeValue(v).(type) {
	case map[string]any, []any:
		return FromJSONata(n)
	case nil:
		return nil
	}
	return nil // a function or another value JSON cannot hold
}

// fromFloat converts an engine number.
func fromFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e18:
		return int64(f)
	}
	return f
}
