package asl

import "github.com/batonhq/baton/workflow"

// ProgramOf returns a compiled Machine as a workflow.Program, for callers
// that compiled it themselves (baton run, which checks the definition's
// Task resources before running it).
func ProgramOf(m *Machine) workflow.Program { return &program{m: m} }
