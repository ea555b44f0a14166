package asl

import "github.com/batonhq/baton/internal/value"

// ParseJSON parses one JSON document into the values the interpreter works
// with: nil, bool, int64, float64, json.Number (integers too large for int64),
// string, []any and map[string]any. Execution inputs and task results should
// come through it (or at least use these types) so that numbers keep their
// integer-ness.
func ParseJSON(b []byte) (any, error) { return value.Parse(b) }

// MarshalJSON renders a value as compact JSON with object keys sorted.
func MarshalJSON(v any) []byte { return value.Marshal(v) }

// JSONSize returns the length of MarshalJSON(v), or a number above limit as
// soon as it passes limit (limit <= 0: no early stop), without building it.
func JSONSize(v any, limit int) int { return value.Size(v, limit) }
