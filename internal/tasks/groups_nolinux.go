//go:build !linux

package tasks

import (
	"errors"
	"syscall"
	"time"
)

// groupStartTimes is false where a process's start time cannot be read:
// no process group records are kept (see groups.go).
const groupStartTimes = false

// setParentDeathSignal does nothing: only Linux has a parent-death signal.
func setParentDeathSignal(*syscall.SysProcAttr) {}

func processStart(int) (uint64, error) {
	return 0, errors.New("process start times are only read on Linux")
}

// KillOrphanGroups does nothing: no records are kept on this platform.
func KillOrphanGroups(string, time.Duration) (int, error) { return 0, nil }
