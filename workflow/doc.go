// Package workflow is the contract between Baton's engine and a workflow
// language (Amazon States Language in package asl, pipeline.yaml DAGs in
// internal/pipeline).
//
// A language is a pure interpreter: given an execution's state, an event and
// the time, it returns the new state, the commands its caller must carry out
// (run a task, arm a timer, cancel them) and the history events of the
// transition. It knows nothing of storage, HTTP, clocks or AWS accounts, so
// the engine can store each transition atomically, resume an execution from
// its snapshot after a crash, and tests can drive it on a fake clock.
//
// The engine depends on this package alone. History events have Step
// Functions' types and shapes for every language, so one history API, one
// CLI view and one UI serve them all.
package workflow
