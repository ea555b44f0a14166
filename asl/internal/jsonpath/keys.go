package jsonpath

import "slices"

// sortedKeys lists m's keys in byte order: Go maps keep no order, and a
// fixed one makes wildcard results reproducible.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
