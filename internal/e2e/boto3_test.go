package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBoto3 runs testdata/boto3_sfn.py against a server: boto3 creates a
// state machine (Wait 1 s, then a baton:shell task), starts it, pages
// through the history until it ends, checks the output and the modelled
// exceptions (ExecutionDoesNotExist, ...), and runs start_sync_execution
// with and without botocore's sync- host prefix.
func TestBoto3(t *testing.T) {
	python := boto3Python(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_sfn.py"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, srv.url)
	cmd.Env = append(awsClientEnv(t), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	cmd.Dir = t.TempDir()
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s timed out after 2m; output:\n%s", python, script, out)
	}
	if err != nil {
		t.Fatalf("%s %s %s: %v; output:\n%s", python, script, srv.url, err, out)
	}
	if !strings.Contains(string(out), "\nPASS") {
		t.Fatalf("%s exited 0 without PASS; output:\n%s", script, out)
	}
	t.Logf("%s", out)
}
