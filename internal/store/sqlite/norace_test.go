//go:build !race

package sqlite

// raceEnabled skips timing tests, which the race detector slows tenfold.
const raceEnabled = false
