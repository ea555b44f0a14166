// Package pattern is a TEMPORARY stand-in for the EventBridge pattern
// matcher being written on branch `pattern` (same API). It knows exact
// values, nested objects, prefix and exists only. When the real package
// lands on main, this file goes: take the real one.
package pattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Pattern is a compiled event pattern.
type Pattern struct{ root map[string]any }

// Compile parses and checks an event pattern.
func Compile(src []byte) (*Pattern, error) {
	var root map[string]any
	if err := json.Unmarshal(src, &root); err != nil || root == nil {
		return nil, errors.New("Filter is not an object")
	}
	if err := check(root); err != nil {
		return nil, err
	}
	return &Pattern{root: root}, nil
}

func check(m map[string]any) error {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			if err := check(v); err != nil {
				return err
			}
		case []any:
			if len(v) == 0 {
				return fmt.Errorf("Empty arrays are not allowed")
			}
		default:
			return fmt.Errorf("Match value must be String, number, true, false, or null: %q must be an object or an array", k)
		}
	}
	return nil
}

// Match tells whether event (a JSON object) matches p.
func (p *Pattern) Match(event []byte) (bool, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return false, err
	}
	return match(p.root, ev), nil
}

func match(pat map[string]any, ev map[string]any) bool {
	for k, want := range pat {
		got, has := ev[k]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !match(w, sub) {
				return false
			}
		case []any:
			if !anyOf(w, got, has) {
				return false
			}
		}
	}
	return true
}

func anyOf(list []any, got any, has bool) bool {
	vals := []any{got}
	if arr, ok := got.([]any); ok {
		vals = arr
	}
	for _, w := range list {
		for _, v := range vals {
			if m, ok := w.(map[string]any); ok {
				if e, ok := m["exists"].(bool); ok && e == has {
					return true
				}
				if pre, ok := m["prefix"].(string); ok {
					if s, ok := v.(string); ok && strings.HasPrefix(s, pre) {
						return true
					}
				}
				continue
			}
			if has && fmt.Sprint(w) == fmt.Sprint(v) {
				return true
			}
		}
	}
	return false
}

// Matcher matches events against many named patterns.
type Matcher struct {
	mu sync.RWMutex
	ps map[string]*Pattern
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher { return &Matcher{ps: map[string]*Pattern{}} }

// Add adds or replaces a named pattern.
func (m *Matcher) Add(name string, p *Pattern) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ps[name] = p
}

// Remove removes a named pattern.
func (m *Matcher) Remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ps, name)
}

// Match returns the names of the patterns event matches, sorted.
func (m *Matcher) Match(event []byte) ([]string, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for n, p := range m.ps {
		if match(p.root, ev) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}
