//go:build !unix

package server

// defaultMaxConnections is the default of --max-connections.
func defaultMaxConnections() int { return maxDefaultConnections }
