package tasks

import (
	"bytes"
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
//   - no process has pid pgid: the leader died (by its parent-death signal).
//     The group's id stays taken while any member lives, but if the whole
//     group ended while the server was down, the pid could be reused by a
//     process that made a group of its own and died in turn (a shell
//     pipeline's first command). So the group is the task's only if one of
//     its members carries the record's id (marked: the processes whose
//     BATON_TASK_GROUP is id) and started after the leader. A record
//     without an id (written by an older Baton) trusts any such member.
//
// The one gap: the group could end and a new group take its id between
// reading /proc and kill; that needs the pid space to wrap around in that
// instant.
func stillOurs(procs []procStat, pgid int, start uint64, id string, marked []procStat) bool {
	if i := slices.IndexFunc(procs, func(p procStat) bool { return p.pid == pgid }); i >= 0 {
		return procs[i].start == start
	}
	member := func(p procStat) bool { return p.pgrp == pgid && p.start >= start && !p.dead }
	if id == "" {
		return slices.ContainsFunc(procs, member)
	}
	return slices.ContainsFunc(marked, member)
}

// markedProcesses maps each BATON_TASK_GROUP id found in the environment
// of a live process (/proc/<pid>/environ, as the process was started) to
// those processes. Processes whose environment cannot be read (another
// user's, when not root) are left out.
func markedProcesses(procs []procStat) map[string][]procStat {
	out := map[string][]procStat{}
	prefix := []byte(groupMarker + "=")
	for _, p := range procs {
		if p.dead {
			continue
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/environ")
		if err != nil {
			continue
		}
		for kv := range bytes.SplitSeq(b, []byte{0}) {
			if id, ok := bytes.CutPrefix(kv, prefix); ok {
				out[string(id)] = append(out[string(id)], p)
				break
			}
		}
	}
	return out
}

// orphan is what KillOrphanGroups killed for one record.
type orphan struct {
	pgid     int        // the task's group; 0 when only escapees were left
	escapees []procStat // marked processes that left the group (setsid)
}

// gone tells whether nothing of o is alive in procs.
func (o orphan) gone(procs []procStat) bool {
	return !slices.ContainsFunc(procs, func(p procStat) bool {
		if p.dead {
			return false
		}
		if o.pgid != 0 && p.pgrp == o.pgid {
			return true
		}
		return slices.ContainsFunc(o.escapees, func(e procStat) bool { return e.pid == p.pid && e.start == p.start })
	})
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
	var marked map[string][]procStat // read once, if a record has an id
	killed := map[string]orphan{}    // record path -> what was killed
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		pgid, start, ok := parseRecordName(e.Name())
		if !ok {
			_ = os.Remove(path) // a placeholder of a start cut short
			continue
		}
		b, _ := os.ReadFile(path)
		id := string(b)
		if id != "" && marked == nil {
			marked = markedProcesses(procs)
		}
		var o orphan
		if stillOurs(procs, pgid, start, id, marked[id]) {
			o.pgid = pgid
		}
		if id != "" {
			o.escapees = slices.DeleteFunc(slices.Clone(marked[id]), func(p procStat) bool { return p.pgrp == pgid || p.start < start })
		}
		if o.pgid == 0 && len(o.escapees) == 0 {
			_ = os.Remove(path) // the group is gone
			continue
		}
		if o.pgid != 0 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			if p := slices.IndexFunc(procs, func(p procStat) bool { return p.pid == pgid && p.start == start }); p >= 0 {
				_ = syscall.Kill(pgid, syscall.SIGKILL) // the leader, even if it left its group
			}
		}
		for _, p := range o.escapees {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		killed[path] = o
	}
	n := len(killed)
	deadline := time.Now().Add(wait)
	for len(killed) > 0 {
		procs, err := allProcesses()
		if err != nil {
			return n, fmt.Errorf("listing processes: %w", err)
		}
		for path, o := range killed {
			if o.gone(procs) {
				_ = os.Remove(path)
				delete(killed, path)
			}
		}
		if len(killed) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return n, fmt.Errorf("task processes of %v still alive %v after SIGKILL (stuck in the kernel?); their records stay in %s", slices.Sorted(maps.Keys(killed)), wait, dir)
		}
		time.Sleep(10 * time.Millisecond) // poll interval: SIGKILL takes effect within milliseconds
	}
	return n, nil
}
