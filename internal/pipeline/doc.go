// Package pipeline reads pipeline.yaml, Baton's format for data pipelines
// (a DAG of steps, or an ASL state machine as the body), and checks every
// rule of the format, reporting all problems at once as Diagnostics with
// line:col and a JSON pointer, like asl does for state machines. It reads
// YAML with asl's position-keeping reader, so the bounds on hostile input
// (nesting depth, alias expansion, path cost) are the same for both
// languages. The format is described in docs/pipeline.md; schema.json is
// its JSON Schema for editors.
package pipeline
