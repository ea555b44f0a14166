package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The AWS CLI (v1) and boto3 versions TestAWSCLI and TestBoto3 install when
// they are missing. Installed ones of other versions are used as they are
// (their versions are logged).
const (
	awscliPin = "awscli==1.45.11"
	boto3Pin  = "boto3==1.43.11"
)

// forcePipEnv makes the tests install the pinned packages with pip even
// when they are there (to check the install path; point PYTHONUSERBASE at
// a scratch directory to leave ~/.local alone).
const forcePipEnv = "BATON_E2E_PIP_INSTALL"

var pyTools struct {
	mu      sync.Mutex
	tried   bool     // install ran (whether or not it worked)
	python  string   // after install: a python that imports the pinned packages
	scripts string   // after install: where that install put the aws script
	aws     []string // the command that runs the AWS CLI
	boto3Py string   // a python that imports boto3
}

// install installs the pinned AWS CLI and boto3, once per test binary:
// `python3 -m pip install --user ...`, and when pip refuses that (an
// externally managed Python as on Debian/Ubuntu, PEP 668; python3 being a
// virtualenv's) into a virtualenv of the test's own in the user cache
// directory (reused by later runs). It fails the test, with pip's output
// and what to do by hand, when neither works (e.g. no network). Callers
// hold pyTools.mu.
func install(t testing.TB, why string) (python, scripts string) {
	t.Helper()
	if pyTools.tried {
		if pyTools.python == "" {
			t.Fatalf("%s, and installing it failed before (see the first failure)", why)
		}
		return pyTools.python, pyTools.scripts
	}
	pyTools.tried = true
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("%s, and there is no python3 on PATH to install it with: install Python 3 and `pip install %s %s`", why, awscliPin, boto3Pin)
	}
	python = resolvePyenvShim(python, "python3")
	t.Logf("%s: installing %s %s with pip", why, awscliPin, boto3Pin)
	userOut, userErr := runPip(python, "--user")
	if userErr == nil {
		pyTools.python, pyTools.scripts = python, pyScripts(t, python, true)
		return pyTools.python, pyTools.scripts
	}
	t.Logf("%s -m pip install --user failed (%v); trying a virtualenv of its own", python, userErr)

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	venv := filepath.Join(cache, "baton-e2e", "py-"+strings.ReplaceAll(awscliPin+"-"+boto3Pin, "==", "-"))
	vpy := filepath.Join(venv, "bin", "python")
	var venvOut []byte
	if _, err = os.Stat(vpy); err != nil {
		venvOut, err = exec.Command(python, "-m", "venv", venv).CombinedOutput()
	}
	if err == nil {
		var out []byte
		out, err = runPip(vpy)
		venvOut = append(venvOut, out...)
	}
	if err != nil {
		t.Fatalf("%s, and installing it failed:\n"+
			"- %s -m pip install --user %s %s: %v\n%s\n"+
			"- in a virtualenv at %s: %v\n%s\n"+
			"Install them by hand (pip install %s %s, e.g. in a virtualenv whose bin is on PATH) and run the test again.",
			why, python, awscliPin, boto3Pin, userErr, tail(string(userOut), 30),
			venv, err, tail(string(venvOut), 30), awscliPin, boto3Pin)
	}
	pyTools.python, pyTools.scripts = vpy, filepath.Join(venv, "bin")
	return pyTools.python, pyTools.scripts
}

// runPip runs python -m pip install [flags] for the pinned packages.
func runPip(python string, flags ...string) ([]byte, error) {
	args := append(append([]string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input"}, flags...), awscliPin, boto3Pin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = sanitizedEnv()
	return cmd.CombinedOutput()
}

// pyScripts is where pip puts a python's scripts: the user scheme's
// (~/.local/bin, or $PYTHONUSERBASE/bin) with user, else the default.
func pyScripts(t testing.TB, python string, user bool) string {
	t.Helper()
	code := "import sysconfig\nprint(sysconfig.get_path('scripts'))"
	if user {
		code = "import os, sysconfig\n" +
			"try:\n    s = sysconfig.get_preferred_scheme('user')\n" +
			"except AttributeError:\n    s = os.name + '_user'\n" +
			"print(sysconfig.get_path('scripts', s))"
	}
	out, err := exec.Command(python, "-c", code).Output()
	if err != nil {
		t.Fatalf("%s: where are the scripts: %v", python, err)
	}
	return strings.TrimSpace(string(out))
}

// awsCLICommand is the command that runs the AWS CLI: aws on PATH, or else
// the one the install puts in its scripts directory (or python -m awscli
// when pip found awscli installed already but its script is not there).
func awsCLICommand(t testing.TB) []string {
	t.Helper()
	pyTools.mu.Lock()
	defer pyTools.mu.Unlock()
	if pyTools.aws != nil {
		return pyTools.aws
	}
	p, err := exec.LookPath("aws")
	if err == nil && os.Getenv(forcePipEnv) != "1" {
		pyTools.aws = []string{resolvePyenvShim(p, "aws")}
		return pyTools.aws
	}
	why := "the AWS CLI (aws) is not on PATH"
	if err == nil {
		why = forcePipEnv + "=1"
	}
	python, scripts := install(t, why)
	if p := filepath.Join(scripts, "aws"); fileExists(p) {
		pyTools.aws = []string{p}
		return pyTools.aws
	}
	if out, err := exec.Command(python, "-m", "awscli", "--version").CombinedOutput(); err != nil {
		t.Fatalf("pip installed %s, but there is no %s/aws and %s -m awscli fails: %v\n%s", awscliPin, scripts, python, err, out)
	}
	pyTools.aws = []string{python, "-m", "awscli"}
	return pyTools.aws
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// resolvePyenvShim replaces a pyenv shim with the program it would run:
// the shim is a shell script that starts pyenv, which costs ~0.15 s on
// every one of the many CLI runs.
func resolvePyenvShim(p, name string) string {
	if !strings.Contains(filepath.ToSlash(p), "/.pyenv/shims/") {
		return p
	}
	out, err := exec.Command("pyenv", "which", name).Output()
	if err != nil {
		return p
	}
	if real := strings.TrimSpace(string(out)); real != "" {
		return real
	}
	return p
}

// boto3Python is a python3 that imports boto3: the one on PATH, or else
// the one the install set up.
func boto3Python(t testing.TB) string {
	t.Helper()
	pyTools.mu.Lock()
	defer pyTools.mu.Unlock()
	if pyTools.boto3Py != "" {
		return pyTools.boto3Py
	}
	imports := func(python string) error {
		cmd := exec.Command(python, "-c", "import boto3")
		cmd.Env = sanitizedEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	var why string
	if python, err := exec.LookPath("python3"); err != nil {
		why = "there is no python3 on PATH"
	} else if python = resolvePyenvShim(python, "python3"); os.Getenv(forcePipEnv) == "1" {
		why = forcePipEnv + "=1"
	} else if err := imports(python); err != nil {
		why = fmt.Sprintf("%s cannot import boto3 (%v)", python, err)
	} else {
		pyTools.boto3Py = python
		return python
	}
	python, _ := install(t, why)
	if err := imports(python); err != nil {
		t.Fatalf("pip installed %s, but %s cannot import boto3: %v", boto3Pin, python, err)
	}
	pyTools.boto3Py = python
	return python
}

// sanitizedEnv is the test's environment without the AWS_ variables a
// developer's shell may set (profiles, endpoints, credentials, regions), so
// the CLI and boto3 see only what a test gives them.
func sanitizedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(strings.ToUpper(kv), "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// awsClientEnv is the environment for the AWS CLI and boto3: dummy
// credentials, us-east-1, and empty config and credentials files in a
// temporary directory instead of the user's ~/.aws.
func awsClientEnv(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, f := range []string{cfg, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return append(sanitizedEnv(),
		"AWS_ACCESS_KEY_ID=baton-e2e",
		"AWS_SECRET_ACCESS_KEY=baton-e2e",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_PAGER=", // CLI v2 would page output through less
	)
}

// exitCode is the exit status of a finished command, or -1.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
