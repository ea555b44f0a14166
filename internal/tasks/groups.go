package tasks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Process group records.
//
// A task's command runs in a process group of its own. Where the platform
// can tell a process's start time (Linux), each running group has a file
// under a directory of the server's data directory, named
// "<pgid>-<start>.pid" (start: the leader's start time in clock ticks since
// boot, field 22 of /proc/<pid>/stat). The file is removed once the group
// is done. When the server is killed (kill -9, OOM), the leader dies by its
// parent-death signal but its children do not; at the next start
// KillOrphanGroups kills what the records name before the engine fails the
// lost tasks and their Retry runs them again, so that one job never runs
// twice at once.
//
// A process can leave the group (setsid, a daemon that detaches), and once
// a group's leader is gone its id could, in principle, have been freed and
// taken by another group. So each record also holds a random id that the
// command gets in its environment (BATON_TASK_GROUP, which its children
// inherit): KillOrphanGroups kills a group whose leader is gone only if a
// member still carries the id, and kills every process carrying it, in the
// group or not.
//
// The records are not fsynced: they matter only while the processes they
// name can outlive the server, that is while the kernel keeps running, and a
// crashed process's writes stay in the page cache. After a power loss or a
// reboot no group is left to kill.
//
// The record gets its name only once the command runs: its pid is not known
// before, and its start time must be read before it can be reaped. A server
// killed in that instant (well under a millisecond) leaves a placeholder
// instead, and a child the command started within it is not found; its
// leader still dies by the parent-death signal.

// groupRecords is the directory of a server's process group records; ""
// keeps none (baton run, baton worker, platforms without start times).
type groupRecords string

// groupRecord is one running group's record file.
type groupRecord struct {
	path string // the reserved name, then the final one
	id   string // random; the file's content and the command's BATON_TASK_GROUP
}

// groupMarker is the environment variable that marks a task's processes
// with their record's id.
const groupMarker = "BATON_TASK_GROUP"

// reserve creates a placeholder file before the command starts, so that a
// directory that cannot take the record fails the task before anything ran.
// It returns nil when no records are kept.
func (g groupRecords) reserve() (*groupRecord, error) {
	if g == "" {
		return nil, nil
	}
	if err := os.MkdirAll(string(g), 0o755); err != nil {
		return nil, fmt.Errorf("process group records: %w", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	path := filepath.Join(string(g), "starting-"+id)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("process group records: %w", err)
	}
	_, err = f.WriteString(id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("process group records: %w", err)
	}
	return &groupRecord{path: path, id: id}, nil
}

// commit gives the reserved file the group's name.
func (r *groupRecord) commit(pgid int, start uint64) error {
	if r == nil {
		return nil
	}
	path := filepath.Join(filepath.Dir(r.path), fmt.Sprintf("%d-%d.pid", pgid, start))
	if err := os.Rename(r.path, path); err != nil {
		return fmt.Errorf("process group records: %w", err)
	}
	r.path = path
	return nil
}

// env is the marker the command's environment gets; nil without a record.
func (r *groupRecord) env() []string {
	if r == nil {
		return nil
	}
	return []string{groupMarker + "=" + r.id}
}

// remove deletes the record once the group is done.
func (r *groupRecord) remove() {
	if r != nil {
		_ = os.Remove(r.path)
	}
}

// parseRecordName reads "<pgid>-<start>.pid".
func parseRecordName(name string) (pgid int, start uint64, ok bool) {
	base, found := strings.CutSuffix(name, ".pid")
	if !found {
		return 0, 0, false
	}
	p, s, found := strings.Cut(base, "-")
	if !found {
		return 0, 0, false
	}
	pgid, err := strconv.Atoi(p)
	if err != nil || pgid <= 1 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return pgid, start, true
}

// AwaitGroups waits up to wait for the process groups recorded in dir to be
// done (their records removed), as commands told to stop end. It reports
// whether none is left.
func AwaitGroups(dir string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		entries, _ := os.ReadDir(dir)
		if !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".pid") }) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}
