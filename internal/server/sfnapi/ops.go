package sfnapi

import (
	"context"

	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// TargetPrefix is the X-Amz-Target prefix of Step Functions operations.
const TargetPrefix = "AWSStepFunctions."

// op decodes a request body into an operation's input and calls it.
type op func(ctx context.Context, svc *service.Service, body []byte) (any, error)

// bind makes the op of a service method: the body is decoded into a new
// *I, an empty body counting as {}.
func bind[I, O any](method func(*service.Service, context.Context, *I) (*O, error)) op {
	return func(ctx context.Context, svc *service.Service, body []byte) (any, error) {
		in := new(I)
		if err := httpx.DecodeAWSInput(body, in); err != nil {
			return nil, err
		}
		out, err := method(svc, ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// Op is an op, for the other AWS JSON adapter (eventsapi).
type Op = op

// Bind is bind, for the other AWS JSON adapter (eventsapi).
func Bind[I, O any](method func(*service.Service, context.Context, *I) (*O, error)) Op {
	return bind(method)
}

// ops maps operation names to their ops: every Step Functions operation
// Baton implements.
var ops = map[string]op{
	"CreateStateMachine":               bind((*service.Service).CreateStateMachine),
	"UpdateStateMachine":               bind((*service.Service).UpdateStateMachine),
	"DeleteStateMachine":               bind((*service.Service).DeleteStateMachine),
	"DescribeStateMachine":             bind((*service.Service).DescribeStateMachine),
	"ListStateMachines":                bind((*service.Service).ListStateMachines),
	"DescribeStateMachineForExecution": bind((*service.Service).DescribeStateMachineForExecution),
	"PublishStateMachineVersion":       bind((*service.Service).PublishStateMachineVersion),
	"ListStateMachineVersions":         bind((*service.Service).ListStateMachineVersions),
	"DeleteStateMachineVersion":        bind((*service.Service).DeleteStateMachineVersion),
	"CreateStateMachineAlias":          bind((*service.Service).CreateStateMachineAlias),
	"UpdateStateMachineAlias":          bind((*service.Service).UpdateStateMachineAlias),
	"DeleteStateMachineAlias":          bind((*service.Service).DeleteStateMachineAlias),
	"DescribeStateMachineAlias":        bind((*service.Service).DescribeStateMachineAlias),
	"ListStateMachineAliases":          bind((*service.Service).ListStateMachineAliases),
	"StartExecution":                   bind((*service.Service).StartExecution),
	"StartSyncExecution":               bind((*service.Service).StartSyncExecution),
	"StopExecution":                    bind((*service.Service).StopExecution),
	"DescribeExecution":                bind((*service.Service).DescribeExecution),
	"ListExecutions":                   bind((*service.Service).ListExecutions),
	"GetExecutionHistory":              bind((*service.Service).GetExecutionHistory),
	"RedriveExecution":                 bind((*service.Service).RedriveExecution),
	"CreateActivity":                   bind((*service.Service).CreateActivity),
	"DescribeActivity":                 bind((*service.Service).DescribeActivity),
	"ListActivities":                   bind((*service.Service).ListActivities),
	"DeleteActivity":                   bind((*service.Service).DeleteActivity),
	"GetActivityTask":                  bind((*service.Service).GetActivityTask),
	"SendTaskSuccess":                  bind((*service.Service).SendTaskSuccess),
	"SendTaskFailure":                  bind((*service.Service).SendTaskFailure),
	"SendTaskHeartbeat":                bind((*service.Service).SendTaskHeartbeat),
	"ValidateStateMachineDefinition":   bind((*service.Service).ValidateStateMachineDefinition),
	"TestState":                        bind((*service.Service).TestState),
	"TagResource":                      bind((*service.Service).TagResource),
	"UntagResource":                    bind((*service.Service).UntagResource),
	"ListTagsForResource":              bind((*service.Service).ListTagsForResource),
}

// Operations returns the names of the operations the adapter serves.
func Operations() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	return names
}
