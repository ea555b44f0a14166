package cli_test

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServerConfigErrors: a --config file (or BATON_CONFIG) that cannot be
// loaded stops the server at start with exit code 2 and every problem as
// file:line:col.
func TestServerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "baton.yaml", "connections:\n  wh:\n    type: sql\n    driver: postgres\n    host: db\n    password: env:BATON_TEST_WH_PASSWORD\n  lake: {type: s3}\n")
	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"missing env and field", nil, []string{"--config", bad}, []string{
			bad + `:6:15: connection "wh": password refers to the environment variable BATON_TEST_WH_PASSWORD, which is not set`,
			bad + `:7:9: connection "lake" needs an endpoint`}},
		{"BATON_CONFIG", []string{"BATON_CONFIG=" + filepath.Join(dir, "missing.yaml")}, nil, []string{"--config: configuration file: open " + filepath.Join(dir, "missing.yaml")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"server", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, tt.args...)
			cmd := exec.Command(baton, args...)
			cmd.Env = append(cmd.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 {
				t.Fatalf("exit %v, want 2:\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Fatalf("output does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestServerConfigLoaded: a server started with a configuration file says
// so in its log, and no secret of it appears there.
func TestServerConfigLoaded(t *testing.T) {
	const secret = "Sup3r-s3cret-v4lue"
	dir := t.TempDir()
	cfg := writeFile(t, dir, "baton.yaml", "connections:\n  wh: {type: sql, driver: postgres, host: db, password: env:BATON_TEST_WH_PASSWORD}\n  api: {type: http, base_url: 'https://x.example', headers: {Authorization: file:token}}\n")
	writeFile(t, dir, "token", "Bearer "+secret+"\n")
	cmd := exec.Command(baton, "server", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-format", "json")
	cmd.Env = append(cmd.Environ(), "BATON_CONFIG="+cfg, "BATON_TEST_WH_PASSWORD="+secret)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var log strings.Builder
	deadline := time.After(60 * time.Second)
	for !strings.Contains(log.String(), "baton server listening") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the server stopped:\n%s", log.String())
			}
			log.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("the server did not start:\n%s", log.String())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	for l := range lines {
		log.WriteString(l + "\n")
	}
	if !strings.Contains(log.String(), `"msg":"configuration loaded"`) || !strings.Contains(log.String(), `"connections":2`) {
		t.Fatalf("no configuration in the log:\n%s", log.String())
	}
	if strings.Contains(log.String(), secret) {
		t.Fatalf("the log shows a secret:\n%s", log.String())
	}
}
