// Package asl parses, validates and runs Amazon States Language state
// machines (the language of AWS Step Functions), JSONPath flavour, with the
// behaviour of AWS where the specification is silent.
//
// Parse (or ParseFile) reads a definition in JSON or YAML and reports every
// problem at once as Diagnostics with JSON pointers and line:col. Compile
// turns it into a Machine, which runs any number of executions.
//
// The interpreter is a pure state machine: Machine.Start and Machine.Apply
// take an execution's state, an event (a task's result, a timer firing, a
// stop) and the current time, and return commands (run this task, arm this
// timer) and Step Functions history events in an Output. Nothing blocks,
// sleeps or reads the clock, so a caller can persist the Execution after
// every step (MarshalExecution) and resume it after a restart, or drive it on
// a fake clock in tests. See docs/embedding.md for a driver loop.
package asl
