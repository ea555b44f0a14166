package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
)

// startWorker starts `baton worker` on activity jobs with args before --
// and argv after it, and waits until it created the activity.
func startWorker(t *testing.T, env *nativetest.Env, url string, args []string, argv ...string) (*exec.Cmd, string) {
	t.Helper()
	full := append([]string{"worker", "--activity", "jobs", "--heartbeat", "0", "--server", url}, args...)
	cmd := exec.Command(baton, append(append(full, "--"), argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	actArn := "arn:aws:states:us-east-1:123456789012:activity:jobs"
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := env.Service.DescribeActivity(context.Background(), &service.DescribeActivityInput{ActivityArn: actArn}); err == nil {
			return cmd, actArn
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not create the activity: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond) // poll interval
	}
}

// TestWorkerOutputLimit: a command that writes more than
// --max-payload-bytes on stdout fails its task with a cause naming the
// limit, instead of the worker keeping all of it in memory.
func TestWorkerOutputLimit(t *testing.T) {
	env, url := server(t)
	// 4 MiB of output: more than the limit by far (64 MiB took most of the
	// 20 s deadline under -race on a loaded machine).
	_, act := startWorker(t, env, url, []string{"--max-payload-bytes", "1000"}, "sh", "-c", "cat >/dev/null; head -c 4194304 /dev/zero | tr '\\0' x")
	env.Engine.QueueTask(act, `{}`)
	r := waitResult(t, env, "success", "failure")
	if r.Kind != "failure" || r.Error != "Worker.InvalidOutput" || !strings.Contains(r.Cause, "more than 1000 bytes") || !strings.Contains(r.Cause, "--max-payload-bytes") {
		t.Fatalf("a command writing past the limit: %+v, want Worker.InvalidOutput naming the limit and --max-payload-bytes", r)
	}
	dir := t.TempDir()
	if r := runBaton(t, dir, "", "worker", "--activity", "a", "--max-payload-bytes", "0", "--server", url, "--", "cat"); r.code != 2 || !strings.Contains(r.stderr, "--max-payload-bytes") {
		t.Fatalf("--max-payload-bytes 0: %+v", r)
	}
}

// TestWorkerCommandDiesWithWorker: a worker killed with SIGKILL takes its
// running command with it (Linux: the parent-death signal the server's task
// commands get too).
func TestWorkerCommandDiesWithWorker(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signals are Linux's")
	}
	env, url := server(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	w, act := startWorker(t, env, url, nil, "sh", "-c", "echo $$ > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; exec sleep 300")
	env.Engine.QueueTask(act, `{}`)
	var pid int
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start")
		}
		time.Sleep(5 * time.Millisecond) // poll interval
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if err := w.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = w.Wait()
	deadline = time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the command (pid %d) still runs 5 s after its worker was killed", pid)
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}
