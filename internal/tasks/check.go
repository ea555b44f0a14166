package tasks

import "slices"

// CheckTask tells, before a run, why a Task state could not be served:
// nothing serves its resource, its built-in resource is switched off, or, for lambda:invoke, no mapping names the
// function its Parameters give as a literal FunctionName. Mocked states
// always pass.
func (r *Resolver) CheckTask(resource, stateName string, parameters any) error {
	if _, mocked := r.testCase[stateName]; mocked {
		return nil
	}
	if err := r.Disabled(resource, stateName); err != nil {
		return err
	}
	if _, err := r.Executor(resource, stateName); err != nil {
		return err
	}
	if !isLambdaInvoke(resource) {
		return nil
	}
	if _, mapped := r.mappings[resource]; mapped {
		return nil
	}
	params, _ := parameters.(map[string]any)
	fn, literal := params["FunctionName"].(string)
	if !literal {
		return nil // a path (FunctionName.$): known only at run time
	}
	if _, ok := r.lambdaCommand(fn); !ok {
		return &NoExecutorError{Resource: fn, StateName: stateName}
	}
	return nil
}

// UnknownMockedStates returns the states the selected test case mocks that
// are not among stateNames: a typo there would silently run the real task.
func (r *Resolver) UnknownMockedStates(stateNames []string) []string {
	var unknown []string
	for name := range r.testCase {
		if !slices.Contains(stateNames, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// Mocking reports whether a mock config test case is in use.
func (r *Resolver) Mocking() bool { return r.testCase != nil }
