package workflow

import "github.com/batonhq/baton/internal/value"

// ParseJSON parses a JSON document into the values every language works on:
// nil, bool, int64, float64, json.Number, string, []any and map[string]any.
// It refuses documents nested deeper than value.MaxDepth.
func ParseJSON(b []byte) (any, error) { return value.Parse(b) }

// MarshalJSON renders a value as compact JSON with object keys sorted.
func MarshalJSON(v any) []byte { return value.Marshal(v) }
