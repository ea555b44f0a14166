package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLimitFlags: the interpreter's limits are set by flag or environment
// variable on baton run (and server, which shares limitFlags); meaningless
// values are usage errors that name the flag or variable, and a JSONata
// expression past its time limit fails the state with a cause that names
// the flag.
func TestLimitFlags(t *testing.T) {
	dir := t.TempDir()
	bomb := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true,` +
		`"Output":"{% ($f := function($n){ $n > 26 ? 1 : $f($n+1) + $f($n+1) }; $f(0)) %}"}}}`
	if err := os.WriteFile(filepath.Join(dir, "bomb.asl.json"), []byte(bomb), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want string // in stdout (code 1) or stderr (code 2)
	}{
		{"timeout flag", nil, []string{"--jsonata-timeout", "200ms"}, 1, "(200ms; raise it with --jsonata-timeout)"},
		{"timeout env", []string{"BATON_JSONATA_TIMEOUT=300ms"}, nil, 1, "(300ms; raise it with --jsonata-timeout)"},
		{"bad timeout env", []string{"BATON_JSONATA_TIMEOUT=soon"}, nil, 2, "BATON_JSONATA_TIMEOUT"},
		{"zero timeout", nil, []string{"--jsonata-timeout", "0s"}, 2, "--jsonata-timeout"},
		{"negative bytes", nil, []string{"--jsonata-max-bytes", "-1"}, 2, "--jsonata-max-bytes"},
		{"bad bytes env", []string{"BATON_JSONATA_MAX_BYTES=lots"}, nil, 2, "BATON_JSONATA_MAX_BYTES"},
		{"zero branches", nil, []string{"--max-open-branches", "0"}, 2, "--max-open-branches"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runBatonEnv(t, dir, "", c.env, append([]string{"run", "-q", "bomb.asl.json"}, c.args...)...)
			got := r.stdout
			if c.code == 2 {
				got = r.stderr
			}
			if r.code != c.code || !strings.Contains(got, c.want) {
				t.Fatalf("exit %d, want %d with %q:\nstdout: %s\nstderr: %s", r.code, c.code, c.want, r.stdout, r.stderr)
			}
		})
	}
}
