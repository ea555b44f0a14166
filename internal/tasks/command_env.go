package tasks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// commandConfig is what every command Baton starts shares.
type commandConfig struct {
	env []string // added to Baton's own environment
	// inherit names the variables of Baton's own environment that
	// commands get ("LC_*" a prefix); nil: every one (baton run, on the
	// user's own machine). A server passes an allow-list, so that its
	// secrets (keys, tokens, connection passwords in env:) never reach a
	// step.
	inherit []string
	dir     string // working directory; "" for Baton's
	// maxResult bounds a command's stdout, the task result (0:
	// MaxResultBytes).
	maxResult int
	groups    groupRecords // where running process groups are recorded; "" for none
}

// resultLimit is the most bytes a command's stdout may hold.
func (c commandConfig) resultLimit() int {
	if c.maxResult > 0 {
		return c.maxResult
	}
	return MaxResultBytes
}

// environ is the environment of a command run for req: Baton's own, then the
// configured additions, then the BATON_* variables that describe the task,
// then extra. Later entries win.
func (c commandConfig) environ(req Request, extra ...string) []string {
	env := inherited(os.Environ(), c.inherit)
	env = append(env, c.env...)
	env = append(env,
		"BATON_RESOURCE="+req.Resource,
		"BATON_STATE_NAME="+req.StateName,
		"BATON_ATTEMPT="+strconv.Itoa(req.Attempt),
		"BATON_EXECUTION_NAME="+req.ExecutionName,
		"BATON_STATE_MACHINE_NAME="+req.StateMachineName,
	)
	if req.TaskToken != "" {
		env = append(env, "BATON_TASK_TOKEN="+req.TaskToken)
	}
	return append(env, extra...)
}

// inherited keeps the entries of env whose names allow lists (nil: all).
func inherited(env, allow []string) []string {
	if allow == nil {
		return env
	}
	out := make([]string, 0, len(allow))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		for _, a := range allow {
			if name == a || strings.HasSuffix(a, "*") && strings.HasPrefix(name, strings.TrimSuffix(a, "*")) {
				out = append(out, kv)
				break
			}
		}
	}
	return out
}

// DefaultInheritEnv are the variables of the server's environment that
// its steps get by default: what programs need to run (the search path,
// the home directory, the user, the locale, the time zone, the temporary
// directory), nothing that could hold a secret.
var DefaultInheritEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR"}

// underDir is a baton:shell task's own dir (its input's "dir") resolved
// against its execution's (Request.Dir): a state machine deployed from a
// project runs its commands among the project's files.
func underDir(execDir, dir string) string {
	if execDir == "" || filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(execDir, dir)
}

// workDir resolves a task's directory against the configured one.
func (c commandConfig) workDir(dir string) string {
	if dir == "" {
		return c.dir
	}
	if filepath.IsAbs(dir) || c.dir == "" {
		return dir
	}
	return filepath.Join(c.dir, dir)
}
