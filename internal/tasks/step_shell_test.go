package tasks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

func TestStepShell(t *testing.T) {
	dir := t.TempDir()
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "project"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"project/jobs/sub", "outside"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"project/out-link": "../outside", "project/in-link": "jobs/sub", "project/abs-link": "/tmp"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "project", "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pwd := `{"script": "echo \"dir=$(pwd -P)\" > $BATON_OUTPUT", "dir": `
	inProject := func(sub string) string {
		return `{"dir": ` + strconv.Quote(filepath.Join(realDir, "project", sub)) + `}`
	}
	t.Setenv("BATON_TEST_SERVER_SECRET", stepSecret) // in Baton's environment, not the step's
	r := newResolver(t, Options{WorkDir: dir, Env: []string{"FROM_OPTIONS=opt"}, MaxResultBytes: 1000})
	runStepCases(t, r, steptask.ResourceShell, []stepCase{
		{name: "JSON output", input: `{"command": ["sh", "-c", "echo '{\"rows\": [1, 2]}' > \"$BATON_OUTPUT\""]}`, want: `{"rows": [1, 2]}`},
		{name: "key=value output", input: `{"script": "echo rows=3 >> $BATON_OUTPUT\necho 'name=a b=c' >> $BATON_OUTPUT"}`, want: `{"rows": "3", "name": "a b=c"}`},
		{name: "nothing written is null", input: `{"command": ["true"]}`, want: `null`},
		{name: "stdout is a log, not the output", input: `{"command": ["echo", "{\"a\": 1}"]}`, want: `null`},
		{name: "bash", input: `{"script": "if [[ -n x ]]; then echo shell=bash > $BATON_OUTPUT; fi", "shell": "bash"}`, want: `{"shell": "bash"}`},
		{name: "step env over the minimal environment", input: `{"script": "echo \"day=$DAY\nopt=$FROM_OPTIONS\nsecret=${BATON_TEST_SERVER_SECRET:-unset}\nstep=$BATON_PIPELINE/$BATON_STEP/$BATON_INDEX/$BATON_ATTEMPT\" > $BATON_OUTPUT", "env": {"DAY": "2026-12-01", "FROM_OPTIONS": "step"}, "pipeline": "sales", "step": "load", "index": 4}`,
			req: Request{Attempt: 2}, want: `{"day": "2026-12-01", "opt": "step", "secret": "unset", "step": "sales/load/4/2"}`},
		{name: "runs in Request.Dir under WorkDir", input: `{"script": "echo \"dir=$(pwd -P)\" > $BATON_OUTPUT"}`, req: Request{Dir: "project"}, want: `{"dir": ` + strconv.Quote(filepath.Join(realDir, "project")) + `}`},
		{name: "dir under the run's directory", input: pwd + `"jobs"}`, req: Request{Dir: "project"}, want: inProject("jobs")},
		{name: "dir cleaned, staying inside", input: pwd + `"jobs/sub/../sub/"}`, req: Request{Dir: "project"}, want: inProject("jobs/sub")},
		{name: "dir through a link inside the project", input: pwd + `"in-link"}`, req: Request{Dir: "project"}, want: inProject("jobs/sub")},
		{name: "dir . is the run's directory", input: pwd + `"."}`, req: Request{Dir: "project"}, want: inProject("")},
		{name: "dir with ..", input: pwd + `"../outside"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`"dir" must be a directory inside the project`}},
		{name: "dir absolute", input: pwd + `"/tmp"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`inside the project`}},
		{name: "dir through a link leaving the project", input: pwd + `"out-link"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`leaves the project through a symbolic link`}},
		{name: "dir through an absolute link", input: pwd + `"abs-link"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`leaves the project`}},
		{name: "dir missing", input: pwd + `"nope"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`"nope" does not exist in the project`}},
		{name: "dir a file", input: pwd + `"file"}`, req: Request{Dir: "project"}, failure: ErrorShellInvalidInput, causeHas: []string{`"file" is not a directory`}},
		{name: "runs in WorkDir by default", input: `{"script": "echo \"dir=$(pwd -P)\" > $BATON_OUTPUT"}`, want: `{"dir": ` + strconv.Quote(realDir) + `}`},
		{name: "exit code", input: `{"script": "echo partial > $BATON_OUTPUT; echo 'disk full' >&2; exit 3"}`, failure: ErrorShellExit, causeHas: []string{"exit status 3", "disk full"}},
		{name: "sh -e stops at the first failure", input: `{"script": "false\necho ran=yes > $BATON_OUTPUT"}`, failure: ErrorShellExit, causeHas: []string{"exit status 1"}},
		{name: "sh -u refuses unset variables", input: `{"script": "echo $NOT_SET_ANYWHERE"}`, failure: ErrorShellExit, causeHas: []string{"NOT_SET_ANYWHERE"}},
		{name: "a FIFO as the output", input: `{"script": "rm \"$BATON_OUTPUT\"; mkfifo \"$BATON_OUTPUT\""}`, failure: ErrorShellOutput, causeHas: []string{"not a regular file"}},
		{name: "a symbolic link as the output", input: `{"script": "rm \"$BATON_OUTPUT\"; ln -s /dev/zero \"$BATON_OUTPUT\""}`, failure: ErrorShellOutput, causeHas: []string{"not a regular file"}},
		{name: "missing program", input: `{"command": ["baton-no-such-program"]}`, failure: ErrorShellNotFound},
		{name: "output neither JSON nor key=value", input: `{"script": "echo 'just words' > $BATON_OUTPUT"}`, failure: ErrorShellOutput, causeHas: []string{`line 1 is "just words"`}},
		{name: "broken JSON output", input: `{"script": "echo '{\"a\": ' > $BATON_OUTPUT"}`, failure: ErrorShellOutput, causeHas: []string{"invalid JSON"}},
		{name: "output over the limit", input: `{"script": "head -c 1001 /dev/zero | tr '\\0' a > $BATON_OUTPUT"}`, failure: ErrorDataLimitExceeded, causeHas: []string{"1000 bytes", "--max-payload-bytes"}},
		{name: "command and script", input: `{"command": ["true"], "script": "true"}`, failure: ErrorShellInvalidInput, causeHas: []string{`"command"`, `"script"`}},
		{name: "neither", input: `{"env": {}}`, failure: ErrorShellInvalidInput, causeHas: []string{`"command" is missing`}},
		{name: "unknown shell", input: `{"script": "true", "shell": "zsh"}`, failure: ErrorShellInvalidInput, causeHas: []string{`"shell" must be sh or bash`}},
		{name: "shell with a command", input: `{"command": ["true"], "shell": "bash"}`, failure: ErrorShellInvalidInput, causeHas: []string{`"shell"`}},
		{name: "bad env name", input: `{"command": ["true"], "env": {"A-B": "x"}}`, failure: ErrorShellInvalidInput, causeHas: []string{`"env.A-B"`}},
		{name: "wrong type", input: `{"command": "true"}`, failure: ErrorShellInvalidInput, causeHas: []string{`"command" must be an array, got a JSON string`}},
		{name: "empty program", input: `{"command": [""]}`, failure: ErrorShellInvalidInput, causeHas: []string{`"command[0]"`}},
	})
}

func TestStepShellStops(t *testing.T) {
	r := newResolver(t, Options{})
	e, err := r.Executor(steptask.ResourceShell, "s")
	if err != nil {
		t.Fatal(err)
	}
	input := jsonValue(t, `{"command": ["sleep", "30"]}`)
	start := time.Now()
	_, err = e.Run(t.Context(), Request{Resource: steptask.ResourceShell, Input: input, Timeout: 200 * time.Millisecond})
	asFailure(t, err, ErrorTimeout)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the timeout took %s", took)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = e.Run(ctx, Request{Resource: steptask.ResourceShell, Input: input})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled (the caller's, not the task's failure)", err)
	}
}

func TestStepShellDisabled(t *testing.T) {
	r := newResolver(t, Options{DisableShell: true})
	_, err := run(t, r, Request{Resource: steptask.ResourceShell, Input: jsonValue(t, `{"command": ["true"]}`)})
	asFailure(t, err, ErrorResourceDisabled, "--disable-shell")
}

func TestParseStepOutput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "null"},
		{" \n", "null"},
		{`"text"`, `"text"`},
		{"42\n", "42"},
		{"a=1\r\nb=\n\nc=x=y\n", `{"a": "1", "b": "", "c": "x=y"}`},
		{"a=1\na=2\n", `{"a": "2"}`},
	}
	for _, tt := range tests {
		got, err := parseStepOutput([]byte(tt.in))
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if g, w := encodeJSON(got), encodeJSON(jsonValue(t, tt.want)); g != w {
			t.Fatalf("%q: got %s, want %s", tt.in, g, w)
		}
	}
	if _, err := parseStepOutput([]byte("a=1\nnot a pair\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
}
