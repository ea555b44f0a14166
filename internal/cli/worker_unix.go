//go:build unix

package cli

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts the command in its own process group: a Ctrl-C
// at the terminal reaches the worker, which lets running commands finish,
// and stopping the command kills its children too.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
