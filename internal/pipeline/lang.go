package pipeline

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/workflow"
)

// This file makes a pipeline's DAG of steps a workflow.Language: Compile
// turns pipeline.yaml into a program, whose instances run the steps as
// RunTask commands of internal/steptask's types. The semantics are
// docs/pipeline.md's "How a run proceeds".

// LanguageName is the name recorded with every stored pipeline.
const LanguageName = "pipeline"

// Defaults of Options.
const (
	// DefaultMaxHistoryEvents bounds a pipeline run's history (PIPELINE.md:
	// pipelines are not bound by ASL's 25,000).
	DefaultMaxHistoryEvents = 1_000_000
	// DefaultHandlerGrace is how long on_exit (and, after the pipeline's
	// timeout, on_failure) handlers may run after a stop or a timeout.
	DefaultHandlerGrace = 5 * time.Minute
	// DefaultPollInterval is the time between two probes of a wait_for step
	// that does not set poll_interval.
	DefaultPollInterval = 30 * time.Second
)

// Options tune a pipeline Language; the server sets them from its flags.
type Options struct {
	// Rand returns a float in [0,1) for retry jitter; default math/rand/v2.
	Rand func() float64
	// MaxPayloadBytes fails a step whose output (or a for_each item's) is
	// larger, with States.DataLimitExceeded. 0: asl.DefaultMaxPayloadBytes;
	// negative: no limit.
	MaxPayloadBytes int
	// MaxHistoryEvents fails a run (States.Runtime) whose history grows
	// past it. 0: DefaultMaxHistoryEvents; negative: no limit.
	MaxHistoryEvents int64
	// JSONata bounds every expression's evaluation; zero fields take asl's
	// defaults.
	JSONata asl.JSONataLimits
	// HandlerGrace bounds the handlers that run after a stop or the
	// pipeline's timeout. 0: DefaultHandlerGrace.
	HandlerGrace time.Duration
	// PollInterval is wait_for's default time between probes.
	// 0: DefaultPollInterval.
	PollInterval time.Duration
	// Env is the server's allowed environment, read by expressions as $env.
	Env map[string]string
}

// ErrBody is returned by Compile for a pipeline whose `body:` is an ASL
// state machine: the engine runs it with the asl language (parse the file
// with Parse to get Body.Definition, reading the body file through the
// project), not with this one.
var ErrBody = errors.New("this pipeline's body is an Amazon States Language state machine: compile it with the asl language")

type language struct{ opts Options }

// NewLanguage returns the pipeline language with the server's options.
func NewLanguage(opts Options) workflow.Language {
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.MaxPayloadBytes == 0 {
		opts.MaxPayloadBytes = asl.DefaultMaxPayloadBytes
	}
	if opts.MaxHistoryEvents == 0 {
		opts.MaxHistoryEvents = DefaultMaxHistoryEvents
	}
	def := asl.DefaultJSONataLimits()
	if opts.JSONata.Timeout == 0 {
		opts.JSONata.Timeout = def.Timeout
	}
	if opts.JSONata.MaxBytes == 0 {
		opts.JSONata.MaxBytes = def.MaxBytes
	}
	if opts.HandlerGrace <= 0 {
		opts.HandlerGrace = DefaultHandlerGrace
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	return &language{opts: opts}
}

func (l *language) Name() string { return LanguageName }

// Compile parses and validates pipeline.yaml and compiles its DAG. A
// step's `file:` is read through opts.Files now, so a run sends the text
// of the version it started with. A pipeline with a body returns ErrBody.
func (l *language) Compile(def []byte, opts workflow.CompileOptions) (workflow.Program, error) {
	pl, err := Parse(def)
	if err != nil {
		return nil, err
	}
	if pl.Body != nil {
		return nil, ErrBody
	}
	return compile(pl, l.opts, opts.Files)
}

// program is a compiled pipeline: immutable, shared by its runs.
type program struct {
	pl     *Pipeline
	opts   Options
	nodes  []*cnode   // the DAG's steps, then the handlers of each list
	lists  [4][]int32 // node indexes of the DAG (0) and of each handler list
	byName map[string]int32
	output *tval // the run output; nil: the succeeded steps' outputs
	params []paramDef
	exprs  map[string]*expr // compiled expressions, by source
}

// Handler lists, by node.list.
const (
	listDAG = iota
	listOnFailure
	listOnSuccess
	listOnExit
	listDone // the run has ended
)

// cnode is a compiled step or handler.
type cnode struct {
	step     *Step
	idx      int32
	list     uint8
	deps     []int32 // direct upstreams (same list)
	downs    []int32 // direct downstreams
	resource string
	retry    *retryPolicy
	timeout  time.Duration
	poll     time.Duration
	when     *tval
	forEach  *tval
	spec     *tval            // the task input's fields, before Common
	env      map[string]*tval // the merged env
	envKeys  []string
}

type paramDef struct {
	name string
	p    Param
	def  *tval
}

// retryPolicy is a step's effective retry, with ASL's defaults filled in.
type retryPolicy struct {
	on       []string // nil: every retryable error
	retries  int
	interval time.Duration
	rate     float64
	maxDelay time.Duration // 0: no cap
	full     bool          // jitter: full
}

func compile(pl *Pipeline, opts Options, files func(string) ([]byte, error)) (*program, error) {
	p := &program{pl: pl, opts: opts, byName: map[string]int32{}, exprs: map[string]*expr{}}
	for l, list := range [][]*Step{pl.Steps, pl.Handlers.OnFailure, pl.Handlers.OnSuccess, pl.Handlers.OnExit} {
		for _, s := range list {
			n := &cnode{step: s, idx: int32(len(p.nodes)), list: uint8(l)}
			p.byName[s.Name] = n.idx
			p.lists[l] = append(p.lists[l], n.idx)
			p.nodes = append(p.nodes, n)
		}
	}
	for _, n := range p.nodes {
		for _, d := range n.step.DependsOn {
			if j, ok := p.byName[d]; ok && p.nodes[j].list == n.list {
				n.deps = append(n.deps, j)
				p.nodes[j].downs = append(p.nodes[j].downs, n.idx)
			}
		}
		if err := p.compileNode(n, files); err != nil {
			return nil, fmt.Errorf("step %s: %w", n.step.Name, err)
		}
	}
	for _, name := range pl.ParamOrder {
		prm := pl.Params[name]
		d := paramDef{name: name, p: prm}
		if prm.HasDefault {
			v, err := p.compileValue(prm.Default)
			if err != nil {
				return nil, fmt.Errorf("param %s: %w", name, err)
			}
			d.def = v
		}
		p.params = append(p.params, d)
	}
	if pl.HasOutput {
		v, err := p.compileValue(pl.Output)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		p.output = v
	}
	return p, nil
}

var resources = map[string]string{
	StepShell: steptask.ResourceShell, StepHTTP: steptask.ResourceHTTP, StepSQL: steptask.ResourceSQL,
	StepCopy: steptask.ResourceCopy, StepWaitFor: steptask.ResourceWaitFor,
	StepActivity: steptask.ResourceActivity, StepWorkflow: steptask.ResourceWorkflow,
}

func (p *program) compileNode(n *cnode, files func(string) ([]byte, error)) error {
	s := n.step
	n.resource = resources[s.Type]
	n.timeout = p.pl.EffectiveTimeout(s)
	n.poll = s.PollInterval
	if n.poll <= 0 {
		n.poll = p.opts.PollInterval
	}
	if r := p.pl.EffectiveRetry(s); r != nil {
		n.retry = newRetryPolicy(r)
	}
	var err error
	if s.When != nil {
		if n.when, err = p.compileValue(s.When); err != nil {
			return err
		}
	}
	if s.ForEach != nil {
		if n.forEach, err = p.compileValue(s.ForEach); err != nil {
			return err
		}
	}
	env := p.pl.EffectiveEnv(s)
	n.env = make(map[string]*tval, len(env))
	for k, v := range env {
		if n.env[k], err = p.compileValue(v); err != nil {
			return err
		}
		n.envKeys = append(n.envKeys, k)
	}
	spec := map[string]any{}
	set := func(k string, v any, ok bool) {
		if ok {
			spec[k] = v
		}
	}
	switch s.Type {
	case StepShell:
		if s.Command != nil {
			cmd := make([]any, len(s.Command))
			for i, c := range s.Command {
				cmd[i] = c
			}
			spec["command"] = cmd
		}
		set("script", s.Script, s.Script != "")
		set("shell", s.Shell, s.Shell != "")
		set("dir", literal(s.Dir), s.Dir != "")
	case StepHTTP:
		spec["url"] = s.URL
		spec["method"] = s.Method
		set("connection", s.Connection, s.Connection != "")
		if len(s.Headers) > 0 {
			h := map[string]any{}
			for k, v := range s.Headers {
				h[k] = v
			}
			spec["headers"] = h
		}
		set("body", s.Body, s.HasBody)
	case StepSQL:
		spec["connection"] = s.Connection
		spec["query"] = s.Query
		if s.File != "" {
			text, err := readProjectFile(files, s.File)
			if err != nil {
				return err
			}
			spec["query"] = literal(text)
		}
	case StepCopy:
		spec["from"], spec["to"] = s.From, s.To
		set("connection", s.Connection, s.Connection != "")
	case StepWaitFor:
		spec["path"] = s.Path
		set("connection", s.Connection, s.Connection != "")
		set("since", s.Since, s.Since != "")
	case StepActivity:
		spec["activity"] = s.Activity
		set("input", s.Input, s.HasInput)
	case StepWorkflow:
		spec["workflow"] = s.Workflow
		set("namespace", s.WorkflowNamespace, s.WorkflowNamespace != "")
		set("input", s.Input, s.HasInput)
	}
	n.spec, err = p.compileValue(spec)
	return err
}

// literal marks a string that is text, not a template (a SQL file's
// contents may hold "{%").
type literal string

// readProjectFile reads a step's file of the project.
func readProjectFile(files func(string) ([]byte, error), name string) (string, error) {
	clean := path.Clean(name)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("the file %s must be inside the project", name)
	}
	if files == nil {
		return "", fmt.Errorf("the file %s cannot be read: the pipeline was compiled without its project's files (deploy the project directory, not pipeline.yaml alone)", name)
	}
	b, err := files(clean)
	if err != nil {
		return "", fmt.Errorf("the file %s cannot be read from the project: %v", name, err)
	}
	if len(b) > MaxFileBytes {
		return "", fmt.Errorf("the file %s is larger than %d bytes, the limit of a project file", name, MaxFileBytes)
	}
	return string(b), nil
}

func newRetryPolicy(r *Retry) *retryPolicy {
	rp := &retryPolicy{on: r.On, retries: 3, interval: time.Second, rate: 2}
	if r.Retries != nil {
		rp.retries = *r.Retries
	}
	if r.Interval != nil && *r.Interval > 0 {
		rp.interval = *r.Interval
	}
	if r.BackoffRate != nil {
		rp.rate = *r.BackoffRate
	}
	if r.MaxDelay != nil {
		rp.maxDelay = *r.MaxDelay
	}
	rp.full = r.Jitter == JitterFull
	return rp
}

// covers reports whether the policy retries the error.
func (rp *retryPolicy) covers(errName string) bool {
	if asl.NonRetryable(errName) {
		return false
	}
	if rp.on == nil {
		return true
	}
	return asl.ErrorMatches(rp.on, errName)
}

// delay is interval * rate^retry, capped by max_delay, drawn uniformly
// below that with full jitter: ASL's Retry.
func (rp *retryPolicy) delay(retry int, rnd func() float64) time.Duration {
	d := rp.interval.Seconds()
	for range retry {
		d *= rp.rate
		if d > 1e9 {
			break
		}
	}
	if rp.maxDelay > 0 && d > rp.maxDelay.Seconds() {
		d = rp.maxDelay.Seconds()
	}
	if rp.full {
		d *= rnd()
	}
	d = min(d, 1e9) // far beyond any run's life; no Duration overflow
	return time.Duration(d * float64(time.Second))
}

// CheckInput checks a run input against a compiled pipeline's params, as
// Start does, so that a service can refuse a bad input with a clear 400
// before creating the run. It returns nil for programs of other languages.
func CheckInput(prog workflow.Program, info workflow.Info) error {
	p, ok := prog.(*program)
	if !ok {
		return nil
	}
	r := &run{prog: p, st: runState{Info: p.runInfo(info, info.StartTime)}}
	if _, msg := r.params(info.Input); msg != "" {
		return errors.New(msg)
	}
	return nil
}
