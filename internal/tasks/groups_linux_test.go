package tasks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestStillOurs(t *testing.T) {
	const pgid, start = 500, 1000
	tests := []struct {
		name  string
		procs []procStat
		want  bool
	}{
		{"the leader runs", []procStat{{pid: pgid, pgrp: pgid, start: start}}, true},
		{"the pid was reused", []procStat{{pid: pgid, pgrp: pgid, start: start + 7}, {pid: 501, pgrp: pgid, start: start + 8}}, false},
		{"the leader died, a child runs", []procStat{{pid: 501, pgrp: pgid, start: start + 3}}, true},
		{"a member older than the leader is not the task's", []procStat{{pid: 501, pgrp: pgid, start: start - 1}}, false},
		{"only a zombie is left", []procStat{{pid: 501, pgrp: pgid, start: start + 3, dead: true}}, false},
		{"nothing is left", []procStat{{pid: 501, pgrp: 77, start: start + 3}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stillOurs(tt.procs, pgid, start); got != tt.want {
				t.Fatalf("stillOurs = %v, want %v", got, tt.want)
			}
		})
	}
}

// orphanGroup starts sh in a process group of its own, as a killed server
// would have left it: sh's child (sleep) has its own pid, and sh waits.
// It returns sh's command and the child's pid.
func orphanGroup(t *testing.T) (*exec.Cmd, int) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "child")
	cmd := exec.Command("sh", "-c", "sleep 300 & echo $! > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	var pid int
	eventually(t, "the group to start its child", func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	return cmd, pid
}

func alive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && !st.dead
}

// record records cmd's group as a running task would, with its leader's
// start time moved by skew.
func record(t *testing.T, dir string, cmd *exec.Cmd, skew int) {
	t.Helper()
	start, err := processStart(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := groupRecords(dir).reserve()
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.commit(cmd.Process.Pid, uint64(int64(start)+int64(skew))); err != nil {
		t.Fatal(err)
	}
}

// TestKillOrphanGroups: recorded groups still alive are killed, the leader
// and its child; a group whose leader's pid was reused is left alone.
func TestKillOrphanGroups(t *testing.T) {
	dir := t.TempDir()
	ours, ourChild := orphanGroup(t)
	record(t, dir, ours, 0)

	// Another group whose record has another start time: its pid was
	// reused, it is not the task's.
	other, otherChild := orphanGroup(t)
	record(t, dir, other, -1)
	// A placeholder of a start cut short.
	if _, err := groupRecords(dir).reserve(); err != nil {
		t.Fatal(err)
	}

	n, err := KillOrphanGroups(dir, testDeadline)
	if err != nil || n != 1 {
		t.Fatalf("KillOrphanGroups = %d, %v; want 1, nil", n, err)
	}
	if alive(ourChild) {
		t.Errorf("the recorded group's child %d still runs", ourChild)
	}
	_ = ours.Wait() // reaps the leader, which then must have died by SIGKILL
	if ws := ours.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the recorded group's leader ended with %v, want SIGKILL", ours.ProcessState)
	}
	if !alive(other.Process.Pid) || !alive(otherChild) {
		t.Error("a group whose record's start time does not match was killed")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("records left: %v", ents)
	}
}

// TestKillOrphanGroupsLeaderGone: a group whose leader already died (by its
// parent-death signal) is killed through its remaining members.
func TestKillOrphanGroupsLeaderGone(t *testing.T) {
	dir := t.TempDir()
	cmd, child := orphanGroup(t)
	record(t, dir, cmd, 0)
	_ = cmd.Process.Kill()
	_ = cmd.Wait() // the leader is gone; its child still has the group
	if !alive(child) {
		t.Fatal("the child died with its leader")
	}
	if n, err := KillOrphanGroups(dir, testDeadline); err != nil || n != 1 {
		t.Fatalf("KillOrphanGroups = %d, %v; want 1, nil", n, err)
	}
	if alive(child) {
		t.Errorf("the child %d still runs", child)
	}
}

// TestCommandRecordsItsGroup: a running command's group is recorded under
// its leader's pid and start time, and the record is gone when it ends.
func TestCommandRecordsItsGroup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "processes")
	r := newResolver(t, Options{ProcessGroupDir: dir})
	out, err := run(t, r, Request{Resource: ShellResource, StateName: "S",
		// The record is named an instant after the command starts (see
		// groups.go): wait for it, for at most 5 s.
		Input: map[string]any{"script": `i=0; while [ $i -lt 500 ] && ! ls ` + dir + ` | grep -q '[.]pid$'; do i=$((i+1)); sleep 0.01; done
echo "{\"pid\": $$, \"records\": \"$(ls ` + dir + `)\"}"`}})
	if err != nil {
		t.Fatal(err)
	}
	obj := out.(map[string]any)
	pid := int(obj["pid"].(int64))
	records := obj["records"].(string)
	pgid, _, ok := parseRecordName(records)
	if !ok || pgid != pid {
		t.Fatalf("while running, the records were %q; want one named %d-<start>.pid", records, pid)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("records left after the command ended: %v", ents)
	}
}
