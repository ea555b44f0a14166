package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/runner"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

// Placeholders for ARNs of local runs, as Step Functions Local uses.
const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
)

type runFlags struct {
	exposeEnv     string
	name          string
	input         string
	inputFile     string
	mockConfig    string
	testCase      string
	resources     []string
	skipWaits     bool
	history       bool
	quiet         bool
	maxEvents     int64
	maxPayload    int
	maxDefinition int64
	envErr        error
	limits        limitFlags
	// Pipelines only.
	mocks       []string // STEP=JSON
	mockErrors  []string // STEP=ERROR[:CAUSE]
	logicalDate string
	configFile  string // --config: named connections for sql, http, copy and wait_for steps
	logs        bool   // --logs: print what tasks' commands write
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE|DIR",
		Short: "Run a state machine or a pipeline locally and print its outcome",
		Long: `Run executes a state machine definition (JSON or YAML), or a pipeline (a
project directory, or its pipeline.yaml), in this process.

Task resources run locally: baton:shell and baton:http are built in; any other
resource (a Lambda ARN, an AWS service integration) must be mapped to a local
command with --resource ARN=COMMAND, or mocked with a Step Functions Local mock
config file (--mock-config FILE --test-case NAME).

A pipeline's steps run for real in the project's directory, like 'dagu start':
shell, http, sql, copy and wait_for steps, with the named connections of
the --config file (the same file as 'baton server --config').
For tests, --mock STEP=JSON gives a step's output without running it, and
--mock-error STEP=ERROR[:CAUSE] makes it fail; --logical-date sets
$run.logical_date, as a backfill does.

Progress goes to stderr. Stdout gets exactly one JSON document:
  {"status":"SUCCEEDED","output":...}
  {"status":"FAILED"|"TIMED_OUT"|"ABORTED","error":"...","cause":"..."}
with --history, the event history is added under "history".

Exit codes: 0 when the execution SUCCEEDED, 1 when it did not, 2 for an invalid
definition or usage. A definition file larger than --max-definition-bytes
(1 MiB) and an input larger than --max-payload-bytes (256 KiB) are not read.`,
		Example: `  baton run examples/sales-marketing-etl/workflow.asl.json --input '{"workdir":"examples/sales-marketing-etl"}'
  echo '{"orderId": 7}' | baton run order.asl.yaml --skip-waits
  baton run retry.asl.json --mock-config mocks.json --test-case HappyPath
  baton run etl.asl.json --resource arn:aws:lambda:us-east-1:123456789012:function:Load='python3 load.py'
  baton run my-pipeline/ --input '{"day": "2026-11-21"}'
  baton run my-pipeline/ --mock extract='{"rows": 3}' --mock-error load=Sql.Error:timeout --skip-waits
  baton run my-pipeline/pipeline.yaml --logical-date 2026-11-20`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFile(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "state machine name (default: the file's base name without extension)")
	fl.StringVar(&f.input, "input", "", "execution input as JSON (default: stdin when it is not a terminal, else {})")
	fl.StringVar(&f.inputFile, "input-file", "", "read the execution input from this file")
	fl.StringVar(&f.mockConfig, "mock-config", "", "Step Functions Local mock config file")
	fl.StringVar(&f.testCase, "test-case", "", "test case of the mock config to use")
	fl.StringArrayVar(&f.resources, "resource", nil, "map a Task resource to a local command: ARN=COMMAND (repeatable)")
	fl.BoolVar(&f.skipWaits, "skip-waits", false, "run on a virtual clock: waits, retry back-off and timeouts pass at once")
	fl.BoolVar(&f.history, "history", false, "add the execution's event history to the output")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress on stderr")
	fl.IntVar(&f.maxPayload, "max-payload-bytes", asl.DefaultMaxPayloadBytes, "fail a state whose output is larger (States.DataLimitExceeded), as AWS does; 0: no limit")
	fl.Int64Var(&f.maxEvents, "max-events", 0, "fail the execution when its history reaches N events (AWS Standard workflows: 25000); 0: no limit")
	fl.StringArrayVar(&f.mocks, "mock", nil, "pipelines: give a step's output without running it: STEP=JSON (repeatable)")
	fl.StringArrayVar(&f.mockErrors, "mock-error", nil, "pipelines: make a step fail without running it: STEP=ERROR[:CAUSE] (repeatable)")
	fl.StringVar(&f.configFile, "config", os.Getenv("BATON_CONFIG"), "configuration file with the named connections of sql, http, copy and wait_for steps (as 'baton server --config'); env BATON_CONFIG")
	fl.BoolVar(&f.logs, "logs", false, "print what the commands of tasks and steps write on stdout and stderr, each line prefixed with its state or step (on stderr, even with -q)")
	fl.StringVar(&f.exposeEnv, "expose-env", envOr("BATON_EXPOSE_ENV", ""), "pipelines: environment variables expressions read as $env, comma-separated (none by default)")
	fl.StringVar(&f.logicalDate, "logical-date", "", "pipelines: the run's $run.logical_date (2026-11-21 or an RFC 3339 time; default: now)")
	addMaxDefinitionFlag(cmd, &f.maxDefinition, &f.envErr)
	f.limits.register(fl) // --jsonata-timeout, --jsonata-max-bytes, --max-open-branches (limits.go)
	return cmd
}

// machineName derives a state machine name from a file name:
// "etl.asl.json" -> "etl", "retry.json" -> "retry".
func machineName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".asl.json", ".asl.yaml", ".asl.yml"} {
		if strings.HasSuffix(base, ext) {
			return strings.TrimSuffix(base, ext)
		}
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// parseResources reads --resource ARN=COMMAND flags (run, server).
func parseResources(flags []string) (map[string]string, error) {
	m := make(map[string]string, len(flags))
	for _, r := range flags {
		arn, command, ok := strings.Cut(r, "=")
		if !ok || arn == "" || command == "" {
			return nil, usageErr("--resource %q: want ARN=COMMAND", r)
		}
		m[arn] = command
	}
	return m, nil
}

func usageErr(format string, a ...any) error {
	return &exitError{code: exitInvalid, err: fmt.Errorf(format, a...)}
}

func runFile(cmd *cobra.Command, file string, f runFlags) error {
	if err := checkMaxDefinition(f.maxDefinition, f.envErr); err != nil {
		return err
	}
	if f.maxPayload < 0 {
		return usageErr("--max-payload-bytes must be 0 (no limit) or more, not %d", f.maxPayload)
	}
	if f.maxEvents < 0 {
		return usageErr("--max-events %d: want 0 (no limit) or more", f.maxEvents)
	}
	if pipelineFile, ok := pipelineFileOf(file); ok {
		return runPipeline(cmd, pipelineFile, f)
	}
	if len(f.mocks) > 0 || len(f.mockErrors) > 0 || f.logicalDate != "" {
		return usageErr("--mock, --mock-error and --logical-date are for pipelines: name a project directory or its pipeline.yaml")
	}
	stderr := cmd.ErrOrStderr()
	def, _, err := parseDefinitionFile(file, definitionLimit(f.maxDefinition))
	if err != nil {
		return definitionErr(stderr, file, err)
	}
	name := f.name
	if name == "" {
		name = machineName(file)
	}
	return runDefinition(cmd, def, name, "", f)
}

// definitionErr reports a definition that cannot run, as 'baton validate'
// would.
func definitionErr(stderr io.Writer, file string, err error) error {
	var ve *asl.ValidationError
	if errors.As(err, &ve) {
		for _, d := range ve.Diagnostics {
			fmt.Fprintln(stderr, d.String())
		}
		return &exitError{code: exitInvalid, err: fmt.Errorf("%s is not valid (run 'baton validate %s')", file, file)}
	}
	return &exitError{code: exitInvalid, err: err}
}

// runDefinition runs a state machine (a .asl.json file, or the body of a
// pipeline whose project is in dir).
func runDefinition(cmd *cobra.Command, def *asl.Definition, name, dir string, f runFlags) error {
	input, err := readInput(cmd.InOrStdin(), cmd.ErrOrStderr(), f.input, f.inputFile, payloadLimit(f.maxPayload))
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	resolver, err := f.resolver(name, dir)
	if err != nil {
		return err
	}
	if err := checkResources(def, resolver.Resolver); err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	maxPayload := f.maxPayload
	if maxPayload <= 0 {
		maxPayload = -1 // no limit
	}
	if maxPayload > 0 && asl.JSONSize(input, maxPayload) > maxPayload {
		return usageErr("the execution input is larger than %d bytes, the limit Step Functions applies; raise or lift it with --max-payload-bytes (0: no limit)", maxPayload)
	}
	limits, err := f.limits.limits()
	if err != nil {
		return err
	}
	m, err := asl.Compile(def, asl.Options{Limits: limits, MaxPayloadBytes: maxPayload, MaxHistoryEvents: f.maxEvents})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	return runProgram(cmd, asl.ProgramOf(m), localInfo(name, input, time.Time{}), resolver, f)
}

// localInfo names a local run with the ARNs Step Functions Local uses.
func localInfo(name string, input any, logicalDate time.Time) workflow.Info {
	execName := newUUID()
	return workflow.Info{
		ID:           fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", localRegion, localAccount, name, execName),
		Name:         execName,
		WorkflowID:   fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", localRegion, localAccount, name),
		WorkflowName: name,
		Namespace:    "default",
		RoleArn:      fmt.Sprintf("arn:aws:iam::%s:role/baton-local", localAccount),
		Region:       localRegion,
		Input:        input,
		LogicalDate:  logicalDate,
	}
}

// resolver builds the task executors of a local run: built-ins, --resource
// mappings, a mock config's test case, --mock and --mock-error. Commands run
// in dir ("" for the current directory).
func (f *runFlags) resolver(name, dir string) (*mockResolver, error) {
	opts := tasks.Options{StateMachineName: name, TestCase: f.testCase, MaxResultBytes: f.maxPayload, WorkDir: dir}
	if f.maxPayload <= 0 {
		opts.MaxResultBytes = 1 << 30 // --max-payload-bytes 0: no limit but memory's
	}
	if (f.mockConfig == "") != (f.testCase == "") {
		return nil, usageErr("--mock-config and --test-case go together")
	}
	if f.mockConfig != "" {
		data, err := readLimit{bytes: maxMockConfigBytes, what: "a mock config"}.readFile(f.mockConfig)
		if err != nil {
			return nil, usageErr("--mock-config: %v", err)
		}
		mc, err := tasks.ParseMockConfig(data)
		if err != nil {
			return nil, usageErr("%s: %v", f.mockConfig, err)
		}
		opts.Mocks = mc
	}
	if len(f.resources) > 0 {
		m, err := parseResources(f.resources)
		if err != nil {
			return nil, err
		}
		opts.Mappings = m
	}
	if f.configFile != "" {
		cfg, err := config.Load(f.configFile)
		if err != nil {
			return nil, usageErr("--config: %v", err)
		}
		opts.Connections = cfg
	}
	r, err := tasks.NewResolver(opts)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	mocks, err := parseMocks(f.mocks, f.mockErrors)
	if err != nil {
		return nil, err
	}
	return &mockResolver{Resolver: r, mocks: mocks}, nil
}

// runProgram runs a compiled workflow with progress on stderr and prints
// its outcome as one JSON document on stdout.
func runProgram(cmd *cobra.Command, prog workflow.Program, info workflow.Info, resolver runner.Resolver, f runFlags) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := newProgress(cmd.ErrOrStderr(), f.quiet)
	opts := runner.Options{
		Resolver:    resolver,
		SkipWaits:   f.skipWaits,
		OnEvents:    progress.events,
		OnCommand:   progress.command,
		KeepHistory: f.history,
	}
	if f.logs {
		opts.Logs = progressLogs{progress}
	}
	res, err := runner.Run(ctx, prog, info, opts)
	progress.finish()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// Written by hand so that "status" comes first, before a large output.
	outJSON := append([]byte(`{"status":`), asl.MarshalJSON(res.Status)...)
	if res.Status == workflow.StatusSucceeded {
		outJSON = append(append(outJSON, `,"output":`...), asl.MarshalJSON(res.Outcome.Output)...)
	} else {
		outJSON = append(append(outJSON, `,"error":`...), asl.MarshalJSON(res.Outcome.Error)...)
		outJSON = append(append(outJSON, `,"cause":`...), asl.MarshalJSON(res.Outcome.Cause)...)
	}
	if f.history {
		// The history renders through HistoryEvent.MarshalJSON, in event order.
		h, err := marshalHistory(res.History)
		if err != nil {
			return err
		}
		outJSON = append(append(outJSON, `,"history":`...), h...)
	}
	outJSON = append(outJSON, '}', '\n')
	_, _ = cmd.OutOrStdout().Write(outJSON)
	if res.Status != workflow.StatusSucceeded {
		return &exitError{code: exitFailed}
	}
	return nil
}

// readInput takes the execution input from --input, --input-file or stdin,
// within limit.
func readInput(stdin io.Reader, stderr io.Writer, input, inputFile string, limit readLimit) (any, error) {
	var data []byte
	var src string
	switch {
	case input != "" && inputFile != "":
		return nil, errors.New("give --input or --input-file, not both")
	case input != "":
		data, src = []byte(input), "--input"
	case inputFile != "":
		b, err := limit.readFile(inputFile)
		if err != nil {
			return nil, fmt.Errorf("--input-file: %w", err)
		}
		data, src = b, inputFile
	default:
		if file, ok := stdin.(*os.File); ok {
			if st, err := file.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return map[string]any{}, nil
			}
		}
		// A pipe that stays open would block here silently: say what we wait for.
		hint := time.AfterFunc(2*time.Second, func() {
			fmt.Fprintln(stderr, "baton: reading the execution input from stdin (give --input '{}' to run without one)")
		})
		b, err := limit.read(stdin, "the input on stdin")
		hint.Stop()
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(b)) == "" {
			return map[string]any{}, nil
		}
		data, src = b, "stdin"
	}
	v, err := asl.ParseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("the execution input (%s) is not valid JSON: %v", src, err)
	}
	return v, nil
}

// checkResources makes sure, before the run starts, that every Task state
// can be served and that the test case mocks no state the machine lacks; it
// reports every problem at once.
func checkResources(def *asl.Definition, r *tasks.Resolver) error {
	var problems, names []string
	var walk func(d *asl.Definition)
	walk = func(d *asl.Definition) {
		for _, name := range d.StateOrder {
			s := d.States[name]
			names = append(names, name)
			if s.Type == "Task" {
				if err := r.CheckTask(s.Resource, name, s.Parameters); err != nil {
					problems = append(problems, err.Error())
				}
			}
			for _, b := range s.Branches {
				walk(b)
			}
			if s.ItemProcessor != nil {
				walk(s.ItemProcessor)
			}
		}
	}
	walk(def)
	for _, name := range r.UnknownMockedStates(names) {
		problems = append(problems, fmt.Sprintf("the test case mocks state %q, which the state machine does not have", name))
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return errors.New(problems[0])
	}
	return fmt.Errorf("%d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
