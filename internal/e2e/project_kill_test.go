package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// waitFile waits for a file to exist and returns its content.
func waitFile(t *testing.T, name string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(name); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within 30s", name)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// TestDeployedRunSurvivesKill: a run of a deployed project whose step is
// running when the server is SIGKILLed keeps its working directory (as its
// steps left it) across the restart, and its retried step runs there
// again; a SQL step reads its file: from the bundle; what the crash left in
// the runs directory that belongs to no running run is removed at start.
func TestDeployedRunSurvivesKill(t *testing.T) {
	work := t.TempDir()
	writeProject(t, work, "baton.yaml", "connections:\n  db:\n    type: sql\n    driver: sqlite\n    path: app.db\n")
	srv := newServer(t, "--config", filepath.Join(work, "baton.yaml"))
	c := newClient(srv.url, false)
	writeProject(t, filepath.Join(work, "proj"),
		"pipeline.yaml", `name: e2e-kill
params:
  gate: {type: string}
steps:
  - name: load
    type: sql
    connection: db
    file: sql/load.sql
  - name: hold
    type: shell
    depends_on: [load]
    retry: {retries: 2, interval: 1s}
    command: [sh, hold.sh, "{% $input.gate %}"]
`,
		"sql/load.sql", "CREATE TABLE IF NOT EXISTS t (x INTEGER);\nINSERT INTO t VALUES (1);\n",
		"hold.sh", `if [ -e marker.txt ]; then kept=yes; else kept=no; fi
echo x > marker.txt
pwd >> "$1.started"
while [ ! -e "$1" ]; do sleep 0.05; done
echo "kept=$kept" >> "$BATON_OUTPUT"
`)
	baton(t, srv, "deploy", filepath.Join(work, "proj"))
	gate := filepath.Join(work, "gate")
	baton(t, srv, "start", "e2e-kill", "--name", "k1", "--input", `{"gate":"`+gate+`"}`)
	dir := waitFile(t, gate+".started")

	srv.kill()
	stale := filepath.Join(srv.dataDir, "runs", "0123456789abcdef")
	if err := os.MkdirAll(filepath.Join(stale, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv.start()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a directory of no running run is still there after the restart: %v", err)
	}
	waitFor(t, execTimeout, "the retried step to start", func() (bool, string) {
		b, _ := os.ReadFile(gate + ".started")
		return strings.Count(string(b), "\n") >= 2, string(b)
	})
	b, _ := os.ReadFile(gate + ".started")
	if lines := strings.Fields(string(b)); len(lines) != 2 || lines[1] != dir {
		t.Fatalf("the retried step ran in %q, want its run's directory %s", lines, dir)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:states:us-east-1:123456789012:execution:e2e-kill:k1"
	d := succeeded(t, c, arn, "")
	if out := aws.ToString(d.Output); !strings.Contains(out, `"kept":"yes"`) {
		t.Fatalf("output %s: the restart lost the run's directory", out)
	}
}
