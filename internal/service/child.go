package service

import (
	"context"
	"strings"
)

// PrepareStart validates and resolves a start request the way StartExecution
// does (state machine, version or alias ARN; name; input) without starting
// anything. Nested executions (states:startExecution tasks) use it.
func (s *Service) PrepareStart(ctx context.Context, stateMachineArn, name, input string) (*StartRequest, error) {
	return s.startRequest(ctx, stateMachineArn, name, input, "")
}

// WorkflowArn is the ARN of a workflow of this server by its name, or
// NAME:VERSION, NAME:ALIAS; an ARN is returned as it is.
func (s *Service) WorkflowArn(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return s.arns.stateMachine(ref)
}
