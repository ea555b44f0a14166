package tasks

import (
	"context"
	"os"
)

// Command is a program run the way Baton runs a task's command (see
// process.run), for callers outside this package (baton worker): in a
// process group of its own that is killed whole when the program exits or
// ctx ends (SIGTERM, then SIGKILL after StopGrace), with its stdout kept up
// to a limit, and, on Linux, with a parent-death signal, so that the
// program dies with the process that started it even on kill -9.
type Command struct {
	Argv      []string
	Env       []string // the complete environment
	Stdin     []byte
	MaxStdout int // most bytes of stdout kept (0: MaxResultBytes); more sets StdoutTruncated
	// Logs, when set, receives stdout and stderr as they come (task logs).
	Logs LogSink
}

// CommandExit is what a Command that ran to its end left behind.
type CommandExit struct {
	Stdout          []byte           // at most MaxStdout bytes
	Stderr          string           // the tail of stderr
	State           *os.ProcessState // how it ended
	StdoutTruncated bool             // it wrote more than MaxStdout bytes on stdout
}

// Run runs the command. A command that cannot start is a *Failure
// (Shell.CommandNotFound, Shell.StartError); when ctx ends first, Run
// returns context.Cause(ctx) once the group is gone.
func (c Command) Run(ctx context.Context) (CommandExit, error) {
	limit := c.MaxStdout
	if limit <= 0 {
		limit = MaxResultBytes
	}
	x, err := process{argv: c.Argv, env: c.Env, stdin: c.Stdin, limit: limit, logs: c.Logs}.run(ctx)
	return CommandExit{Stdout: x.stdout, Stderr: x.stderr, State: x.state, StdoutTruncated: x.truncated}, err
}
