package tasks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MockConfig is a Step Functions Local mock configuration file: test cases
// that replace the Task states of state machines with mocked responses.
type MockConfig struct {
	// StateMachines maps a state machine name to its test cases.
	StateMachines map[string]*MockStateMachine
	// MockedResponses maps a mocked response name to its responses.
	MockedResponses map[string]*MockedResponse
}

// MockStateMachine holds the test cases of one state machine.
type MockStateMachine struct {
	TestCases map[string]MockTestCase
}

// MockTestCase maps a Task state name to the name of its mocked response.
// States it does not list run for real.
type MockTestCase map[string]string

// MockedResponse is what successive invocations of a mocked state return or
// throw.
type MockedResponse struct {
	Name  string
	Steps []MockStep // sorted by First, never overlapping
}

// MockStep is the response to a range of invocations of a mocked state.
type MockStep struct {
	Key         string // as in the file: "0", "1-2"
	First, Last int    // 0-based invocation indexes, inclusive
	Return      any    // the result, when Throw is nil
	Throw       *Failure
}

// At is the step for the 0-based invocation i.
func (m *MockedResponse) At(i int) (MockStep, bool) {
	k, found := slices.BinarySearchFunc(m.Steps, i, func(s MockStep, i int) int {
		switch {
		case s.Last < i:
			return -1
		case s.First > i:
			return 1
		}
		return 0
	})
	if !found {
		return MockStep{}, false
	}
	return m.Steps[k], true
}

// Ranges lists the invocation ranges the response defines, for messages.
func (m *MockedResponse) Ranges() string {
	keys := make([]string, len(m.Steps))
	for i, s := range m.Steps {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

// ParseMockConfig parses and checks a mock configuration file. Errors give
// the line and column of a JSON syntax error, or the JSON pointer of the
// value that is wrong ("mock config /MockedResponses/R/1-x: ...").
//
// Unlike Step Functions Local it rejects unknown fields, overlapping
// invocation ranges and test cases that name a missing mocked response, so
// that typos fail loudly instead of running the real task.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("mock config: %w", err)
	}
	root, err := object(v, "", "StateMachines", "MockedResponses")
	if err != nil {
		return nil, err
	}
	cfg := &MockConfig{
		StateMachines:   map[string]*MockStateMachine{},
		MockedResponses: map[string]*MockedResponse{},
	}
	if v, ok := root["MockedResponses"]; ok {
		responses, err := object(v, "/MockedResponses")
		if err != nil {
			return nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(responses)) {
			r, err := parseMockedResponse(name, responses[name], pointer("/MockedResponses", name))
			if err != nil {
				return nil, err
			}
			cfg.MockedResponses[name] = r
		}
	}
	if v, ok := root["StateMachines"]; ok {
		machines, err := object(v, "/StateMachines")
		if err != nil {
			return nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(machines)) {
			m, err := parseMockStateMachine(cfg, machines[name], pointer("/StateMachines", name))
			if err != nil {
				return nil, err
			}
			cfg.StateMachines[name] = m
		}
	}
	return cfg, nil
}

func parseMockStateMachine(cfg *MockConfig, v any, ptr string) (*MockStateMachine, error) {
	obj, err := object(v, ptr, "TestCases")
	if err != nil {
		return nil, err
	}
	tcv, ok := obj["TestCases"]
	if !ok {
		return nil, mockError(ptr, `a state machine needs "TestCases"`)
	}
	cases, err := object(tcv, ptr+"/TestCases")
	if err != nil {
		return nil, err
	}
	m := &MockStateMachine{TestCases: map[string]MockTestCase{}}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		cptr := pointer(ptr+"/TestCases", name)
		states, err := object(cases[name], cptr)
		if err != nil {
			return nil, err
		}
		tc := MockTestCase{}
		for _, state := range slices.Sorted(maps.Keys(states)) {
			sptr := pointer(cptr, state)
			resp, ok := states[state].(string)
			if !ok {
				return nil, mockError(sptr, "must be the name of a mocked response (a string), got %s", typeName(states[state]))
			}
			if _, ok := cfg.MockedResponses[resp]; !ok {
				return nil, mockError(sptr, "no mocked response %q in /MockedResponses", resp)
			}
			tc[state] = resp
		}
		m.TestCases[name] = tc
	}
	return m, nil
}

func parseMockedResponse(name string, v any, ptr string) (*MockedResponse, error) {
	obj, err := object(v, ptr)
	if err != nil {
		return nil, err
	}
	if len(obj) == 0 {
		return nil, mockError(ptr, `a mocked response needs at least one invocation, e.g. "0": {"Return": ...}`)
	}
	r := &MockedResponse{Name: name}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		sptr := pointer(ptr, key)
		first, last, err := parseInvocationRange(key)
		if err != nil {
			return nil, mockError(sptr, "%v", err)
		}
		step := MockStep{Key: key, First: first, Last: last}
		body, err := object(obj[key], sptr, "Return", "Throw")
		if err != nil {
			return nil, err
		}
		ret, hasReturn := body["Return"]
		throw, hasThrow := body["Throw"]
		switch {
		case hasReturn && hasThrow:
			return nil, mockError(sptr, `give "Return" or "Throw", not both`)
		case hasReturn:
			step.Return = ret
		case hasThrow:
			if step.Throw, err = parseThrow(throw, sptr+"/Throw"); err != nil {
				return nil, err
			}
		default:
			return nil, mockError(sptr, `needs "Return" (the result) or "Throw" (an error)`)
		}
		r.Steps = append(r.Steps, step)
	}
	slices.SortFunc(r.Steps, func(a, b MockStep) int { return a.First - b.First })
	for i := 1; i < len(r.Steps); i++ {
		if prev, cur := r.Steps[i-1], r.Steps[i]; cur.First <= prev.Last {
			return nil, mockError(pointer(ptr, cur.Key), "invocations %q overlap with %q", cur.Key, prev.Key)
		}
	}
	return r, nil
}

func parseThrow(v any, ptr string) (*Failure, error) {
	obj, err := object(v, ptr, "Error", "Cause")
	if err != nil {
		return nil, err
	}
	name, ok := obj["Error"].(string)
	if !ok || name == "" {
		return nil, mockError(ptr, `"Error" must be a non-empty string (the error name), got %s`, typeName(obj["Error"]))
	}
	f := &Failure{Name: name}
	if c, ok := obj["Cause"]; ok {
		if f.Cause, ok = c.(string); !ok {
			return nil, mockError(ptr+"/Cause", "must be a string, got %s", typeName(c))
		}
	}
	return f, nil
}

// parseInvocationRange parses "N" or "N-M" (0 <= N <= M).
func parseInvocationRange(key string) (first, last int, err error) {
	bad := fmt.Errorf(`invalid invocation range %q: want "N" or "N-M", 0-based and inclusive, e.g. "0" or "1-2"`, key)
	num := func(s string) (int, bool) {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	a, b, isRange := strings.Cut(key, "-")
	first, ok := num(a)
	if !ok {
		return 0, 0, bad
	}
	last = first
	if isRange {
		if last, ok = num(b); !ok {
			return 0, 0, bad
		}
	}
	if last < first {
		return 0, 0, fmt.Errorf("invalid invocation range %q: %d comes after %d", key, first, last)
	}
	return first, last, nil
}

// object asserts that v is a JSON object with only the given fields (any
// fields when none are given).
func object(v any, ptr string, fields ...string) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, mockError(ptr, "must be an object, got %s", typeName(v))
	}
	if len(fields) > 0 {
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if !slices.Contains(fields, k) {
				return nil, mockError(pointer(ptr, k), "unknown field (want %s)", strings.Join(fields, " or "))
			}
		}
	}
	return obj, nil
}

// pointer appends an escaped key to a JSON pointer (RFC 6901).
func pointer(ptr, key string) string {
	return ptr + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}

func mockError(ptr, format string, args ...any) error {
	if ptr == "" {
		ptr = "/"
	}
	return fmt.Errorf("mock config %s: %s", ptr, fmt.Sprintf(format, args...))
}
