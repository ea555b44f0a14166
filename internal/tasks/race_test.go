//go:build race

package tasks

// raceEnabled: the race detector makes sync.Pool drop what it is given at
// random, so allocation figures mean nothing under it.
const raceEnabled = true
