//go:build unix

package server

import "syscall"

// defaultMaxConnections is the default of --max-connections: 10,000, or
// less when the process may open fewer files — three quarters of
// RLIMIT_NOFILE, leaving the rest to the database, task processes and the
// probe headroom.
func defaultMaxConnections() int {
	limit, ok := FileLimit()
	if !ok {
		return 1000
	}
	return int(min(maxDefaultConnections, max(limit*3/4, 1)))
}

// FileLimit is the number of files the process may open (RLIMIT_NOFILE),
// and whether it is known.
func FileLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 0, false
	}
	return uint64(rl.Cur), true
}
