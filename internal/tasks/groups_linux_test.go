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
	child := procStat{pid: 501, pgrp: pgid, start: start + 3}
	tests := []struct {
		name   string
		procs  []procStat
		id     string
		marked []procStat // the processes carrying id
		want   bool
	}{
		{"the leader runs", []procStat{{pid: pgid, pgrp: pgid, start: start}}, "", nil, true},
		{"the pid was reused", []procStat{{pid: pgid, pgrp: pgid, start: start + 7}, {pid: 501, pgrp: pgid, start: start + 8}}, "", nil, false},
		{"the leader died, a marked child runs", []procStat{child}, "ab12", []procStat{child}, true},
		{"the leader died, an old record's child runs", []procStat{child}, "", nil, true},
		{"the group id was taken by a group whose leader died", []procStat{child}, "ab12", nil, false},
		{"a member older than the leader is not the task's", []procStat{{pid: 501, pgrp: pgid, start: start - 1}}, "", nil, false},
		{"only a zombie is left", []procStat{{pid: 501, pgrp: pgid, start: start + 3, dead: true}}, "", nil, false},
		{"nothing is left", []procStat{{pid: 501, pgrp: 77, start: start + 3}}, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stillOurs(tt.procs, pgid, start, tt.id, tt.marked); got != tt.want {
				t.Fatalf("stillOurs = %v, want %v", got, tt.want)
			}
		})
	}
}

// orphanGroup starts sh in a process group of its own, as a killed server
// would have left it: sh's child (sleep, or setsid sleep with escape) has
// its own pid, and sh waits. id, unless "", marks them as a task's
// (BATON_TASK_GROUP). It returns sh's command and the child's pid.
func orphanGroup(t *testing.T, id string, escape bool) (*exec.Cmd, int) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "child")
	child := "sleep 300"
	if escape {
		child = "setsid sleep 300"
	}
	cmd := exec.Command("sh", "-c", child+" & echo $! > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if id != "" {
		cmd.Env = append(os.Environ(), groupMarker+"="+id)
	}
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
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if escape {
		eventually(t, "the child to leave the group", func() bool {
			st, err := readProcStat(pid)
			return err == nil && st.pgrp == pid
		})
	}
	return cmd, pid
}

func alive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && !st.dead
}

// record records cmd's group as a running task would, with its leader's
// start time moved by skew, and id as the record's id ("": a record of an
// older Baton, without one).
func record(t *testing.T, dir string, cmd *exec.Cmd, skew int, id string) {
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
	if err := os.WriteFile(rec.path, []byte(id), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKillOrphanGroups: recorded groups still alive are killed, the leader
// and its child; a group whose leader's pid was reused is left alone.
func TestKillOrphanGroups(t *testing.T) {
	dir := t.TempDir()
	ours, ourChild := orphanGroup(t, "0a1b", false)
	record(t, dir, ours, 0, "0a1b")

	// Another group whose record has another start time: its pid was
	// reused, it is not the task's.
	other, otherChild := orphanGroup(t, "", false)
	record(t, dir, other, -1, "")
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
//
// Then the group's id could also have been taken by another group after the
// task's ended (pids are reused): without the record's id in the members'
// environment, the group is left alone. A member that left the group
// (setsid) but carries the id is killed too.
func TestKillOrphanGroupsLeaderGone(t *testing.T) {
	tests := []struct {
		name           string
		env, recorded  string // the group's BATON_TASK_GROUP, the record's id
		escape, killed bool
	}{
		{"the members carry the record's id", "5e6f", "5e6f", false, true},
		{"a record of an older Baton, without an id", "", "", false, true},
		{"the group id was reused by a group whose leader died", "", "5e6f", false, false},
		{"another task's group", "7777", "5e6f", false, false},
		{"a member left the group with setsid", "5e6f", "5e6f", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd, child := orphanGroup(t, tt.env, tt.escape)
			record(t, dir, cmd, 0, tt.recorded)
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // the leader is gone; its child is still there
			if !alive(child) {
				t.Fatal("the child died with its leader")
			}
			n, err := KillOrphanGroups(dir, testDeadline)
			if want := map[bool]int{true: 1}[tt.killed]; err != nil || n != want {
				t.Fatalf("KillOrphanGroups = %d, %v; want %d, nil", n, err, want)
			}
			if alive(child) != !tt.killed {
				t.Errorf("the child %d: alive %v, want %v", child, alive(child), !tt.killed)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("records left: %v", ents)
			}
		})
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
