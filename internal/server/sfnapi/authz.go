package sfnapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/auth"
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
// the request body names (through Step Functions and EventBridge ARNs, or
// the task token of SendTask*), else in its home namespace, and returns
// ctx in which the request acts in that home namespace. A refusal is
// AWS's AccessDeniedException.
func Authorize(ctx context.Context, svc *service.Service, role auth.Role, body []byte) (context.Context, error) {
	p := auth.FromContext(ctx)
	home := p.HomeNamespace()
	ctx = service.WithNamespace(ctx, home)
	var doc any
	if len(body) > 0 && json.Unmarshal(body, &doc) != nil {
		// Malformed: the operation refuses it; it can touch nothing.
		return ctx, denied(auth.Require(ctx, home, role))
	}
	var arns []string
	token, name := "", ""
	if m, ok := doc.(map[string]any); ok {
		token, _ = m["taskToken"].(string)
		name, _ = m["name"].(string)
		if name == "" {
			name, _ = m["Name"].(string) // EventBridge's
		}
	}
	collectArns(doc, "", 0, &arns)
	if len(arns) > 0 {
		name = arns[0]
	}
	auth.NoteResource(ctx, name)
	var nss []string
	for _, arn := range arns {
		ns, err := svc.NamespaceOfArn(ctx, arn)
		if err != nil {
			return ctx, err
		}
		nss = append(nss, ns)
	}
	if token != "" {
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

// maxArnDepth bounds the walk of a request body (bodies are bounded too).
const maxArnDepth = 8

// collectArns appends the Step Functions and EventBridge ARNs found in
// members named like ARNs (stateMachineArn, executionArn, Targets[].Arn,
// ResourceARN, ...) and in EventBusName. Other services' ARNs (an IAM
// roleArn, a queue of a dead-letter config, a notification target) name
// no namespace's resources.
func collectArns(v any, key string, depth int, out *[]string) {
	if depth > maxArnDepth {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			collectArns(x, k, depth+1, out)
		}
	case []any:
		for _, x := range v {
			collectArns(x, key, depth+1, out)
		}
	case string:
		lk := strings.ToLower(key)
		if (strings.HasSuffix(lk, "arn") || lk == "eventbusname") && namespacedArn(v) {
			*out = append(*out, v)
		}
	}
}

// namespacedArn tells whether s is an ARN of Step Functions or
// EventBridge: arn:PARTITION:states|events:REGION:ACCOUNT:...
func namespacedArn(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && (parts[2] == "states" || parts[2] == "events")
}

// RoleOf is the role an operation needs ("" for an unknown one).
func RoleOf(op string) auth.Role { return roles[op] }
