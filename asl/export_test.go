package asl

// Tests check MarshalExecution's cache against a fresh encoding at every
// call (snapshot.go).
func init() { verifySnapshots = true }
