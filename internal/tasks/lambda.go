package tasks

import (
	"context"
	"fmt"
	"strings"
)

// Lambda resources can be mapped to local commands by function: a Task with
// Resource arn:aws:states:::lambda:invoke names its function in the
// FunctionName parameter (a name, a partial ARN or an ARN, maybe with a
// version or alias), and a legacy Task names it in the Resource itself. Both
// find a mapping whose key is the same function, whatever the form.

// isLambdaInvoke reports whether resource is the optimized Lambda
// integration, arn:PARTITION:states:::lambda:invoke[.waitForTaskToken].
func isLambdaInvoke(resource string) bool {
	p := strings.Split(resource, ":")
	return len(p) == 7 && p[0] == "arn" && p[2] == "states" && p[3] == "" && p[4] == "" &&
		p[5] == "lambda" && (p[6] == "invoke" || p[6] == "invoke.waitForTaskToken")
}

// lambdaFunctionName is the function name in a Lambda function reference:
// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER],
// ACCOUNT:function:NAME[:QUALIFIER] or NAME[:QUALIFIER].
func lambdaFunctionName(ref string) (string, bool) {
	p := strings.Split(ref, ":")
	var name string
	switch {
	case (len(p) == 7 || len(p) == 8) && p[0] == "arn" && p[2] == "lambda" && p[5] == "function":
		name = p[6]
	case (len(p) == 3 || len(p) == 4) && p[1] == "function":
		name = p[2]
	case len(p) == 1 || len(p) == 2:
		name = p[0]
	default:
		return "", false
	}
	if name == "" || len(name) > 140 {
		return "", false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
	}
	return name, true
}

// isLambdaARN reports whether resource is a Lambda function ARN.
func isLambdaARN(resource string) bool {
	p := strings.Split(resource, ":")
	return len(p) >= 3 && p[0] == "arn" && p[2] == "lambda"
}

// lambdaInvokeExecutor serves arn:aws:states:::lambda:invoke by running the
// command mapped to the function in FunctionName with Payload on stdin. Its
// result has the shape of Lambda's Invoke response.
type lambdaInvokeExecutor struct{ r *Resolver }

var _ Executor = lambdaInvokeExecutor{}

// Run invokes the mapped function. A function that nothing maps is a
// *NoExecutorError.
func (e lambdaInvokeExecutor) Run(ctx context.Context, req Request) (any, error) {
	obj, _ := req.Input.(map[string]any)
	fn, _ := obj["FunctionName"].(string)
	if fn == "" {
		return nil, &Failure{Name: ErrorRuntime, Cause: fmt.Sprintf("the parameters of %s need a FunctionName string, got %s", req.Resource, encodeJSON(req.Input))}
	}
	cmd, ok := e.r.lambdaCommand(fn)
	if !ok {
		return nil, &NoExecutorError{Resource: fn, StateName: req.StateName}
	}
	payload, ok := obj["Payload"]
	if !ok {
		payload = map[string]any{} // Lambda hands an empty payload to the handler as {}
	}
	out, err := cmd.invoke(ctx, req, payload)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(req.Resource, ".waitForTaskToken") {
		// The state's result is what the callback sends (SendTaskSuccess), not
		// the Invoke response: locally, the command's output plays that part.
		return out, nil
	}
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         out,
		"StatusCode":      int64(200),
	}, nil
}
