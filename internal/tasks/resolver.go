package tasks

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// Options configure a Resolver.
type Options struct {
	// Mappings maps a Task resource (an ARN) to a local command line. The
	// line is split into words like a POSIX shell does, without running a
	// shell (see docs/tasks.md); write sh -c '...' to get one. A key that is
	// a Lambda function ARN also serves lambda:invoke Tasks whose
	// FunctionName names that function.
	Mappings map[string]string
	// Mocks is a parsed mock config; with TestCase, the states the test case
	// lists answer with their mocked responses.
	Mocks *MockConfig
	// StateMachineName and TestCase select the test case in Mocks.
	StateMachineName, TestCase string
	// Env is added to Baton's own environment for every command
	// ("NAME=value" entries; later ones win).
	Env []string
	// RefuseLocalNetwork keeps http tasks and steps and copy's http(s)
	// sources off loopback, link-local and cloud metadata addresses
	// (netguard.Local), so that a workflow cannot reach the server's own
	// services or its cloud credentials; a shared server sets it. The
	// private network stays reachable either way.
	RefuseLocalNetwork bool
	// StepPaths are the directories copy and wait_for steps' file://
	// locations may be in, besides their run's own working directory; nil:
	// anywhere (but DeniedPaths).
	StepPaths []string
	// DeniedPaths are directories those steps may never use (the
	// server's data directory: its database, its key), but their run's
	// own working directory inside them.
	DeniedPaths []string
	// NamespaceOf names the namespace of an execution, whose steps may use
	// only the connections listed for it (config.Connection.Namespaces);
	// nil: every connection (baton run).
	NamespaceOf func(executionArn string) string
	// InheritEnv names the variables of Baton's own environment commands
	// get ("LC_*" a prefix; see DefaultInheritEnv); nil: all of them.
	InheritEnv []string
	// WorkDir is the working directory of commands; "" for Baton's.
	WorkDir string
	// MaxResultBytes bounds a task's result: a command's stdout, an HTTP
	// response body (0: MaxResultBytes, AWS's 256 KiB).
	MaxResultBytes int
	// ProcessGroupDir is where running commands' process groups are
	// recorded, for KillOrphanGroups at the next start (a directory of the
	// server's data directory); "" records none. Only Linux keeps records.
	ProcessGroupDir string
	// DisableShell switches baton:shell off: its Tasks fail with
	// Baton.ResourceDisabled (--disable-shell).
	DisableShell bool
	// AllowedResources lists the built-in resources Tasks may use (among
	// baton:http and baton:shell); the others fail with
	// Baton.ResourceDisabled. nil allows every built-in; empty allows none.
	// Resources mapped in Mappings are always allowed: the operator chose
	// their commands.
	AllowedResources []string
	// Connections are the named connections of the server's configuration
	// file (--config), for pipeline steps' sql, http, copy and wait_for
	// tasks; nil: none.
	Connections *config.Config
	// HTTPStepTimeout bounds a pipeline http step that has no timeout of
	// its own (0: DefaultHTTPStepTimeout), so that a server that never
	// answers cannot hold it forever.
	HTTPStepTimeout time.Duration
}

// DefaultHTTPStepTimeout is Options.HTTPStepTimeout's default.
const DefaultHTTPStepTimeout = 10 * time.Minute

// Resolver picks the executor for a Task: a mocked response when the test
// case lists the state, else a mapped command, else a built-in (baton:shell,
// baton:http) unless the operator switched it off. Safe for concurrent use.
type Resolver struct {
	cfg      commandConfig
	mappings map[string][]string // resource -> argv
	lambdas  map[string][]string // Lambda function name -> argv; nil argv when ambiguous
	testCase MockTestCase        // nil without mocks
	mocks    *MockConfig
	calls    callCounter
	shell    shellExecutor
	http     httpExecutor
	disabled map[string]string // switched-off built-in -> the flag that did it
	conns    *config.Config
	clients  clientCache   // database pools and S3 clients, by connection
	httpStep time.Duration // Options.HTTPStepTimeout with its default
	files    filePolicy    // Options.StepPaths and DeniedPaths
	nsOf     func(executionArn string) string
}

// NewResolver checks opts and builds a Resolver. It fails on a mapping
// whose command cannot be split, on a state machine or test case that the
// mock config does not have, and on a mock config without a test case (or
// the reverse).
func NewResolver(opts Options) (*Resolver, error) {
	r := &Resolver{
		cfg:      commandConfig{env: slices.Clone(opts.Env), inherit: slices.Clone(opts.InheritEnv), dir: opts.WorkDir, maxResult: opts.MaxResultBytes},
		mappings: map[string][]string{},
		lambdas:  map[string][]string{},
	}
	r.files = newFilePolicy(opts.StepPaths, opts.DeniedPaths)
	r.nsOf = opts.NamespaceOf
	disabled, err := builtinSwitches(opts)
	if err != nil {
		return nil, err
	}
	r.disabled = disabled
	if groupStartTimes {
		r.cfg.groups = groupRecords(opts.ProcessGroupDir)
	}
	r.shell = shellExecutor{cfg: r.cfg}
	r.http = httpExecutor{client: &http.Client{Transport: stepTransport(opts.RefuseLocalNetwork)}, maxResult: opts.MaxResultBytes}
	r.conns = opts.Connections
	r.httpStep = cmp.Or(opts.HTTPStepTimeout, DefaultHTTPStepTimeout)
	for _, resource := range slices.Sorted(maps.Keys(opts.Mappings)) {
		if resource == "" {
			return nil, fmt.Errorf("--resource: empty resource in %q", "="+opts.Mappings[resource])
		}
		argv, err := splitCommandLine(opts.Mappings[resource])
		if err != nil {
			return nil, fmt.Errorf("--resource %s: %w", resource, err)
		}
		r.mappings[resource] = argv
		// Lambda ARNs and bare function names also serve lambda:invoke.
		if name, ok := lambdaFunctionName(resource); ok && (isLambdaARN(resource) || !strings.Contains(resource, ":")) {
			if prev, dup := r.lambdas[name]; dup && !slices.Equal(prev, argv) {
				r.lambdas[name] = nil // two functions of that name map to different commands
			} else {
				r.lambdas[name] = argv
			}
		}
	}
	switch {
	case opts.Mocks == nil && opts.TestCase != "":
		return nil, fmt.Errorf("test case %q needs a mock config (--mock-config FILE)", opts.TestCase)
	case opts.Mocks != nil && opts.TestCase == "":
		return nil, fmt.Errorf("a mock config needs the name of a test case (--test-case NAME)")
	case opts.Mocks != nil:
		sm, ok := opts.Mocks.StateMachines[opts.StateMachineName]
		if !ok {
			return nil, fmt.Errorf("mock config has no state machine %q (it has: %s); the name is the definition file's base name, or give it with --name", opts.StateMachineName, names(opts.Mocks.StateMachines))
		}
		tc, ok := sm.TestCases[opts.TestCase]
		if !ok {
			return nil, fmt.Errorf("mock config has no test case %q for state machine %q (it has: %s)", opts.TestCase, opts.StateMachineName, names(sm.TestCases))
		}
		r.testCase, r.mocks = tc, opts.Mocks
	}
	return r, nil
}

// names lists a map's keys for messages.
func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(keys, ", ")
}

// Executor returns the executor for a Task state with this resource. When
// nothing serves it the error is a *NoExecutorError.
func (r *Resolver) Executor(resource string, stateName string) (Executor, error) {
	if name, ok := r.testCase[stateName]; ok {
		return mockExecutor{state: stateName, response: r.mocks.MockedResponses[name], calls: &r.calls}, nil
	}
	ex, err := r.executor(resource, stateName)
	if err != nil || r.conns == nil || r.conns.Namespaces == nil {
		return ex, err
	}
	if kind := stepKind(r, resource); kind != "" {
		return namespacePolicy{Executor: ex, r: r, kind: kind, resource: resource, state: stateName}, nil
	}
	return ex, nil
}

// executor picks the executor of a resource (Executor without mocks and
// namespace policies).
func (r *Resolver) executor(resource string, stateName string) (Executor, error) {
	if argv, ok := r.mappings[resource]; ok {
		return r.command(resource, argv), nil
	}
	if err := r.disabledErr(resource, stateName); err != nil {
		return disabledExecutor{err: err}, nil
	}
	switch resource {
	case ShellResource:
		return r.shell, nil
	case HTTPResource:
		return r.http, nil
	case steptask.ResourceShell:
		return stepShellExecutor{cfg: r.cfg}, nil
	case steptask.ResourceHTTP:
		return stepHTTPExecutor{r: r}, nil
	case steptask.ResourceSQL:
		return stepSQLExecutor{r: r}, nil
	case steptask.ResourceCopy:
		return stepCopyExecutor{r: r}, nil
	case steptask.ResourceWaitFor:
		return stepWaitForExecutor{r: r}, nil
	}
	if isLambdaInvoke(resource) && len(r.lambdas) > 0 {
		return lambdaInvokeExecutor{r: r}, nil
	}
	if isLambdaARN(resource) {
		if cmd, ok := r.lambdaCommand(resource); ok {
			return cmd, nil
		}
	}
	return nil, &NoExecutorError{Resource: resource, StateName: stateName}
}

// command is the executor of a mapped command.
func (r *Resolver) command(resource string, argv []string) commandExecutor {
	exitError := ErrorShellExit
	if isLambdaARN(resource) || isLambdaInvoke(resource) {
		exitError = ErrorLambdaUnknown
	}
	return commandExecutor{cfg: r.cfg, argv: argv, exitError: exitError}
}

// lambdaCommand finds the command mapped to a Lambda function reference:
// the exact key first, then any key naming the same function.
func (r *Resolver) lambdaCommand(ref string) (commandExecutor, bool) {
	if argv, ok := r.mappings[ref]; ok {
		return commandExecutor{cfg: r.cfg, argv: argv, exitError: ErrorLambdaUnknown}, true
	}
	name, ok := lambdaFunctionName(ref)
	if !ok {
		return commandExecutor{}, false
	}
	argv := r.lambdas[name]
	if argv == nil {
		return commandExecutor{}, false
	}
	return commandExecutor{cfg: r.cfg, argv: argv, exitError: ErrorLambdaUnknown}, true
}

// NoExecutorError says that nothing serves a Task's resource: it is neither
// built in, nor mapped to a command, nor mocked.
type NoExecutorError struct {
	Resource  string // the resource, or the FunctionName of a lambda:invoke Task
	StateName string
}

// Error says how to serve the resource.
func (e *NoExecutorError) Error() string {
	return fmt.Sprintf("no executor for resource %q (state %q): map it to a local command with --resource %s=COMMAND, or mock the state in the test case of --mock-config FILE --test-case NAME",
		e.Resource, e.StateName, e.Resource)
}

// Close releases what the resolver's steps opened and kept for the next
// ones (database pools of sql connections). Steps still running may fail.
func (r *Resolver) Close() error { return r.clients.closeAll() }

// stepKind is the kind of step (config.StepKinds) a resource runs, for
// namespace policies; "" for those that run no code on the server.
func stepKind(r *Resolver, resource string) string {
	resource = strings.TrimSuffix(resource, ".waitForTaskToken")
	if _, ok := r.mappings[resource]; ok {
		return config.StepMapped
	}
	switch resource {
	case ShellResource, steptask.ResourceShell:
		return config.StepShell
	case HTTPResource, steptask.ResourceHTTP:
		return config.StepHTTP
	case steptask.ResourceSQL:
		return config.StepSQL
	case steptask.ResourceCopy:
		return config.StepCopy
	case steptask.ResourceWaitFor:
		return config.StepWaitFor
	}
	if isLambdaInvoke(resource) || isLambdaARN(resource) {
		return config.StepMapped
	}
	return ""
}

// namespacePolicy runs a step only when the namespace of its execution
// may run its kind (the configuration file's namespaces section); else it
// fails with Baton.ResourceDisabled, which Catch may handle.
type namespacePolicy struct {
	Executor
	r                     *Resolver
	kind, resource, state string
}

func (p namespacePolicy) Run(ctx context.Context, req Request) (any, error) {
	ns := p.r.namespaceOf(req)
	if ns != "" && !p.r.conns.StepAllowed(ns, p.kind) {
		return nil, &Failure{Name: ErrorResourceDisabled, Cause: fmt.Sprintf(
			"resource %q (state %q) runs %s steps, which namespace %s may not run on this server (its configuration's namespaces section): use another kind of step, or ask the server's operator",
			p.resource, p.state, p.kind, ns)}
	}
	return p.Executor.Run(ctx, req)
}
