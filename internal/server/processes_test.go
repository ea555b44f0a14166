//go:build linux

package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/tasks"
)

// TestMain shortens tasks.StopGrace (5 s by default) for the whole package,
// before any test starts a task: set by one test, it could not be restored
// without racing with the task goroutines that read it, and would leak into
// the tests that follow.
func TestMain(m *testing.M) {
	tasks.StopGrace = 2 * time.Second
	os.Exit(m.Run())
}

// TestShutdownLeavesNoTaskProcess: a graceful stop while a shell task runs
// a child that ignores SIGTERM returns only once the child is killed, so
// that no task process outlives the server.
func TestShutdownLeavesNoTaskProcess(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	s, err := Start(context.Background(), quietConfig(filepath.Join(dir, "data")))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	script := "trap '' TERM; sleep 300 & echo $! > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile + "; wait"
	sm, err := s.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: "stubborn", RoleArn: "arn:aws:iam::123456789012:role/r",
		Definition: `{"StartAt":"Sh","States":{"Sh":{"Type":"Task","Resource":"baton:shell","Parameters":{"script":` + strconv.Quote(script) + `},"End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	var child int
	poll(t, 30*time.Second, "the task's child to start", func() bool {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			child, err = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return err == nil
	})
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// SIGKILL takes effect within milliseconds; the child would live on
	// for StopGrace (2 s) if Shutdown had not waited.
	poll(t, time.Second, "the child to be gone after Shutdown", func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(child) + "/stat")
		return err != nil || strings.Contains(string(b), ") Z ")
	})
}

func poll(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}
