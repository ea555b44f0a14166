package value

// MaxDepth is the deepest nesting of objects and arrays a value may have
// in an execution: its input, a task's result, a state's output, effective
// input or variable, and what an expression returns. Snapshots of
// executions and the APIs' answers embed these values in JSON that
// encoding/json encodes and decodes, and encoding/json refuses documents
// nested deeper than 10,000 levels: a deeper value made the execution's
// snapshot fail and, after a restart, the execution could not be loaded.
// Half of that leaves room for what surrounds a value (a template of the
// definition, itself at most 1,000 deep, and the snapshot's own levels).
const MaxDepth = 5000

// TooDeep reports whether v nests objects and arrays more than limit
// levels deep (a scalar is at depth 0, [] at 1). It stops as soon as it
// passes limit and allocates nothing.
func TooDeep(v any, limit int) bool {
	switch t := v.(type) {
	case []any:
		if limit <= 0 {
			return true
		}
		for _, e := range t {
			if TooDeep(e, limit-1) {
				return true
			}
		}
	case map[string]any:
		if limit <= 0 {
			return true
		}
		for _, e := range t {
			if TooDeep(e, limit-1) {
				return true
			}
		}
	}
	return false
}
