package pipeline

import (
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/workflow"
)

// Pipeline is a parsed and validated pipeline.yaml. Values that may hold
// JSONata ("{% ... %}", whole or embedded in a string) are kept as written
// (any: the plain JSON value) and evaluated when the step runs.
type Pipeline struct {
	Name          string
	Namespace     string // "" when the file does not say: the CLI's --namespace, else "default"
	Description   string
	Type          string           // TypeStandard or TypeExpress
	Params        map[string]Param // the run input's defaults and types
	ParamOrder    []string         // the names of Params in file order
	Timeout       time.Duration    // the whole run; 0: no limit
	MaxActiveRuns int              // 0: no limit
	OnLimit       string           // OnLimitQueue (default), OnLimitSkip or OnLimitCancelOldest
	Tags          map[string]string
	Datasets      Datasets
	Defaults      Defaults

	// Exactly one of Body and Steps is set.
	Body  *Body
	Steps []*Step

	Handlers Handlers
	// Output is the run output ("{% ... %}"); nil: an object of the
	// succeeded steps' outputs by name.
	Output    any
	HasOutput bool

	Trigger       *Trigger // acts once the triggers issue lands
	Notifications *Notifications

	// Source gives the position in the file of every value by JSON
	// pointer (each Step carries its pointer), for run-time errors.
	Source *asl.SourceMap
	File   string
}

// Pipeline types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// on_limit policies.
const (
	OnLimitQueue        = workflow.LimitQueue
	OnLimitSkip         = workflow.LimitSkip
	OnLimitCancelOldest = workflow.LimitCancelOldest
)

// Param is one declared input of a run: a subset of JSON Schema.
type Param struct {
	Type        string // ParamString, ... or "" (any)
	Default     any    // may be "{% ... %}", evaluated at start
	HasDefault  bool   // a param without a default is required
	Description string
	Enum        []any
}

// Param types: JSON Schema's.
const (
	ParamString  = "string"
	ParamNumber  = "number"
	ParamInteger = "integer"
	ParamBoolean = "boolean"
	ParamObject  = "object"
	ParamArray   = "array"
)

// Datasets declares what a pipeline reads and writes (lineage).
type Datasets struct {
	Reads, Writes []string
}

// Defaults apply to every step (handlers included) unless it says
// otherwise; a step's Retry is merged field by field over Defaults.Retry,
// its Env key by key over Defaults.Env.
type Defaults struct {
	Timeout time.Duration
	Retry   *Retry
	Env     map[string]string
}

// Retry is a step's retry policy, with the meaning of an ASL Retrier.
type Retry struct {
	Retries     *int           // MaxAttempts: the retries after the first attempt
	Interval    *time.Duration // IntervalSeconds, whole seconds >= 1
	BackoffRate *float64
	MaxDelay    *time.Duration // MaxDelaySeconds
	Jitter      string         // JitterFull, JitterNone or "" (unset)
	On          []string       // ErrorEquals; nil: every retryable error
}

// Jitter strategies.
const (
	JitterFull = "full"
	JitterNone = "none"
)

// Body is a pipeline whose body is an Amazon States Language state machine.
type Body struct {
	File       string          // the file it was read from, relative to the project; "" when inline
	Definition *asl.Definition // the parsed state machine
	Source     []byte          // its text: the file's, or the inline body as JSON
}

// Step types.
const (
	StepShell    = "shell"
	StepHTTP     = "http"
	StepSQL      = "sql"
	StepCopy     = "copy"
	StepWaitFor  = "wait_for"
	StepActivity = "activity"
	StepWorkflow = "workflow"
)

// StepTypes lists the step types in the order the docs give them.
var StepTypes = []string{StepShell, StepHTTP, StepSQL, StepCopy, StepWaitFor, StepActivity, StepWorkflow}

// Trigger rules (Airflow's).
const (
	RuleAllSuccess              = "all_success"
	RuleAllFailed               = "all_failed"
	RuleAllDone                 = "all_done"
	RuleAlways                  = "always"
	RuleOneSuccess              = "one_success"
	RuleOneFailed               = "one_failed"
	RuleNoneFailed              = "none_failed"
	RuleNoneFailedMinOneSuccess = "none_failed_min_one_success"
)

// TriggerRules lists the trigger rules in PIPELINE.md's order.
var TriggerRules = []string{RuleAllSuccess, RuleAllFailed, RuleAllDone, RuleOneSuccess, RuleOneFailed,
	RuleNoneFailed, RuleNoneFailedMinOneSuccess, RuleAlways}

// Step is one node of the DAG, or a handler.
type Step struct {
	Name        string
	Type        string // one of StepTypes
	Description string
	Pointer     string // JSON pointer of the step in the file, e.g. "/steps/3"

	DependsOn      []string // direct upstream steps, in file order
	TriggerRule    string   // RuleAllSuccess when not given
	When           any      // nil: always; else true/false or "{% ... %}"
	ForEach        any      // nil, or an array, or "{% ... %}" giving one
	MaxConcurrency int      // for_each items at once; 0: no limit
	AllowFailure   bool

	// Retry, Timeout and Env as written on the step; Effective* merge
	// them over the pipeline's defaults.
	Retry   *Retry
	Timeout time.Duration
	Env     map[string]string

	// shell
	Command []string // argv, no shell
	Script  string   // run by Shell -eu
	Shell   string   // "sh" (default) or "bash"
	Dir     string   // working directory, relative to the run's directory

	// http, sql, copy, wait_for: a named connection of the server
	Connection string

	// http
	URL     string
	Method  string // GET when not given
	Headers map[string]string
	Body    any // JSON body
	HasBody bool

	// sql
	Query string
	File  string // a SQL file of the project

	// copy
	From, To string

	// wait_for
	Path         string
	Since        string // "" : the start of the previous run (or of this run)
	PollInterval time.Duration

	// activity
	Activity         string
	HeartbeatTimeout time.Duration

	// workflow (Namespace "" : the pipeline's own)
	Workflow          string
	WorkflowNamespace string

	// activity, workflow: the task's input
	Input    any
	HasInput bool
}

// Handlers are steps run after the DAG, by the run's outcome.
type Handlers struct {
	OnFailure []*Step // when the run is going to be FAILED or TIMED_OUT
	OnSuccess []*Step // when it is going to be SUCCEEDED
	OnExit    []*Step // always, last (after a stop too, within a grace period)
}

// Trigger says what starts runs (acts once the triggers issue lands).
type Trigger struct {
	Schedules  []Schedule
	Executions *ExecutionsTrigger
	Data       []DataTrigger
	Event      *EventTrigger
}

// Schedule is one schedule of a trigger.
type Schedule struct {
	Cron          string // "cron(...)", "rate(...)", "at(...)" or 5-field cron; "" with the shorthand
	Minute, Hour  *int   // the field's shorthand
	Day, Month    *int   //   day of the month, month
	Weekday       *int   //   0 = Sunday ... 6 = Saturday
	Timezone      string // IANA; "" = UTC
	Overlap       string // skip (default) | buffer_one | buffer_all | cancel_other | terminate_other | allow_all
	Catchup       string // none (default) | latest | all
	CatchupWindow time.Duration
	Jitter        time.Duration
	Start, End    *time.Time
}

// ExecutionsTrigger starts a run on upstream executions' outcomes.
type ExecutionsTrigger struct {
	AllOf, AnyOf []UpstreamCondition
	Operator     string        // AND (default) or OR
	Window       time.Duration // how long an outcome counts; 0: 24h
	Match        string        // any (default) or logical_date
}

// UpstreamCondition is one upstream workflow and the statuses that count.
type UpstreamCondition struct {
	Name      string
	Namespace string   // "account" in the field; "" : the pipeline's own
	Status    []string // Step Functions statuses; SUCCESS is read as SUCCEEDED
}

// DataTrigger starts a run when data arrives under a path.
type DataTrigger struct {
	Path        string
	Connection  string        // the s3 connection of an s3:// path
	BatchSize   int           // 1 when not given
	BatchWindow time.Duration // 0: none
}

// EventTrigger starts a run on any event matching an EventBridge pattern.
type EventTrigger struct {
	Pattern map[string]any
}

// Notifications say whom a run's messages go to (see internal/notify).
type Notifications struct {
	Type    string // FULL_EXECUTION, PIPELINE or FAILURES
	Targets []NotificationTarget
}

// NotificationTarget is one channel and its addresses.
type NotificationTarget struct {
	Channel    string // SLACK, EMAIL, WEBHOOK or OPSGENIE
	Addresses  []string
	Connection string // the server's connection of the channel; "" for its only one
	// Subject and Text override the message's title and body (Go
	// templates); "" keeps the default.
	Subject, Text string
}
