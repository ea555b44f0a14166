package asl

import (
	"time"

	"github.com/batonhq/baton/workflow"
)

// LanguageName is the name under which Baton records ASL workflows.
const LanguageName = "asl"

// DefaultMaxHistoryEvents is Step Functions' bound on the history of a
// Standard execution, for Options.MaxHistoryEvents.
const DefaultMaxHistoryEvents = 25000

// DefaultExpressTimeout is Step Functions' bound on an Express execution.
const DefaultExpressTimeout = 5 * time.Minute

// LanguageOptions are the server-wide settings of the ASL language.
type LanguageOptions struct {
	// Options are those of every compiled Machine (payload and history
	// limits, JSONata limits). Express workflows run without history and
	// without a history limit whatever these say.
	Options
	// ExpressTimeout bounds an Express execution: a definition with no
	// TimeoutSeconds, or a larger one, gets this (0: DefaultExpressTimeout).
	// Step Functions ends Express executions after five minutes.
	ExpressTimeout time.Duration
	// Region is that of the context object ($$.Execution) when the caller's
	// workflow.Info does not name one.
	Region string
}

// NewLanguage returns Amazon States Language as a workflow.Language, the
// form in which Baton's engine runs it.
func NewLanguage(opts LanguageOptions) workflow.Language {
	if opts.ExpressTimeout <= 0 {
		opts.ExpressTimeout = DefaultExpressTimeout
	}
	return language{opts}
}

type language struct{ opts LanguageOptions }

func (language) Name() string { return LanguageName }

// Compile parses and validates an ASL definition (JSON or YAML). An Express
// workflow keeps no history and is bounded by ExpressTimeout.
func (l language) Compile(definition []byte, co workflow.CompileOptions) (workflow.Program, error) {
	d, err := Parse(definition)
	if err != nil {
		return nil, err
	}
	opts := l.opts.Options
	if co.Express {
		opts.NoHistory = true
		opts.MaxHistoryEvents = 0
		limit := int64(l.opts.ExpressTimeout / time.Second)
		if d.TimeoutSeconds == nil || *d.TimeoutSeconds > limit {
			d.TimeoutSeconds = &limit
		}
	}
	m, err := Compile(d, opts)
	if err != nil {
		return nil, err
	}
	return &program{m: m, region: l.opts.Region}, nil
}

// program is a Machine as a workflow.Program.
type program struct {
	m      *Machine
	region string
}

// MachineOf returns the compiled machine of a Program that NewLanguage's
// Compile returned, else nil.
func MachineOf(p workflow.Program) *Machine {
	if p, ok := p.(*program); ok {
		return p.m
	}
	return nil
}

func (p *program) Start(info workflow.Info, now time.Time, out *workflow.Output) workflow.Instance {
	region := info.Region
	if region == "" {
		region = p.region
	}
	x := p.m.Start(ExecutionInfo{ID: info.ID, Name: info.Name, StateMachineID: info.WorkflowID,
		StateMachineName: info.WorkflowName, RoleArn: info.RoleArn, Region: region, Input: info.Input,
		StartTime: info.StartTime}, now, out)
	return &instance{m: p.m, x: x}
}

func (p *program) Restore(snapshot []byte) (workflow.Instance, error) {
	x, err := UnmarshalExecution(snapshot)
	if err != nil {
		return nil, err
	}
	return &instance{m: p.m, x: x}, nil
}

// instance is an Execution and its Machine as a workflow.Instance.
type instance struct {
	m *Machine
	x *Execution
}

// ExecutionOf returns the Execution of an Instance that a Program of
// NewLanguage made, else nil.
func ExecutionOf(i workflow.Instance) *Execution {
	if i, ok := i.(*instance); ok {
		return i.x
	}
	return nil
}

func (i *instance) Apply(ev workflow.Event, now time.Time, out *workflow.Output) {
	i.m.Apply(i.x, ev, now, out)
}

func (i *instance) Continue(now time.Time, out *workflow.Output) { i.m.Continue(i.x, now, out) }

func (i *instance) Interrupted() bool { return i.x.Interrupted() }

func (i *instance) Redrive(now time.Time, out *workflow.Output) error {
	return i.m.Redrive(i.x, now, out)
}

func (i *instance) Status() string { return i.x.Status }

func (i *instance) Result() workflow.Result {
	return workflow.Result{Output: i.x.Output, Error: i.x.Error, Cause: i.x.Cause}
}

func (i *instance) Tasks(fn func(taskID, token string)) {
	for tid, fid := range i.x.Tasks {
		token := ""
		if f := i.x.Frames[fid]; f != nil {
			token = f.Token
		}
		fn(tid, token)
	}
}

func (i *instance) HasTask(taskID string) bool {
	_, ok := i.x.Tasks[taskID]
	return ok
}

func (i *instance) Timers(fn func(timerID string)) {
	for id := range i.x.Timers {
		fn(id)
	}
}

func (i *instance) Snapshot() ([]byte, error) { return MarshalExecution(i.x) }
