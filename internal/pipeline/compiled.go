package pipeline

import (
	"github.com/batonhq/baton/workflow"
)

// CompileParsed compiles a pipeline that Parse, ParseFS or ParseFile
// already checked (baton run parses it first for diagnostics with the
// file's name) into the program of NewLanguage(opts). files reads a step's
// `file:` from the project. A pipeline with a body returns ErrBody.
func CompileParsed(pl *Pipeline, opts Options, files func(name string) ([]byte, error)) (workflow.Program, error) {
	if pl.Body != nil {
		return nil, ErrBody
	}
	l := NewLanguage(opts).(*language)
	return compile(pl, l.opts, files)
}
