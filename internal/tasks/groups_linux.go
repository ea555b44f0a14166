package tasks

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// groupStartTimes tells that this platform can record process groups (see
// groups.go).
const groupStartTimes = true

// setParentDeathSignal makes the kernel SIGKILL the command when the thread
// that started it exits: with the whole server on kill -9, or with the
// thread, which is why process.run starts and waits for the command on one
// locked OS thread. It reaches the command's own process only; its
// children are killed through the group records.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// procStat is what /proc/<pid>/stat tells of a process.
type procStat struct {
	pid, pgrp int
	start     uint64 // clock ticks after boot
	dead      bool   // a zombie: it holds its pid but runs nothing
}

// readProcStat reads /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may hold anything, so fields are counted after its last
// ')': state is field 3, pgrp field 5, starttime field 22.
func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return procStat{pid: pid, pgrp: pgrp, start: start, dead: f[0] == "Z" || f[0] == "X"}, nil
}

// processStart is the start time of a process (its leader's, for a group
// record).
func processStart(pid int) (uint64, error) {
	st, err := readProcStat(pid)
	return st.start, err
}

// allProcesses reads every process in /proc; processes that end while it
// reads are skipped.
func allProcesses() ([]procStat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []procStat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readProcStat(pid); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// stillOurs tells whether the group a record names (pgid, start) may still
// have live processes of the task, so that kill(-pgid) hits only them.
//
// Process ids are reused, but Linux does not reuse a pid while any process
// still has it as its process group id (or session id). So:
//   - the leader (pid == pgid) is alive and started at start: it is the
//     task's group;
//   - a process has pid pgid but another start time: the pid was reused,
//     which could only happen once the task's whole group was gone;
//     whatever now has that group id is someone else's;
//   - no process has pid pgid: the leader died (by its parent-death signal),
//     and every process still in group pgid is the task's, since the pid is
//     held by the group until its last member ends. Such members started
//     after the leader, which the start time check confirms.
//
// The one gap: the group could end and a new group take its id between
// reading /proc and kill; that needs the pid space to wrap around in that
// instant.
func stillOurs(procs []procStat, pgid int, start uint64) bool {
	if i := slices.IndexFunc(procs, func(p procStat) bool { return p.pid == pgid }); i >= 0 {
		return procs[i].start == start
	}
	return slices.ContainsFunc(procs, func(p procStat) bool { return p.pgrp == pgid && p.start >= start && !p.dead })
}

// KillOrphanGroups kills the process groups of tasks that a killed server
// left running, as its records in dir name (see groups.go), waits up to
// wait for them to be gone, and deletes the records. Call it before the
// engine recovers, with the data directory locked. It returns how many
// groups it killed; an error says which are still alive after wait (their
// records stay, for the next start) or why dir could not be read.
func KillOrphanGroups(dir string, wait time.Duration) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("process group records: %w", err)
	}
	procs, err := allProcesses()
	if err != nil {
		return 0, fmt.Errorf("listing processes: %w", err)
	}
	killed := map[int]string{} // pgid -> record path
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		pgid, start, ok := parseRecordName(e.Name())
		if !ok || !stillOurs(procs, pgid, start) {
			_ = os.Remove(path) // a placeholder of a start cut short, or a group already gone
			continue
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if p := slices.IndexFunc(procs, func(p procStat) bool { return p.pid == pgid && p.start == start }); p >= 0 {
			_ = syscall.Kill(pgid, syscall.SIGKILL) // the leader, even if it left its group
		}
		killed[pgid] = path
	}
	n := len(killed)
	deadline := time.Now().Add(wait)
	for len(killed) > 0 {
		procs, err := allProcesses()
		if err != nil {
			return n, fmt.Errorf("listing processes: %w", err)
		}
		for pgid, path := range killed {
			if !slices.ContainsFunc(procs, func(p procStat) bool { return p.pgrp == pgid && !p.dead }) {
				_ = os.Remove(path)
				delete(killed, pgid)
			}
		}
		if len(killed) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return n, fmt.Errorf("task process groups %v still alive %v after SIGKILL (stuck in the kernel?); their records stay in %s", slices.Sorted(maps.Keys(killed)), wait, dir)
		}
		time.Sleep(10 * time.Millisecond) // poll interval: SIGKILL takes effect within milliseconds
	}
	return n, nil
}
