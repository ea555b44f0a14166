//go:build !linux

package tasks

import (
	"io"
	"os"
)

// pipe is os.Pipe (see the Linux version).
func pipe(bool) (r, w *os.File, err error) { return os.Pipe() }

// createOutputFile creates an empty file for a step's $BATON_OUTPUT in the
// temporary directory and returns its name.
func createOutputFile() (string, error) {
	f, err := os.CreateTemp("", "baton-output-*")
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// readFileLimit reads at most limit+1 bytes of the regular file at path
// (see the Linux version for why not any file).
func readFileLimit(path string, limit int) ([]byte, error) {
	if fi, err := os.Lstat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, int64(limit)+1))
}
