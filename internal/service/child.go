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

// WorkflowArnFor is the ARN of a workflow that a run names by its name
// (or NAME:VERSION, NAME:ALIAS): the workflow of that name in the run's
// namespace (its account). An ARN is returned as it is.
func (s *Service) WorkflowArnFor(runArn, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	in := s.arns
	if a, err := ParseArn(runArn); err == nil {
		in = arns{region: a.Region, account: a.Account}
	}
	return in.stateMachine(ref)
}
