package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

// stepShellExecutor runs baton:step:shell tasks: a command (argv, no shell)
// or a script run by sh -eu (or bash -eu). Its output is what the command
// wrote to the file named by $BATON_OUTPUT; stdout and stderr are its logs.
type stepShellExecutor struct{ cfg commandConfig }

var _ Executor = stepShellExecutor{}

// Run runs the step's command once.
func (e stepShellExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := decodeStep[steptask.Shell](req.Input, ErrorShellInvalidInput)
	if err != nil {
		return nil, err
	}
	argv, err := shellStepArgv(t)
	if err != nil {
		return nil, err
	}
	dir, err := stepDir(e.cfg.workDir(req.Dir), t.Dir)
	if err != nil {
		return nil, err
	}
	out, err := createOutputFile()
	if err != nil {
		return nil, &Failure{Name: ErrorShellStart, Cause: fmt.Sprintf("creating the $BATON_OUTPUT file: %v", err)}
	}
	defer os.Remove(out)
	env, err := e.cfg.stepEnviron(req, t.Common, ErrorShellInvalidInput, "BATON_OUTPUT="+out)
	if err != nil {
		return nil, err
	}
	x, err := process{
		argv:   argv,
		env:    env,
		dir:    dir,
		limit:  0, // stdout is the step's log, not its output
		groups: e.cfg.groups,
		logs:   req.Logs,
	}.runTask(ctx, req.Timeout)
	if err != nil {
		return nil, err
	}
	if !x.success() {
		return nil, &Failure{Name: ErrorShellExit, Cause: x.describe()}
	}
	return readStepOutput(out, e.cfg.resultLimit())
}

// stepDir is the working directory of a shell step: dir (the step's
// `dir`) under the run's directory base. A dir that leaves base, by its
// path or through a symbolic link, is refused: a step runs among its
// project's files, and a version's files are all it may rely on.
func stepDir(base, dir string) (string, error) {
	if dir == "" {
		return base, nil
	}
	clean := filepath.Clean(filepath.FromSlash(dir))
	if filepath.IsAbs(clean) || !filepath.IsLocal(clean) {
		return "", invalidInput(ErrorShellInvalidInput, "dir", "must be a directory inside the project, got %q", dir)
	}
	if base == "" {
		base = "."
	}
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		return "", &Failure{Name: ErrorShellStart, Cause: fmt.Sprintf("the run's directory: %v", err)}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(base, clean))
	if errors.Is(err, os.ErrNotExist) {
		return "", invalidInput(ErrorShellInvalidInput, "dir", "%q does not exist in the project (add it to the project, or create it in an earlier step)", dir)
	} else if err != nil {
		return "", invalidInput(ErrorShellInvalidInput, "dir", "%q: %v", dir, err)
	}
	if rel, err := filepath.Rel(realBase, real); err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", invalidInput(ErrorShellInvalidInput, "dir", "%q leaves the project through a symbolic link", dir)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", invalidInput(ErrorShellInvalidInput, "dir", "%q is not a directory", dir)
	}
	return filepath.Join(base, clean), nil
}

// runTask runs p within a task's timeout: a States.Timeout failure when
// the timeout passes, the caller's reason when ctx ends first.
func (p process) runTask(ctx context.Context, timeout time.Duration) (exit, error) {
	ctx, cancel := withTaskTimeout(ctx, timeout)
	defer cancel()
	x, err := p.run(ctx)
	if err != nil && ctx.Err() != nil {
		return exit{}, interruption(ctx, timeout)
	}
	return x, err
}

// shellStepArgv checks a shell step's command or script and returns what
// to run.
func shellStepArgv(t *steptask.Shell) ([]string, error) {
	bad := func(field, format string, args ...any) ([]string, error) {
		return nil, invalidInput(ErrorShellInvalidInput, field, format, args...)
	}
	switch {
	case len(t.Command) > 0 && t.Script != "":
		return bad("command", `and "script" are both given: give one`)
	case len(t.Command) > 0:
		if t.Command[0] == "" {
			return bad("command[0]", "(the program) is empty")
		}
		for i, a := range t.Command {
			if strings.ContainsRune(a, 0) {
				return bad(fmt.Sprintf("command[%d]", i), "holds a NUL byte")
			}
		}
		if t.Shell != "" {
			return bad("shell", "applies to a script; a command runs without a shell")
		}
		return t.Command, nil
	case t.Script != "":
		if strings.ContainsRune(t.Script, 0) {
			return bad("script", "holds a NUL byte")
		}
		switch t.Shell {
		case "", "sh":
			return []string{"sh", "-eu", "-c", t.Script}, nil
		case "bash":
			return []string{"bash", "-eu", "-c", t.Script}, nil
		default:
			return bad("shell", "must be sh or bash, got %q", t.Shell)
		}
	default:
		return bad("command", `is missing: a shell step needs "command" (program and arguments) or "script"`)
	}
}

// errNotRegular is a $BATON_OUTPUT that the command replaced by something
// else than a regular file (a FIFO, a device, a symbolic link).
var errNotRegular = errors.New("not a regular file: write into the file $BATON_OUTPUT names, do not replace it by a FIFO, device or symbolic link")

// readStepOutput reads the $BATON_OUTPUT file: a JSON document, or
// key=value lines read as an object of strings; null when the command
// wrote nothing. More than limit bytes fail with States.DataLimitExceeded.
func readStepOutput(path string, limit int) (any, error) {
	b, err := readFileLimit(path, limit)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the command removed it: nothing written
	}
	if err != nil {
		return nil, &Failure{Name: ErrorShellOutput, Cause: fmt.Sprintf("reading $BATON_OUTPUT: %v", err)}
	}
	if len(b) > limit {
		return nil, &Failure{Name: ErrorDataLimitExceeded, Cause: fmt.Sprintf("the command wrote more than %d bytes to $BATON_OUTPUT (the limit of a step's output, --max-payload-bytes)", limit)}
	}
	return parseStepOutput(b)
}

// parseStepOutput reads a step's output text (see readStepOutput).
func parseStepOutput(b []byte) (any, error) {
	text := strings.TrimSpace(string(b))
	if text == "" {
		return nil, nil
	}
	v, jsonErr := parseJSON(b)
	if jsonErr == nil {
		return v, nil
	}
	obj := map[string]any{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !envName.MatchString(k) {
			if i == 0 && strings.ContainsAny(text[:1], "{[\"") {
				return nil, &Failure{Name: ErrorShellOutput, Cause: fmt.Sprintf("$BATON_OUTPUT holds %v", jsonErr)}
			}
			return nil, &Failure{Name: ErrorShellOutput, Cause: fmt.Sprintf("$BATON_OUTPUT holds neither one JSON document nor key=value lines: line %d is %q", i+1, excerpt(line, 80))}
		}
		obj[k] = strings.ToValidUTF8(v, "\uFFFD")
	}
	return obj, nil
}
