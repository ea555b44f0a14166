//go:build !unix

package server

// defaultMaxConnections is the default of --max-connections.
func defaultMaxConnections() int { return maxDefaultConnections }

// FileLimit is the number of files the process may open: unknown here.
func FileLimit() (uint64, bool) { return 0, false }
