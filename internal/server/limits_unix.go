//go:build unix

package server

import "syscall"

// defaultMaxConnections is the default of --max-connections: 10,000, or
// less when the process may open fewer files — three quarters of
// RLIMIT_NOFILE, leaving the rest to the database, task processes and the
// probe headroom.
func defaultMaxConnections() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1000
	}
	return int(min(uint64(maxDefaultConnections), max(uint64(rl.Cur)*3/4, 1)))
}
