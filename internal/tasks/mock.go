package tasks

import (
	"context"
	"fmt"
	"sync"
)

// mockExecutor answers a mocked Task state from its mocked response.
type mockExecutor struct {
	state    string
	response *MockedResponse
	calls    *callCounter
}

var _ Executor = mockExecutor{}

// Run returns or throws the response for this invocation of the state. The
// index counts every call of the state in the execution: retries, Map
// iterations and re-entries alike, as Step Functions Local counts. A call
// past the defined ones is a States.Runtime failure, as on Step Functions
// Local, which needs a response for every invocation.
func (e mockExecutor) Run(ctx context.Context, req Request) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	i := e.calls.next(req.ExecutionName, e.state)
	step, ok := e.response.At(i)
	if !ok {
		return nil, &Failure{Name: ErrorRuntime, Cause: fmt.Sprintf(
			"mock config: mocked response %q has no response for invocation %d of state %q (it defines %s)",
			e.response.Name, i, e.state, e.response.Ranges())}
	}
	if step.Throw != nil {
		f := *step.Throw
		return nil, &f
	}
	return deepCopy(step.Return), nil
}

// callCounter counts the calls of each state in each execution. Safe for
// concurrent use.
type callCounter struct {
	mu    sync.Mutex
	calls map[callKey]int
}

type callKey struct{ execution, state string }

// next returns the 0-based index of this call and counts it.
func (c *callCounter) next(execution, state string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[callKey]int{}
	}
	k := callKey{execution, state}
	i := c.calls[k]
	c.calls[k] = i + 1
	return i
}
