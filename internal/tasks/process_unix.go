//go:build unix

package tasks

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in a new process group, so that killing the
// group reaches every process the command started, and, on Linux, with a
// parent-death signal.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// killProcessGroup kills cmd's process group. Errors (ESRCH when nothing is
// left) do not matter.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// terminateProcessGroup asks cmd's process group to stop (SIGTERM), so that
// jobs can clean up before StopGrace ends and killProcessGroup follows.
func terminateProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}
