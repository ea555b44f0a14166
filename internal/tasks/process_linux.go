//go:build linux

package tasks

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// pipe returns a pipe of which one end is ours, the read end when oursRead,
// and the other the command's. Ours is non-blocking and in Go's poller, so
// that closing it unblocks a goroutine reading it (see drain); the
// command's stays blocking, as a child wants it. os.Pipe puts both ends in
// the poller and os/exec then takes the command's out again: eight system
// calls more a pipe, three pipes a step.
func pipe(oursRead bool) (r, w *os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	ours := fds[1]
	if oursRead {
		ours = fds[0]
	}
	if err := syscall.SetNonblock(ours, true); err != nil {
		_ = syscall.Close(fds[0])
		_ = syscall.Close(fds[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}

// createOutputFile creates an empty file for a step's $BATON_OUTPUT in the
// temporary directory and returns its name. Unlike os.CreateTemp it opens
// the file with the system call: os.OpenFile offers every file it opens to
// the poller, which refuses a regular file, five system calls wasted.
func createOutputFile() (string, error) {
	dir := os.TempDir()
	for try := 0; ; try++ {
		name := filepath.Join(dir, "baton-output-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		fd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o600)
		if err == syscall.EEXIST && try < 10000 {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "open", Path: name, Err: err}
		}
		_ = syscall.Close(fd)
		return name, nil
	}
}

// readFileLimit reads at most limit+1 bytes of the regular file at path
// (see createOutputFile for why not os.Open). The command may have put
// anything at the path: a FIFO would block the open and the read forever
// (past the step's timeout), hence O_NONBLOCK and the check of the type;
// a symbolic link is refused (errNotRegular) rather than followed.
func readFileLimit(path string, limit int) ([]byte, error) {
	const flags = syscall.O_RDONLY | syscall.O_CLOEXEC | syscall.O_NONBLOCK | syscall.O_NOFOLLOW
	fd, err := syscall.Open(path, flags, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, flags, 0)
	}
	if err == syscall.ELOOP {
		err = errNotRegular
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	var b []byte
	buf := make([]byte, min(limit+1, 4096))
	for len(b) <= limit {
		n, err := syscall.Read(fd, buf[:min(len(buf), limit+1-len(b))])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			break
		}
		b = append(b, buf[:n]...)
	}
	return b, nil
}
