package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/tasks"
)

// runPipeline runs a pipeline.yaml (file names the project's pipeline
// file) with its steps in the project's directory.
func runPipeline(cmd *cobra.Command, file string, f runFlags) error {
	stderr := cmd.ErrOrStderr()
	if fi, err := os.Stat(file); err != nil || fi.IsDir() {
		return &exitError{code: exitInvalid, err: errors.New("a directory without a pipeline.yaml: name a project directory (baton init NAME makes one) or a definition file")}
	}
	dir := filepath.Dir(file)
	src, err := definitionLimit(f.maxDefinition).readFile(file)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	pl, err := pipeline.ParseFS(os.DirFS(dir), file, src)
	if err != nil {
		var ve *pipeline.ValidationError
		if errors.As(err, &ve) {
			for _, d := range ve.Diagnostics {
				fmt.Fprintln(stderr, d.String())
			}
			return &exitError{code: exitInvalid, err: fmt.Errorf("%s is not a valid pipeline (run 'baton validate %s')", file, file)}
		}
		return &exitError{code: exitInvalid, err: err}
	}
	name := f.name
	if name == "" {
		name = pl.Name
	}
	if pl.Body != nil {
		// The pipeline is a state machine with a pipeline's name.
		if len(f.mocks) > 0 || len(f.mockErrors) > 0 {
			return usageErr("--mock and --mock-error name pipeline steps; this pipeline's body is a state machine: use --mock-config")
		}
		return runDefinition(cmd, pl.Body.Definition, name, dir, f)
	}
	logical, err := parseLogicalDate(f.logicalDate)
	if err != nil {
		return err
	}
	input, err := readInput(cmd.InOrStdin(), stderr, f.input, f.inputFile, payloadLimit(f.maxPayload))
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	resolver, err := f.resolver(name, dir)
	if resolver != nil {
		defer resolver.Close()
	}
	if err != nil {
		return err
	}
	var steps []string
	for _, list := range [][]*pipeline.Step{pl.Steps, pl.Handlers.OnFailure, pl.Handlers.OnSuccess, pl.Handlers.OnExit} {
		for _, s := range list {
			steps = append(steps, s.Name)
		}
	}
	if err := resolver.checkMocked(steps); err != nil {
		return err
	}
	limits, err := f.limits.limits()
	if err != nil {
		return err
	}
	maxPayload := f.maxPayload
	if maxPayload <= 0 {
		maxPayload = -1 // no limit
	}
	maxEvents := f.maxEvents
	if maxEvents == 0 {
		maxEvents = -1 // --max-events 0: no limit
	}
	prog, err := pipeline.CompileParsed(pl, pipeline.Options{
		MaxPayloadBytes:  maxPayload,
		MaxHistoryEvents: maxEvents,
		JSONata:          asl.JSONataLimits{Timeout: limits.JSONataTimeout, MaxBytes: limits.JSONataMaxBytes},
		Env:              exposedEnv(f.exposeEnv),
	}, projectFiles(dir, definitionLimit(f.maxDefinition)))
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%s: %w", file, err)}
	}
	return runProgram(cmd, prog, localInfo(name, input, logical), resolver, f)
}

// projectFiles reads the files of a project (a sql step's `file:`) within
// the project directory and the definition limit.
func projectFiles(dir string, limit readLimit) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		fh, err := root.Open(filepath.FromSlash(name))
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		return limit.read(fh, name)
	}
}

// parseLogicalDate reads --logical-date: an RFC 3339 time or a day
// (YYYY-MM-DD, midnight UTC).
func parseLogicalDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageErr("--logical-date %q: want a day (2026-11-21) or an RFC 3339 time (2026-11-21T03:00:00Z)", s)
}

// mockResolver answers the steps named by --mock and --mock-error with
// their mocked outcome, and asks the resolver for the others.
type mockResolver struct {
	*tasks.Resolver
	mocks map[string]mockOutcome
}

type mockOutcome struct {
	output  any
	errName string
	cause   string
	fail    bool
}

func (r *mockResolver) Executor(resource, stateName string) (tasks.Executor, error) {
	if m, ok := r.mocks[stateName]; ok {
		return tasks.ExecutorFunc(func(ctx context.Context, _ tasks.Request) (any, error) {
			if m.fail {
				return nil, &tasks.Failure{Name: m.errName, Cause: m.cause}
			}
			return m.output, nil
		}), nil
	}
	return r.Resolver.Executor(resource, stateName)
}

// checkMocked refuses mocks of steps the pipeline does not have: a typo
// would otherwise run the real step.
func (r *mockResolver) checkMocked(steps []string) error {
	known := map[string]bool{}
	for _, s := range steps {
		known[s] = true
	}
	var unknown []string
	for name := range r.mocks {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return usageErr("--mock names steps the pipeline does not have: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// parseMocks reads --mock STEP=JSON and --mock-error STEP=ERROR[:CAUSE].
func parseMocks(outputs, failures []string) (map[string]mockOutcome, error) {
	m := map[string]mockOutcome{}
	for _, s := range outputs {
		step, js, ok := strings.Cut(s, "=")
		if !ok || step == "" {
			return nil, usageErr("--mock %q: want STEP=JSON, e.g. --mock extract='{\"rows\": 3}'", s)
		}
		v, err := asl.ParseJSON([]byte(js))
		if err != nil {
			return nil, usageErr("--mock %s: the output is not valid JSON: %v", step, err)
		}
		if _, dup := m[step]; dup {
			return nil, usageErr("step %s is mocked twice", step)
		}
		m[step] = mockOutcome{output: v}
	}
	for _, s := range failures {
		step, e, ok := strings.Cut(s, "=")
		if !ok || step == "" || e == "" {
			return nil, usageErr("--mock-error %q: want STEP=ERROR or STEP=ERROR:CAUSE, e.g. --mock-error load=Sql.Error:timeout", s)
		}
		name, cause, _ := strings.Cut(e, ":")
		if _, dup := m[step]; dup {
			return nil, usageErr("step %s is mocked twice", step)
		}
		m[step] = mockOutcome{fail: true, errName: name, cause: cause}
	}
	return m, nil
}
