package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runBatonWithin runs baton with extra environment variables and fails the
// test when it has not ended within d (before the read limits, /dev/zero
// as a definition or an input never ended).
func runBatonWithin(t *testing.T, d time.Duration, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, baton, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("baton %s did not end within %v", strings.Join(args, " "), d)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// TestReadLimits: every command that reads a definition or an input reads
// it within a limit, says which and names the flag that raises it. Before,
// validate of a 1 GB file grew to 24 GB and /dev/zero never returned.
func TestReadLimits(t *testing.T) {
	dir := t.TempDir()
	def := writeFile(t, dir, "pass.asl.json", passDef)
	huge := filepath.Join(dir, "huge.asl.json") // 1 GB, sparse: nothing is written
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bigInput := `{"a":"` + strings.Repeat("x", 300<<10) + `"}`
	writeFile(t, dir, "big.json", bigInput)
	// A valid definition of 1.5 MB: over the default limit, under a raised one.
	large := writeFile(t, dir, "large.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"`+
		strings.Repeat("x", 1500<<10)+`","End":true}}}`)
	const (
		defLimit   = "is larger than 1048576 bytes, the limit for a definition; raise it with --max-definition-bytes"
		inputLimit = "is larger than 262144 bytes, the limit for an execution input (the payload limit); raise it with --max-payload-bytes"
	)
	noServer := "http://127.0.0.1:1"
	tests := []struct {
		name  string
		stdin string
		env   []string
		args  []string
		code  int
		want  string // in stdout or stderr
	}{
		{"validate /dev/zero", "", nil, []string{"validate", "/dev/zero"}, 2, "/dev/zero:1:1: /dev/zero " + defLimit},
		{"validate a 1 GB file", "", nil, []string{"validate", huge}, 2, huge + " " + defLimit},
		{"validate over the limit", "", nil, []string{"validate", large}, 2, large + " " + defLimit},
		{"validate under a raised limit", "", nil, []string{"validate", "--max-definition-bytes", "2000000", large}, 0, large + ": valid"},
		{"validate under a limit from the environment", "", []string{"BATON_MAX_DEFINITION_BYTES=2000000"}, []string{"validate", large}, 0, large + ": valid"},
		{"validate over a limit from the environment", "", []string{"BATON_MAX_DEFINITION_BYTES=10"}, []string{"validate", def},
			2, def + " is larger than 10 bytes"},
		{"bad limit", "", nil, []string{"validate", "--max-definition-bytes", "0", def}, 2, "--max-definition-bytes must be at least 1, not 0"},
		{"bad limit in the environment", "", []string{"BATON_MAX_DEFINITION_BYTES=lots"}, []string{"validate", def}, 2, `BATON_MAX_DEFINITION_BYTES="lots": want a whole number`},
		{"run /dev/zero", "", nil, []string{"run", "/dev/zero"}, 2, "/dev/zero " + defLimit},
		{"run a 1 GB file", "", nil, []string{"run", huge}, 2, huge + " " + defLimit},
		{"run --input-file /dev/zero", "", nil, []string{"run", def, "--input-file", "/dev/zero"}, 2, "--input-file: /dev/zero " + inputLimit},
		{"run --input-file too large", "", nil, []string{"run", def, "--input-file", "big.json"}, 2, "big.json " + inputLimit},
		{"run --input-file under a raised limit", "", nil, []string{"run", def, "--input-file", "big.json", "--max-payload-bytes", "400000"}, 0, `"status":"SUCCEEDED"`},
		{"run stdin too large", bigInput, nil, []string{"run", def}, 2, "the input on stdin " + inputLimit},
		{"run negative payload limit", "", nil, []string{"run", def, "--max-payload-bytes", "-5"}, 2, "--max-payload-bytes must be 0 (no limit) or more, not -5"},
		{"run --mock-config /dev/zero", "", nil, []string{"run", def, "--mock-config", "/dev/zero", "--test-case", "T"}, 2, "/dev/zero is larger than 16777216 bytes, the limit for a mock config"},
		{"deploy /dev/zero", "", nil, []string{"deploy", "/dev/zero", "--server", noServer}, 2, "/dev/zero " + defLimit},
		{"deploy a 1 GB file", "", nil, []string{"deploy", huge, "--server", noServer}, 2, huge + " " + defLimit},
		{"start --input-file /dev/zero", "", nil, []string{"start", "etl", "--input-file", "/dev/zero", "--server", noServer}, 2, "--input-file: /dev/zero " + inputLimit},
		{"start stdin too large", bigInput, nil, []string{"start", "etl", "--server", noServer}, 2, "the input on stdin " + inputLimit},
		{"start bad payload limit", "", nil, []string{"start", "etl", "--max-payload-bytes", "-1", "--server", noServer}, 2, "--max-payload-bytes must be 0 (no limit) or more, not -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBatonWithin(t, 20*time.Second, dir, tt.stdin, tt.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q in\nstdout: %.500s\nstderr: %.500s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
