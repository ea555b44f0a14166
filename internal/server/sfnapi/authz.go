package sfnapi

import (
	"context"
	"net/http"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// roles are the role each operation needs, in the namespace of every
// Step Functions or EventBridge ARN its request names, or in the caller's
// home namespace when it names none (auth.Principal.HomeNamespace: the
// AWS APIs' "account" of a credential). init refuses an operation
// without one.
var roles = map[string]auth.Role{
	"DescribeStateMachine":             auth.Viewer,
	"ListStateMachines":                auth.Viewer,
	"DescribeStateMachineForExecution": auth.Viewer,
	"ListStateMachineVersions":         auth.Viewer,
	"DescribeStateMachineAlias":        auth.Viewer,
	"ListStateMachineAliases":          auth.Viewer,
	"DescribeExecution":                auth.Viewer,
	"ListExecutions":                   auth.Viewer,
	"GetExecutionHistory":              auth.Viewer,
	"DescribeActivity":                 auth.Viewer,
	"ListActivities":                   auth.Viewer,
	"ValidateStateMachineDefinition":   auth.Viewer,
	"ListTagsForResource":              auth.Viewer,

	"StartExecution":     auth.Operator,
	"StartSyncExecution": auth.Operator,
	"StopExecution":      auth.Operator,
	"RedriveExecution":   auth.Operator,
	"GetActivityTask":    auth.Operator,
	"SendTaskSuccess":    auth.Operator,
	"SendTaskFailure":    auth.Operator,
	"SendTaskHeartbeat":  auth.Operator,

	"CreateStateMachine":         auth.Deployer,
	"UpdateStateMachine":         auth.Deployer,
	"DeleteStateMachine":         auth.Deployer,
	"PublishStateMachineVersion": auth.Deployer,
	"DeleteStateMachineVersion":  auth.Deployer,
	"CreateStateMachineAlias":    auth.Deployer,
	"UpdateStateMachineAlias":    auth.Deployer,
	"DeleteStateMachineAlias":    auth.Deployer,
	"CreateActivity":             auth.Deployer,
	"DeleteActivity":             auth.Deployer,
	"TagResource":                auth.Deployer,
	"UntagResource":              auth.Deployer,
	// TestState runs a task (a command, an HTTP call) on this server.
	"TestState": auth.Deployer,
}

func init() { MustCover("sfnapi", ops, roles) }

// MustCover panics unless every operation of an API has a role: an
// operation added without one would be open to every caller.
func MustCover(api string, ops map[string]Op, roles map[string]auth.Role) {
	for name := range ops {
		if _, ok := roles[name]; !ok {
			panic(api + ": operation " + name + " has no role in roles (authz.go)")
		}
	}
}

// Authorize checks that the caller of ctx holds role in every namespace
// the request body names (through the Step Functions and EventBridge ARNs
// anywhere in it, and the task tokens of SendTask*: httpx.Scan), else in
// its home namespace, and returns
// ctx in which the request acts in that home namespace. A refusal is
// AWS's AccessDeniedException.
func Authorize(ctx context.Context, svc *service.Service, role auth.Role, body []byte) (context.Context, error) {
	p := auth.FromContext(ctx)
	home := p.HomeNamespace()
	ctx = service.WithNamespace(ctx, home)
	sc := httpx.Scan(body)
	name := sc.Name
	if len(sc.Arns) > 0 {
		name = sc.Arns[0]
	}
	auth.NoteResource(ctx, name)
	var nss []string
	for _, arn := range sc.Arns {
		ns, err := svc.NamespaceOfArn(ctx, arn)
		if err != nil {
			return ctx, err
		}
		nss = append(nss, ns)
	}
	for _, token := range sc.Tokens {
		ns, err := svc.TaskNamespace(ctx, token)
		if _, ok := apierr.As(err); !ok && err != nil {
			return ctx, err
		}
		if err == nil {
			// An unknown or closed task touches nothing: the operation
			// says so.
			nss = append(nss, ns)
		}
	}
	if len(nss) == 0 {
		nss = []string{home}
	}
	for _, ns := range nss {
		if err := auth.Require(ctx, ns, role); err != nil {
			return ctx, denied(err)
		}
	}
	return ctx, nil
}

// denied turns the native API's AccessDenied into AWS's.
func denied(err error) error {
	if e, ok := apierr.As(err); ok && e.Code == auth.CodeAccessDenied {
		return &apierr.Error{Code: auth.CodeAWSAccessDenied, Status: http.StatusBadRequest, Message: e.Message}
	}
	return err
}

// RoleOf is the role an operation needs ("" for an unknown one).
func RoleOf(op string) auth.Role { return roles[op] }
