// Package tasks holds Baton's built-in task executors: what runs when the
// interpreter reaches a Task state.
//
// A Resolver picks the Executor for a Task's Resource: a mocked response from
// a Step Functions Local mock config, a local command mapped to the resource
// (--resource ARN=COMMAND), or a built-in (baton:shell, baton:http). An
// Executor runs one attempt and returns the task's result, a JSON value as
// github.com/ohler55/ojg/oj parses it, or a *Failure naming the ASL error
// that Retry and Catch match on. docs/tasks.md describes the shapes users
// see.
package tasks
