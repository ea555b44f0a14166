package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// drainGrace is how long a finished or killed command's pipes may stay open.
// Only a process that left the task's process group can hold them longer.
const drainGrace = 2 * time.Second

// stderr tail kept for failure causes.
const (
	stderrTailBytes = 2 << 10
	stderrTailLines = 20
)

// process is one command to run, without a shell.
type process struct {
	argv  []string
	env   []string // the complete environment
	dir   string   // "" for the current directory
	stdin []byte
	limit int // most bytes of stdout kept; more fails the task
	// groups records the command's process group while it runs, for a
	// restarted server to kill what a killed one left (see groups.go).
	groups groupRecords
	// logs, when set, receives stdout and stderr as they come (task logs).
	logs LogSink
}

// exit is what a command that ran to its end left behind.
type exit struct {
	stdout    []byte
	stderr    string // the tail of stderr
	state     *os.ProcessState
	truncated bool // stdout was longer than MaxResultBytes
}

// success reports whether the command exited with status 0.
func (e exit) success() bool { return e.state != nil && e.state.Success() }

// describe says how the command ended and what it last wrote on stderr.
func (e exit) describe() string {
	s := "the command ended"
	if e.state != nil {
		s = e.state.String() // "exit status 3", "signal: killed"
	}
	if e.stderr != "" {
		s += "; stderr: " + e.stderr
	}
	return s
}

// StopGrace is how long a task's processes have between SIGTERM and SIGKILL
// when the task is stopped (timeout, Ctrl-C, its branch failing).
var StopGrace = 5 * time.Second

// run runs the command in a process group of its own. When ctx ends first,
// the whole group is killed and run returns context.Cause(ctx). A command
// that cannot start is a *Failure (Shell.CommandNotFound, Shell.StartError).
// The group is also killed when the command exits: a task's processes do not
// outlive it.
func (p process) run(ctx context.Context) (exit, error) {
	if len(p.argv) == 0 || p.argv[0] == "" {
		return exit{}, &Failure{Name: ErrorShellStart, Cause: "empty command"}
	}
	if err := ctx.Err(); err != nil {
		return exit{}, context.Cause(ctx)
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	if cmd.Err != nil {
		return exit{}, startFailure(p.argv[0], cmd.Err)
	}
	cmd.Env = p.env
	if p.dir != "" {
		// Checked here because a missing directory and a missing executable
		// fail exec alike (ENOENT).
		if fi, err := os.Stat(p.dir); err != nil || !fi.IsDir() {
			return exit{}, &Failure{Name: ErrorShellStart, Cause: fmt.Sprintf("working directory %q does not exist or is not a directory", p.dir)}
		}
		cmd.Dir = p.dir
	}
	setProcessGroup(cmd)

	// Our own pipes rather than exec's copying goroutines, so that cmd.Wait
	// returns when the command exits even if a child still holds them.
	pp, err := newPipes()
	if err != nil {
		return exit{}, &Failure{Name: ErrorShellStart, Cause: err.Error()}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pp.stdinR, pp.stdoutW, pp.stderrW
	rec, err := p.groups.reserve()
	if err != nil {
		pp.closeAll()
		return exit{}, &Failure{Name: ErrorShellStart, Cause: err.Error()}
	}
	defer rec.remove() // once the group is killed, below
	cmd.Env = append(cmd.Env, rec.env()...)
	// Linux sends the parent-death signal (setParentDeathSignal) when the
	// thread that forked the command exits, not the process, and Go ends a
	// thread whenever a goroutine that locked it exits without unlocking;
	// a thread this goroutine holds until the command has been waited for
	// cannot be that one. Waiting here rather than on a goroutine of its
	// own spares a step two hand-offs between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		pp.closeAll()
		return exit{}, startFailure(cmd.Args[0], err)
	}
	// The group is recorded before Wait can reap the leader, so that its
	// start time is still readable.
	if err := recordGroup(cmd.Process.Pid, rec); err != nil {
		killProcessGroup(cmd)
		_ = cmd.Wait()
		pp.closeAll()
		return exit{}, &Failure{Name: ErrorShellStart, Cause: err.Error()}
	}
	pp.closeChildEnds()

	var (
		copied = make(chan struct{}, 3) // one per copying goroutine done
		copies = 2
		stdout = limitedBuffer{limit: p.limit}
		stderr tailBuffer
	)
	if len(p.stdin) > 0 {
		copies++
		go func() {
			_, _ = pp.stdinW.Write(p.stdin) // EPIPE when the command does not read it all
			_ = pp.stdinW.Close()
			copied <- struct{}{}
		}()
	} else {
		_ = pp.stdinW.Close() // the command reads EOF at once
	}
	go func() { copyPooled(tee(&stdout, p.logs, StreamStdout), pp.stdoutR); copied <- struct{}{} }()
	go func() { copyPooled(tee(&stderr, p.logs, StreamStderr), pp.stderrR); copied <- struct{}{} }()

	// When ctx ends first: SIGTERM, so that a job can clean up or roll
	// back, then SIGKILL after StopGrace.
	var grace *time.Timer
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(stopped)
		terminateProcessGroup(cmd)
		grace = time.AfterFunc(StopGrace, func() { killProcessGroup(cmd) })
	})
	_ = cmd.Wait() // the exit status is in cmd.ProcessState
	interrupted := !stop()
	if interrupted {
		<-stopped
		grace.Stop()
	}
	killProcessGroup(cmd)
	pp.drain(copied, copies)

	if interrupted {
		return exit{}, context.Cause(ctx)
	}
	return exit{
		stdout:    stdout.buf,
		stderr:    stderr.String(),
		state:     cmd.ProcessState,
		truncated: stdout.truncated,
	}, nil
}

// copyBuffers are the buffers that copy commands' stdout and stderr: a
// step that writes nothing would otherwise allocate two 32 KiB buffers
// (os.File's WriteTo), garbage that a pipeline of short steps pays for in
// collections and page faults.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyPooled copies r to w until EOF or an error, with a pooled buffer.
func copyPooled(w io.Writer, r io.Reader) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	// Only the Reader: io.CopyBuffer would hand an *os.File to its own
	// WriteTo, which allocates a buffer of its own.
	_, _ = io.CopyBuffer(w, struct{ io.Reader }{r}, *buf)
}

// recordGroup names rec after the group of the leader pid.
func recordGroup(pid int, rec *groupRecord) error {
	if rec == nil {
		return nil
	}
	start, err := processStart(pid)
	if err != nil {
		return fmt.Errorf("process group records: %w", err)
	}
	return rec.commit(pid, start)
}

// startFailure classifies an error from starting name.
func startFailure(name string, err error) *Failure {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return &Failure{Name: ErrorShellNotFound, Cause: fmt.Sprintf("command %q not found: %v", name, err)}
	}
	return &Failure{Name: ErrorShellStart, Cause: fmt.Sprintf("cannot start %q: %v", name, err)}
}

// pipes are the command's stdin, stdout and stderr.
type pipes struct {
	stdinR, stdinW   *os.File
	stdoutR, stdoutW *os.File
	stderrR, stderrW *os.File
}

func newPipes() (*pipes, error) {
	var pp pipes
	var err error
	if pp.stdinR, pp.stdinW, err = pipe(false); err != nil {
		return nil, err
	}
	if pp.stdoutR, pp.stdoutW, err = pipe(true); err != nil {
		pp.closeAll()
		return nil, err
	}
	if pp.stderrR, pp.stderrW, err = pipe(true); err != nil {
		pp.closeAll()
		return nil, err
	}
	return &pp, nil
}

// closeChildEnds closes the ends the started command now owns, so that our
// readers see EOF when the command's side is gone.
func (pp *pipes) closeChildEnds() {
	for _, f := range []*os.File{pp.stdinR, pp.stdoutW, pp.stderrW} {
		_ = f.Close()
	}
}

func (pp *pipes) closeAll() {
	for _, f := range []*os.File{pp.stdinR, pp.stdinW, pp.stdoutR, pp.stdoutW, pp.stderrR, pp.stderrW} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// drain waits for the n copying goroutines, which signal on copied when
// they are done, for at most drainGrace, then closes our ends, which
// unblocks them.
func (pp *pipes) drain(copied <-chan struct{}, n int) {
	timer := time.NewTimer(drainGrace)
	defer timer.Stop()
	for n > 0 {
		select {
		case <-copied:
			n--
			continue
		case <-timer.C:
		}
		break
	}
	for _, f := range []*os.File{pp.stdinW, pp.stdoutR, pp.stderrR} {
		_ = f.Close()
	}
	for ; n > 0; n-- {
		<-copied
	}
}

// limitedBuffer keeps the first limit bytes written and notes whether more
// came; it never fails, so the writer is drained to the end.
type limitedBuffer struct {
	buf       []byte
	limit     int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - len(b.buf); room < len(p) {
		b.buf = append(b.buf, p[:max(room, 0)]...)
		b.truncated = true
	} else {
		b.buf = append(b.buf, p...)
	}
	return len(p), nil
}

// tailBuffer keeps the last stderrTailBytes written.
type tailBuffer struct{ buf []byte }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if extra := len(b.buf) - stderrTailBytes; extra > 0 {
		b.buf = append(b.buf[:0], b.buf[extra:]...)
	}
	return len(p), nil
}

// String is the tail: at most stderrTailLines lines, trimmed, valid UTF-8.
func (b *tailBuffer) String() string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b.buf), "\uFFFD"))
	if lines := strings.Split(s, "\n"); len(lines) > stderrTailLines {
		s = "..." + strings.Join(lines[len(lines)-stderrTailLines:], "\n")
	}
	return s
}
