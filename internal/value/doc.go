// Package value holds helpers for the JSON values the interpreter passes
// around: nil, bool, int64, float64, json.Number, string, []any and
// map[string]any, as github.com/ohler55/ojg/oj parses them. Values are treated
// as immutable once built.
package value
