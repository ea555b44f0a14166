package service

import "context"

// PrepareStart validates and resolves a start request the way StartExecution
// does (state machine, version or alias ARN; name; input) without starting
// anything. Nested executions (states:startExecution tasks) use it.
func (s *Service) PrepareStart(ctx context.Context, stateMachineArn, name, input string) (*StartRequest, error) {
	return s.startRequest(ctx, stateMachineArn, name, input, "")
}
