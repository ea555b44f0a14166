package cli_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	batonserver "github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/service"
)

func startServer(t *testing.T, dir, check string) *batonserver.Server {
	t.Helper()
	s, err := batonserver.Start(context.Background(), batonserver.Config{Listen: "127.0.0.1:0", DataDir: dir, DBCheck: check,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countExecutions lists every execution of the state machine.
func countExecutions(t *testing.T, svc *service.Service, sm string) int {
	t.Helper()
	n := 0
	in := &service.ListExecutionsInput{StateMachineArn: sm, MaxResults: 1000}
	for {
		out, err := svc.ListExecutions(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Executions)
		if out.NextToken == "" {
			return n
		}
		in.NextToken = out.NextToken
	}
}

// TestBackupWhileServing: `baton backup` copies the database of a running
// server that is starting executions (another process, which holds the data
// directory's lock); the copy, restored as the docs say, passes the full
// check and holds the executions the backup counted.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, "")
	svc := s.Service()
	ctx := context.Background()
	sm, err := svc.CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: "wait",
		Definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	var started atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				_, err := svc.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn,
					Name: fmt.Sprintf("w%d-%06d", w, i), Input: "{}"})
				if err != nil {
					t.Errorf("StartExecution: %v", err)
					return
				}
				started.Add(1)
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for started.Load() < 200 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling the writers' progress with a deadline
	}
	file := filepath.Join(t.TempDir(), "baton-backup.db")
	r := runBaton(t, dir, "", "backup", "--data-dir", dir, file)
	stop.Store(true)
	wg.Wait()
	if r.code != 0 {
		t.Fatalf("backup while serving: %+v", r)
	}
	m := regexp.MustCompile(`backed up (\d+) executions`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("backup output: %q", r.stdout)
	}
	counted, _ := strconv.Atoi(m[1])
	if counted < 200 {
		t.Errorf("the backup holds %d executions, at least 200 were started before it", counted)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	snapshot, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	// Again: an existing file is refused without --force.
	r = runBaton(t, dir, "", "backup", "--data-dir", dir, file)
	if r.code != 2 || !strings.Contains(r.stderr, "exists") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("backup over an existing file: %+v", r)
	}
	if r = runBaton(t, dir, "", "backup", "--data-dir", dir, "--force", file); r.code != 0 {
		t.Errorf("backup --force: %+v", r)
	}
	// Restore the copy taken while serving, as docs/server.md says: it
	// passes the full check and holds what the backup counted.
	restored := t.TempDir()
	if err := os.WriteFile(filepath.Join(restored, "baton.db"), snapshot, 0o644); err != nil {
		t.Fatal(err)
	}
	rs := startServer(t, restored, "full")
	defer rs.Shutdown(ctx)
	if n := countExecutions(t, rs.Service(), sm.StateMachineArn); n != counted {
		t.Errorf("the restored server lists %d executions, the backup counted %d", n, counted)
	}
}
