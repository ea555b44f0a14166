package tasks

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime is a file's inode change time: it moves when the file is
// written, renamed or linked into a directory, even when its modification
// time is kept (mv, cp -p, rsync -a).
func changeTime(info fs.FileInfo) time.Time {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return info.ModTime()
}
