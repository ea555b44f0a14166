//go:build unix

package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// lockDataDir takes an exclusive lock on the data directory, so that a
// second server started on it fails at once instead of running the same
// executions twice. It is a POSIX record lock (fcntl), which belongs to the
// process: it ends with it (also on kill -9), and unlike flock it is not
// shared with the task processes the server forks, which could otherwise
// hold it for a moment after the server died.
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, "baton.lock")
	// POSIX locks do not exclude the process that holds them: servers in
	// one process (tests, embedding) check a set of their own.
	if _, taken := lockedHere.LoadOrStore(path, true); taken {
		return nil, fmt.Errorf("the data directory %s is in use by another server in this process: give each its own --data-dir", dir)
	}
	unlockFile, err := lockFile(dir, path)
	if err != nil {
		lockedHere.Delete(path)
		return nil, err
	}
	return func() {
		unlockFile()
		lockedHere.Delete(path)
	}, nil
}

// lockedHere holds the lock files this process has locked.
var lockedHere sync.Map

// lockFile takes the POSIX record lock on path.
func lockFile(dir, path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking the data directory: %w", err)
	}
	lock := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lock); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another process"
		} else {
			who = "process " + who
		}
		return nil, fmt.Errorf("the data directory %s is in use by %s (another baton server?): stop it, or give this one its own --data-dir", dir, who)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		unlock := syscall.Flock_t{Type: syscall.F_UNLCK}
		_ = syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &unlock)
		f.Close()
	}, nil
}
