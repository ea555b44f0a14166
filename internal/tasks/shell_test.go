package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestShellResults(t *testing.T) {
	dir := t.TempDir()
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, Options{Env: []string{"FROM_OPTIONS=opt"}, WorkDir: dir})
	tests := []struct {
		name  string
		input string
		want  string // JSON of the result
	}{
		{"stdout JSON is parsed", `{"command": ["echo", "{\"a\": [1, 2.5]}"]}`, `{"a": [1, 2.5]}`},
		{"stdout text is a string", `{"command": ["echo", "hello  world"]}`, `"hello  world"`},
		{"no output is null", `{"command": ["true"]}`, `null`},
		{"arguments are not split or expanded", `{"command": ["printf", "%s|", "a b", "$HOME"]}`, `"a b|$HOME|"`},
		{"numbers in command become text", `{"command": ["echo", 5]}`, `5`},
		{"script runs in sh", `{"script": "x=2; echo $((x + 1))"}`, `3`},
		{"stdin defaults to the whole input", `{"command": ["cat"]}`, `{"command": ["cat"]}`},
		{"input string goes to stdin as is", `{"command": ["cat"], "input": "raw text"}`, `"raw text"`},
		{"input value goes to stdin as JSON", `{"command": ["cat"], "input": {"x": [1, null]}}`, `{"x": [1, null]}`},
		{"env is added", `{"script": "echo \"$GREETING $N\"", "env": {"GREETING": "hi", "N": 5}}`, `"hi 5"`},
		{"options env is added", `{"script": "echo $FROM_OPTIONS"}`, `"opt"`},
		{"task env wins", `{"script": "echo $FROM_OPTIONS", "env": {"FROM_OPTIONS": "task"}}`, `"task"`},
		{"BATON variables describe the task", `{"script": "echo \"$BATON_STATE_NAME $BATON_ATTEMPT $BATON_EXECUTION_NAME $BATON_TASK_TOKEN\""}`, `"Build 2 exec-1 tok"`},
		{"runs in WorkDir", `{"command": ["pwd", "-P"]}`, strconv.Quote(realDir)},
		{"relative dir is under WorkDir", `{"command": ["pwd", "-P"], "dir": "sub"}`, strconv.Quote(filepath.Join(realDir, "sub"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := jsonValue(t, tt.input)
			before := encodeJSON(input)
			got, err := run(t, r, Request{Resource: ShellResource, Input: input, StateName: "Build", Attempt: 2, ExecutionName: "exec-1", TaskToken: "tok"})
			if err != nil {
				t.Fatal(err)
			}
			if want := jsonValue(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("result = %s, want %s", encodeJSON(got), encodeJSON(want))
			}
			if encodeJSON(input) != before {
				t.Fatal("the input was changed")
			}
		})
	}
}

func TestShellFailures(t *testing.T) {
	r := newResolver(t, Options{})
	manyLines := `i=1; while [ $i -le 100 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 1`
	tests := []struct {
		name     string
		input    string
		want     string
		causeHas []string
	}{
		{"non-zero exit", `{"script": "echo partial; echo oops >&2; exit 3"}`, ErrorShellExit, []string{"exit status 3", "oops"}},
		{"killed by a signal", `{"script": "kill -9 $$"}`, ErrorShellExit, []string{"signal: killed"}},
		{"stderr tail only", fmt.Sprintf(`{"script": %q}`, manyLines), ErrorShellExit, []string{"line 81", "line 100"}},
		{"missing program", `{"command": ["baton-no-such-program"]}`, ErrorShellNotFound, []string{"baton-no-such-program"}},
		{"missing path", `{"command": ["/nonexistent/program"]}`, ErrorShellNotFound, []string{"/nonexistent/program"}},
		{"missing dir", `{"command": ["true"], "dir": "/nonexistent/dir"}`, ErrorShellStart, []string{"/nonexistent/dir"}},
		{"too much output", `{"script": "head -c 300000 /dev/zero | tr '\\000' a"}`, ErrorDataLimitExceeded, []string{"262144"}},
		{"input not an object", `["echo"]`, ErrorShellInvalidInput, []string{"must be an object", "an array"}},
		{"neither command nor script", `{"env": {}}`, ErrorShellInvalidInput, []string{`needs "command"`}},
		{"both command and script", `{"command": ["true"], "script": "true"}`, ErrorShellInvalidInput, []string{"not both"}},
		{"command not an array", `{"command": "echo hi"}`, ErrorShellInvalidInput, []string{`"command" must be a non-empty array`}},
		{"empty command", `{"command": []}`, ErrorShellInvalidInput, []string{`"command" must be a non-empty array`}},
		{"command element an object", `{"command": ["echo", {}]}`, ErrorShellInvalidInput, []string{`"command[1]"`}},
		{"script not a string", `{"script": ["true"]}`, ErrorShellInvalidInput, []string{`"script" must be a string`}},
		{"unknown field", `{"cmd": ["true"]}`, ErrorShellInvalidInput, []string{`unknown field "cmd"`}},
		{"env not an object", `{"script": "true", "env": ["A=1"]}`, ErrorShellInvalidInput, []string{`"env" must be an object`}},
		{"env value an array", `{"script": "true", "env": {"A": [1]}}`, ErrorShellInvalidInput, []string{`"env.A"`}},
		{"env name with =", `{"script": "true", "env": {"A=B": "1"}}`, ErrorShellInvalidInput, []string{`invalid variable name`}},
		{"dir not a string", `{"script": "true", "dir": 1}`, ErrorShellInvalidInput, []string{`"dir" must be a string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, r, Request{Resource: ShellResource, Input: jsonValue(t, tt.input)})
			if got != nil {
				t.Errorf("result = %v, want none", got)
			}
			f := asFailure(t, err, tt.want, tt.causeHas...)
			if tt.name == "stderr tail only" && strings.Contains(f.Cause, "line 80\n") {
				t.Errorf("cause has more than the last %d lines: %q", stderrTailLines, f.Cause)
			}
		})
	}
}

func TestShellTimeoutKillsProcessGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := newResolver(t, Options{})
	start := time.Now()
	_, err := run(t, r, Request{
		Resource: ShellResource,
		Input:    map[string]any{"script": "sleep 30 & echo $! > " + pidFile + "; wait"},
		Timeout:  300 * time.Millisecond,
	})
	asFailure(t, err, ErrorTimeout, "300ms")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the task took %s to time out", d)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the background sleep to be killed", func() bool { return processGone(pid) })
}

func TestShellBackgroundProcessDoesNotHoldTheTask(t *testing.T) {
	r := newResolver(t, Options{})
	start := time.Now()
	got, err := run(t, r, Request{Resource: ShellResource, Input: map[string]any{"script": "sleep 30 & echo done"}})
	if err != nil || got != "done" {
		t.Fatalf("got %v, %v; want done", got, err)
	}
	if d := time.Since(start); d >= drainGrace {
		t.Fatalf("the task waited %s for its background process", d)
	}
}

func TestShellCancelIsNotAFailure(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started")
	r := newResolver(t, Options{})
	e, err := r.Executor(ShellResource, "S")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		// Cancel once the command runs (or after a while regardless: the
		// assertion below then fails on its own).
		defer cancel()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); <-tick.C {
			if _, err := os.Stat(marker); err == nil {
				return
			}
		}
	}()
	_, err = e.Run(ctx, Request{Resource: ShellResource, Input: map[string]any{"script": "touch " + marker + "; sleep 30"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// processGone reports whether pid has exited (a zombie counts as gone: only
// its parent's reaping is left).
func processGone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] == "Z"
}

func TestShellEscapedProcessCannotHoldTheTask(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("needs setsid")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := newResolver(t, Options{})
	// setsid leaves the process group, so the escaped sleep survives the
	// group kill and keeps stdout open; the task still ends after drainGrace.
	start := time.Now()
	got, err := run(t, r, Request{Resource: ShellResource, Input: map[string]any{
		"script": "setsid sh -c 'echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile + "; exec sleep 30' & " +
			"while [ ! -f " + pidFile + " ]; do :; done; echo done",
	}})
	elapsed := time.Since(start)
	if data, rerr := os.ReadFile(pidFile); rerr == nil {
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if err != nil || got != "done" {
		t.Fatalf("got %v, %v; want done", got, err)
	}
	if elapsed < drainGrace || elapsed > 10*time.Second {
		t.Fatalf("the task took %s; want about drainGrace (%s)", elapsed, drainGrace)
	}
}

// TestShellInheritsOnlyAllowedEnv: a server's commands get only the
// variables of its environment that InheritEnv allows (its secrets stay
// out), plus their own; without InheritEnv (baton run) they get all.
func TestShellInheritsOnlyAllowedEnv(t *testing.T) {
	t.Setenv("BATON_TEST_SECRET", "s3cr3t")
	t.Setenv("LC_BATON_TEST", "fr")
	t.Setenv("TEAM_REGION", "eu")
	script := `{"script": "echo \"${BATON_TEST_SECRET:-none} ${LC_BATON_TEST:-none} ${TEAM_REGION:-none} ${OWN:-none} $([ -n \"$PATH\" ] && echo path)\"", "env": {"OWN": "mine"}}`
	for _, tt := range []struct {
		name    string
		inherit []string
		want    string
	}{
		{"the defaults keep the secret out", DefaultInheritEnv, `"none fr none mine path"`},
		{"a name added", append(slices.Clone(DefaultInheritEnv), "TEAM_REGION"), `"none fr eu mine path"`},
		{"a prefix added", append(slices.Clone(DefaultInheritEnv), "TEAM_*"), `"none fr eu mine path"`},
		{"nil inherits everything", nil, `"s3cr3t fr eu mine path"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(t, Options{InheritEnv: tt.inherit})
			got, err := run(t, r, Request{Resource: ShellResource, Input: jsonValue(t, script)})
			if err != nil {
				t.Fatal(err)
			}
			if want := jsonValue(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("result = %s, want %s", encodeJSON(got), encodeJSON(want))
			}
		})
	}
}
