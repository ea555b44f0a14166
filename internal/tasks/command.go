package tasks

import (
	"context"
)

// commandExecutor runs a local command mapped to a resource with
// --resource ARN=COMMAND: the task input goes as JSON on stdin, stdout is the
// result.
type commandExecutor struct {
	cfg  commandConfig
	argv []string
	// exitError names the failure of a command that exits non-zero without
	// naming one: Lambda.Unknown for Lambda functions, Shell.ExitError else.
	exitError string
}

var _ Executor = commandExecutor{}

// Run runs the command with the task input on stdin.
func (e commandExecutor) Run(ctx context.Context, req Request) (any, error) {
	return e.invoke(ctx, req, req.Input)
}

// invoke runs the command with payload as JSON on stdin.
func (e commandExecutor) invoke(ctx context.Context, req Request, payload any) (any, error) {
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	p := process{
		argv:   e.argv,
		env:    e.cfg.environ(req),
		dir:    e.cfg.workDir(req.Dir), // a mapped command of a deployed project runs among its files
		stdin:  []byte(encodeJSON(payload)),
		limit:  e.cfg.resultLimit(),
		groups: e.cfg.groups,
		logs:   req.Logs,
	}
	x, err := p.run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption(ctx, req.Timeout)
		}
		return nil, err
	}
	if !x.success() {
		if f := namedFailure(x.stdout); f != nil {
			return nil, f
		}
		return nil, &Failure{Name: e.exitError, Cause: x.describe()}
	}
	return commandResult(x, p.limit)
}

// namedFailure reads the error a failed command printed on stdout, so that
// local functions can raise errors that Retry and Catch match by name:
//
//	{"errorType": "NAME", "errorMessage": "..."}  as a Lambda runtime reports
//	                                              errors; the cause is this
//	                                              object as JSON, as on AWS
//	{"Error": "NAME", "Cause": "..."}             as ASL writes errors
//
// It returns nil when stdout is neither.
func namedFailure(stdout []byte) *Failure {
	v, err := parseJSON(stdout)
	if err != nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if name, ok := obj["errorType"].(string); ok && name != "" {
		return &Failure{Name: name, Cause: encodeJSON(obj)}
	}
	if name, ok := obj["Error"].(string); ok && name != "" {
		cause, _ := obj["Cause"].(string)
		return &Failure{Name: name, Cause: cause}
	}
	return nil
}
