package cli_test

import (
	"strings"
	"testing"
)

// TestServerMaxStepTime: the runaway guard's limit has a flag and an
// environment variable; meaningless values are usage errors naming them.
func TestServerMaxStepTime(t *testing.T) {
	dir := t.TempDir()
	r := runBaton(t, dir, "", "server", "--max-step-time", "0s", "--data-dir", dir, "--listen", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "--max-step-time") {
		t.Errorf("--max-step-time 0s: exit %d: %s", r.code, r.stderr)
	}
	t.Setenv("BATON_MAX_STEP_TIME", "soon")
	r = runBaton(t, dir, "", "server", "--data-dir", dir, "--listen", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "BATON_MAX_STEP_TIME") {
		t.Errorf("BATON_MAX_STEP_TIME=soon: exit %d: %s", r.code, r.stderr)
	}
}
