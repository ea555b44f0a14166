package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ShellResource is the resource of the built-in shell executor.
const ShellResource = "baton:shell"

// shellExecutor runs baton:shell tasks: a command without a shell, or a
// script with sh -c. docs/tasks.md describes the input and the result.
type shellExecutor struct{ cfg commandConfig }

var _ Executor = shellExecutor{}

// shellTask is a parsed baton:shell input.
type shellTask struct {
	argv  []string
	env   []string
	dir   string
	stdin []byte
}

// Run runs the command and returns its stdout as the result.
func (e shellExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := parseShellTask(req.Input)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	p := process{
		argv:   t.argv,
		env:    e.cfg.environ(req, t.env...),
		dir:    e.cfg.workDir(underDir(req.Dir, t.dir)),
		stdin:  t.stdin,
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
		return nil, &Failure{Name: ErrorShellExit, Cause: x.describe()}
	}
	return commandResult(x, p.limit)
}

// commandResult is the result of a command that exited 0.
func commandResult(x exit, limit int) (any, error) {
	if x.truncated {
		return nil, &Failure{Name: ErrorDataLimitExceeded, Cause: fmt.Sprintf("the command wrote more than %d bytes on stdout", limit)}
	}
	return resultFromOutput(x.stdout), nil
}

// shellFields are the fields a baton:shell input may have.
var shellFields = []string{"command", "script", "env", "dir", "input"}

// parseShellTask checks and converts a baton:shell input. Errors are
// Shell.InvalidInput failures naming the field.
func parseShellTask(in any) (shellTask, error) {
	bad := func(format string, args ...any) (shellTask, error) {
		return shellTask{}, &Failure{Name: ErrorShellInvalidInput, Cause: fmt.Sprintf(format, args...)}
	}
	obj, ok := in.(map[string]any)
	if !ok {
		return bad(`the input of %s must be an object with "command" or "script", got %s`, ShellResource, typeName(in))
	}
	for k := range obj {
		if !slices.Contains(shellFields, k) {
			return bad("unknown field %q in the input of %s (fields: %s)", k, ShellResource, strings.Join(shellFields, ", "))
		}
	}
	var t shellTask
	command, hasCommand := obj["command"]
	script, hasScript := obj["script"]
	switch {
	case hasCommand && hasScript:
		return bad(`give "command" or "script", not both`)
	case hasCommand:
		args, ok := command.([]any)
		if !ok || len(args) == 0 {
			return bad(`"command" must be a non-empty array of strings (program and arguments), got %s`, typeName(command))
		}
		for i, a := range args {
			s, ok := scalarText(a)
			if !ok {
				return bad(`"command[%d]" must be a string, got %s`, i, typeName(a))
			}
			t.argv = append(t.argv, s)
		}
		if t.argv[0] == "" {
			return bad(`"command[0]" (the program) is empty`)
		}
	case hasScript:
		s, ok := script.(string)
		if !ok {
			return bad(`"script" must be a string, got %s`, typeName(script))
		}
		t.argv = []string{"sh", "-c", s}
	default:
		return bad(`the input of %s needs "command" (an array: program and arguments) or "script" (a string run by sh -c)`, ShellResource)
	}
	if v, ok := obj["env"]; ok {
		env, ok := v.(map[string]any)
		if !ok {
			return bad(`"env" must be an object of strings, got %s`, typeName(v))
		}
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a stable environment for the same input
		for _, k := range keys {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				return bad(`"env" has an invalid variable name %q`, k)
			}
			s, ok := scalarText(env[k])
			if !ok {
				return bad(`"env.%s" must be a string, got %s`, k, typeName(env[k]))
			}
			t.env = append(t.env, k+"="+s)
		}
	}
	if v, ok := obj["dir"]; ok {
		s, ok := v.(string)
		if !ok {
			return bad(`"dir" must be a string, got %s`, typeName(v))
		}
		t.dir = s
	}
	if v, ok := obj["input"]; ok {
		t.stdin = stdinBytes(v)
	} else {
		t.stdin = []byte(encodeJSON(in))
	}
	return t, nil
}

// stdinBytes is what a command reads for the value v: a string as it is,
// any other value as JSON.
func stdinBytes(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	return []byte(encodeJSON(v))
}

// scalarText renders a string, number or boolean as text (numbers and
// booleans as in JSON). Null, arrays and objects have no text.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case nil, []any, map[string]any:
		return "", false
	default:
		return encodeJSON(v), true
	}
}
