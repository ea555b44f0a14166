package cli_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServerBuiltinFlagErrors: meaningless --disable-shell and
// --allowed-resources values stop the server at start with exit code 2 and
// a message naming the flag.
func TestServerBuiltinFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown built-in", nil, []string{"--allowed-resources", " baton:http , baton:sql,"}, `--allowed-resources: "baton:sql" is not a built-in resource`},
		{"contradiction", nil, []string{"--disable-shell", "--allowed-resources", "baton:shell"}, "contradict"},
		{"env not a boolean", []string{"BATON_DISABLE_SHELL=maybe"}, nil, `BATON_DISABLE_SHELL="maybe": want true or false`},
		{"env list", []string{"BATON_ALLOWED_RESOURCES=baton:ftp"}, nil, `"baton:ftp" is not a built-in resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"server", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, tt.args...)
			cmd := exec.Command(baton, args...)
			cmd.Env = append(cmd.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) {
				t.Fatalf("exit %v, want 2 with %q:\n%s", err, tt.want, out)
			}
		})
	}
}
