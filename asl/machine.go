package asl

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/batonhq/baton/asl/internal/intrinsic"
	"github.com/batonhq/baton/asl/internal/jsonata"
	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// Machine is a compiled, validated state machine, ready to run any number of
// executions. It is immutable and safe for concurrent use; all the state of an
// execution lives in an Execution value.
type Machine struct {
	def  *Definition
	root *graph
	opts Options
	// graphs indexes every (nested) state graph by its path, so that an
	// Execution can name the graph a frame runs in a compact, serializable way.
	graphs map[string]*graph
	// jsLimits bound every JSONata evaluation (Options.JSONata*).
	jsLimits jsonata.Limits
}

// jsonataLimits applies the defaults of the JSONata limits.
func jsonataLimits(o Options) jsonata.Limits {
	lim := jsonata.Limits{Timeout: o.JSONataTimeout, MaxBytes: o.JSONataMaxBytes}
	if lim.Timeout == 0 {
		lim.Timeout = DefaultJSONataTimeout
	}
	if lim.MaxBytes == 0 {
		lim.MaxBytes = DefaultJSONataMaxBytes
	}
	return jsonata.Limits{Timeout: max(lim.Timeout, 0), MaxBytes: max(lim.MaxBytes, 0)}
}

// DefaultMaxPayloadBytes is AWS's limit on a state's input and output.
const DefaultMaxPayloadBytes = 256 << 10

// Defaults of the Limits. The JSONata ones are far above what an expression
// over a 256 KiB payload needs, and far below what would hurt a server.
const (
	DefaultJSONataTimeout  = time.Second
	DefaultJSONataMaxBytes = 64 << 20
	// DefaultMaxOpenBranches is Options.MaxOpenBranches' default. The
	// engine writes an execution's snapshot after every transition, O(open
	// branches) bytes each time, and holds those of a commit batch: 2,000
	// branches make a snapshot of about 0.5 MB, 10,000 of 2.4 MB, copied
	// for each of their events. It leaves room for a Map of 40 iterations
	// each running a Map of 40.
	DefaultMaxOpenBranches = 2000
)

// Limits bound what one expression evaluation or one execution may cost, so
// that a hostile definition cannot exhaust the process. Zero fields take
// their defaults; the engine's flags set them (docs/asl.md).
type Limits struct {
	// JSONataTimeout bounds the time of one JSONata expression evaluation;
	// past it the state fails with States.QueryEvaluationError. 0 means
	// DefaultJSONataTimeout; a negative value means no limit.
	JSONataTimeout time.Duration
	// JSONataMaxBytes bounds what one JSONata expression evaluation may
	// build: an estimate of the bytes of the strings, arrays and objects it
	// makes, counted as they are made (what it drops counts too), checked
	// before the large ones are built. Past it the state fails with
	// States.QueryEvaluationError. 0 means DefaultJSONataMaxBytes; a
	// negative value means no limit.
	JSONataMaxBytes int64
	// MaxOpenBranches bounds the Parallel branches and Map iterations one
	// execution may have open at once, nested ones included: every open one
	// is a thread of control in the execution's snapshot, which is written
	// after every transition. A Parallel or Map state that would open more
	// fails with States.Runtime. 0 means DefaultMaxOpenBranches; a negative
	// value means no limit.
	MaxOpenBranches int
}

// Options tune a Machine.
type Options struct {
	// Rand returns a float in [0,1) for retry jitter; default math/rand/v2.
	Rand func() float64
	// NoHistory skips building history events (benchmarks, Express-like runs
	// that keep only the outcome).
	NoHistory bool
	// MaxInlineConcurrency caps how many iterations of an inline Map run at
	// once when MaxConcurrency is 0 (unlimited); AWS runs at most 40.
	MaxInlineConcurrency int
	// MaxPayloadBytes fails a state whose output is larger, with
	// States.DataLimitExceeded, as AWS does at 256 KiB. 0 means AWS's
	// 262,144 bytes; a negative value means no limit.
	MaxPayloadBytes int
	// MaxHistoryEvents fails the execution (States.Runtime) when its history
	// reaches this many events, as AWS does at 25,000 for Standard
	// workflows. 0 means no limit.
	MaxHistoryEvents int64
	// Limits bound what one hostile definition may cost.
	Limits
	// Interrupt, when set, is asked every 1,024 transitions whether to give
	// control back to the caller: Start and Apply then return with the
	// execution still RUNNING (Interrupted reports it), and the caller is
	// expected to Apply Stop. It keeps an endless Choice loop stoppable.
	Interrupt func() bool
}

// graph is one compiled States object: the top level, a Parallel branch or
// a Map's ItemProcessor.
type graph struct {
	key     string // "" for the top level, e.g. "Fan/1" for branch 1 of state Fan
	startAt *state
	states  map[string]*state
}

// state is a compiled state.
type state struct {
	src         *State
	name        string
	typ         string
	enteredType string // history event types, precomputed: no allocation per transition
	exitedType  string
	// mayGrow: the state's output can be larger than its input (new data,
	// templates, ResultPath merges), so the payload limit is checked on it;
	// outputs that only select from the input need no check.
	mayGrow bool
	// selectsOnly: InputPath and OutputPath pick single parts of what they
	// apply to, so they never make a payload larger (unions, "..", the
	// context object or variables can).
	selectsOnly bool
	kind        stateKind
	js          *jstate // the compiled JSONata fields; nil in a JSONPath state
	next        *state  // nil when End
	end         bool
	inputPath   *jsonpath.Path // nil: identity
	inputNull   bool
	outputPath  *jsonpath.Path
	outputNull  bool
	resultPath  *jsonpath.Path
	resultNull  bool
	params      *template
	resultSel   *template
	result      any
	hasResult   bool
	resultSize  int // JSON size of Result
	assign      *template

	// Task
	resource      string
	taskEvents    taskEventKind
	timeout       time.Duration
	timeoutPath   *jsonpath.Path
	heartbeat     time.Duration
	heartbeatPath *jsonpath.Path
	retry         []*Retrier
	catch         []*catcher

	// Choice
	choices     []*rule
	defaultNext *state

	// Wait
	seconds       int64
	hasSeconds    bool
	secondsPath   *jsonpath.Path
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *jsonpath.Path

	// Fail
	errorName, cause   string
	errorPath, causeP  *jsonpath.Path
	errorCall, causeCa *intrinsic.Call

	// Parallel
	branches []*graph

	// Map
	processor      *graph
	itemsPath      *jsonpath.Path
	itemSelector   *template
	maxConc        int64
	maxConcPath    *jsonpath.Path
	tolCount       int64
	tolCountPath   *jsonpath.Path
	tolPercent     float64
	tolPercentPath *jsonpath.Path
	hasTolerance   bool
}

type stateKind uint8

const (
	kindPass stateKind = iota
	kindTask
	kindChoice
	kindWait
	kindSucceed
	kindFail
	kindParallel
	kindMap
)

// taskEventKind selects the family of history events a Task state produces,
// as Step Functions does: Lambda function ARNs and activities have their own.
type taskEventKind uint8

const (
	taskEventsTask taskEventKind = iota
	taskEventsLambda
	taskEventsActivity
)

type catcher struct {
	src        *Catcher
	next       *state
	resultPath *jsonpath.Path
	resultNull bool
	assign     *template
	// JSONata catchers.
	output, jassign *jvalue
}

// Compile turns a parsed definition into a Machine. The definition must have
// passed Parse's validation; Compile reports what it still cannot compile.
func Compile(def *Definition, opts Options) (*Machine, error) {
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.MaxPayloadBytes == 0 {
		opts.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if opts.MaxInlineConcurrency <= 0 {
		opts.MaxInlineConcurrency = 40
	}
	if opts.MaxOpenBranches == 0 {
		opts.MaxOpenBranches = DefaultMaxOpenBranches
	}
	m := &Machine{def: def, opts: opts, graphs: map[string]*graph{}, jsLimits: jsonataLimits(opts)}
	g, err := m.compileGraph(def, "")
	if err != nil {
		return nil, err
	}
	m.root = g
	return m, nil
}

// Definition returns the definition the machine was compiled from.
func (m *Machine) Definition() *Definition { return m.def }

func (m *Machine) compileGraph(def *Definition, key string) (*graph, error) {
	g := &graph{key: key, states: make(map[string]*state, len(def.States))}
	m.graphs[key] = g
	for name, s := range def.States {
		g.states[name] = &state{src: s, name: name, typ: s.Type, enteredType: s.Type + "StateEntered", exitedType: s.Type + "StateExited"}
	}
	for name, s := range g.states {
		if err := m.compileState(g, s, def.States[name], key); err != nil {
			return nil, err
		}
	}
	g.startAt = g.states[def.StartAt]
	if g.startAt == nil {
		return nil, fmt.Errorf("%s/StartAt: no state named %q", def.Pointer, def.StartAt)
	}
	return g, nil
}

func (m *Machine) compileState(g *graph, s *state, src *State, key string) error {
	ptr := src.Pointer
	var err error
	path := func(field, v string) *jsonpath.Path {
		if err != nil || v == "" {
			return nil
		}
		p, e := jsonpath.Parse(v)
		if e != nil {
			err = fmt.Errorf("%s/%s: %v", ptr, field, e)
		}
		return p
	}
	refPath := func(field, v string) *jsonpath.Path {
		if err != nil || v == "" {
			return nil
		}
		p, e := jsonpath.ParseReference(v)
		if e != nil {
			err = fmt.Errorf("%s/%s: %v", ptr, field, e)
		}
		return p
	}
	tmpl := func(field string, v any, present bool) *template {
		if err != nil || !present {
			return nil
		}
		t, e := compileTemplate(v, ptr+"/"+field)
		if e != nil {
			err = e
		}
		return t
	}
	target := func(name string) *state {
		if name == "" {
			return nil
		}
		t := g.states[name]
		if t == nil && err == nil {
			err = fmt.Errorf("%s: no state named %q", ptr, name)
		}
		return t
	}

	s.kind = map[string]stateKind{"Pass": kindPass, "Task": kindTask, "Choice": kindChoice, "Wait": kindWait,
		"Succeed": kindSucceed, "Fail": kindFail, "Parallel": kindParallel, "Map": kindMap}[src.Type]
	s.next = target(src.Next)
	s.end = src.End
	if src.InputPath.Set {
		s.inputNull = src.InputPath.Null
		if p := path("InputPath", src.InputPath.Value); p != nil && !p.IsIdentity() {
			s.inputPath = p
		}
	}
	if src.OutputPath.Set {
		s.outputNull = src.OutputPath.Null
		if p := path("OutputPath", src.OutputPath.Value); p != nil && !p.IsIdentity() {
			s.outputPath = p
		}
	}
	if src.ResultPath.Set {
		s.resultNull = src.ResultPath.Null
		s.resultPath = refPath("ResultPath", src.ResultPath.Value)
	}
	s.params = tmpl("Parameters", src.Parameters, src.HasParameters && s.kind != kindMap)
	s.resultSel = tmpl("ResultSelector", src.ResultSelector, src.HasResultSel)
	s.result, s.hasResult = src.Result, src.HasResult
	if s.hasResult {
		s.resultSize = value.Size(s.result, 0)
	}
	jsonataState := src.QueryLanguage == qlJSONata || src.QueryLanguage == "" && m.def.QueryLanguage == qlJSONata
	if !jsonataState {
		s.assign = tmpl("Assign", assignValue(src.Assign), src.Assign != nil)
	}

	switch s.kind {
	case kindTask:
		s.resource = src.Resource
		switch {
		case strings.HasPrefix(src.Resource, "arn:aws:lambda:"):
			s.taskEvents = taskEventsLambda
		case strings.Contains(src.Resource, ":activity:"):
			s.taskEvents = taskEventsActivity
		}
		if src.TimeoutSeconds != nil {
			s.timeout = time.Duration(*src.TimeoutSeconds) * time.Second
		}
		s.timeoutPath = refPath("TimeoutSecondsPath", src.TimeoutSecondsPath)
		if src.HeartbeatSeconds != nil {
			s.heartbeat = time.Duration(*src.HeartbeatSeconds) * time.Second
		}
		s.heartbeatPath = refPath("HeartbeatSecondsPath", src.HeartbeatSecondsPath)
	case kindChoice:
		for _, r := range src.Choices {
			if jsonataState {
				s.choices = append(s.choices, &rule{src: r, next: r.Next, nextState: target(r.Next)})
				continue
			}
			c, e := compileRule(r)
			if e != nil && err == nil {
				err = e
			}
			if c != nil {
				c.nextState = target(r.Next)
				s.choices = append(s.choices, c)
			}
		}
		s.defaultNext = target(src.Default)
	case kindWait:
		if src.Seconds != nil {
			s.seconds, s.hasSeconds = *src.Seconds, true
		}
		s.secondsPath = refPath("SecondsPath", src.SecondsPath)
		if src.Timestamp != "" && !(jsonataState && src.Timestamp[0] == '{') {
			t, ok := parseTimestamp(src.Timestamp)
			if !ok && err == nil {
				err = fmt.Errorf("%s/Timestamp: %q is not an RFC 3339 timestamp", ptr, src.Timestamp)
			}
			s.timestamp, s.hasTimestamp = t, true
		}
		s.timestampPath = refPath("TimestampPath", src.TimestampPath)
	case kindFail:
		s.errorName, s.cause = src.Error, src.Cause
		s.errorPath, s.errorCall = m.pathOrCall(src.ErrorPath, ptr+"/ErrorPath", &err)
		s.causeP, s.causeCa = m.pathOrCall(src.CausePath, ptr+"/CausePath", &err)
	case kindParallel:
		for i, b := range src.Branches {
			bg, e := m.compileGraph(b, fmt.Sprintf("%s%s/%d", keyPrefix(key), s.name, i))
			if e != nil {
				return e
			}
			s.branches = append(s.branches, bg)
		}
	case kindMap:
		if src.ItemProcessor != nil {
			pg, e := m.compileGraph(src.ItemProcessor, keyPrefix(key)+s.name+"/map")
			if e != nil {
				return e
			}
			s.processor = pg
		}
		if src.ItemsPath.Set && !src.ItemsPath.Null {
			s.itemsPath = refPath("ItemsPath", src.ItemsPath.Value)
		}
		sel := src.ItemSelector
		present := src.HasItemSelector
		if !present && src.HasParameters {
			sel, present = src.Parameters, true // legacy Parameters on Map
		}
		s.itemSelector = tmpl("ItemSelector", sel, present)
		if src.MaxConcurrency != nil {
			s.maxConc = *src.MaxConcurrency
		}
		s.maxConcPath = refPath("MaxConcurrencyPath", src.MaxConcurrencyPath)
		if src.ToleratedFailureCount != nil {
			s.tolCount, s.hasTolerance = *src.ToleratedFailureCount, true
		}
		if src.ToleratedFailurePercentage != nil {
			s.tolPercent, s.hasTolerance = *src.ToleratedFailurePercentage, true
		}
		s.tolCountPath = refPath("ToleratedFailureCountPath", src.ToleratedFailureCountPath)
		s.tolPercentPath = refPath("ToleratedFailurePercentagePath", src.ToleratedFailurePercentagePath)
		if s.tolCountPath != nil || s.tolPercentPath != nil {
			s.hasTolerance = true
		}
	}
	s.mayGrow = s.kind == kindTask || s.kind == kindParallel || s.kind == kindMap || s.hasResult ||
		s.params != nil || s.resultSel != nil || (s.resultPath != nil && !s.resultPath.IsIdentity())
	s.selectsOnly = selectsFromInput(s.inputPath) && selectsFromInput(s.outputPath)
	if s.kind == kindTask || s.kind == kindParallel || s.kind == kindMap {
		s.retry = src.Retry
		for _, c := range src.Catch {
			cc := &catcher{src: c, next: target(c.Next)}
			if c.ResultPath.Set {
				cc.resultNull = c.ResultPath.Null
				cc.resultPath = refPath("Catch/ResultPath", c.ResultPath.Value)
			}
			if c.Assign != nil && !jsonataState {
				cc.assign = tmpl("Catch/Assign", assignValue(c.Assign), true)
			}
			s.catch = append(s.catch, cc)
		}
	}
	if jsonataState && err == nil {
		err = m.compileJSONata(s, src)
		s.mayGrow = true
		s.selectsOnly = false
	}
	return err
}

func keyPrefix(key string) string {
	if key == "" {
		return ""
	}
	return key + "/"
}

func assignValue(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func (m *Machine) pathOrCall(v, ptr string, err *error) (*jsonpath.Path, *intrinsic.Call) {
	if v == "" || *err != nil {
		return nil, nil
	}
	if strings.HasPrefix(v, "$") {
		p, e := jsonpath.Parse(v)
		if e != nil {
			*err = fmt.Errorf("%s: %v", ptr, e)
		}
		return p, nil
	}
	c, e := intrinsic.Parse(v)
	if e != nil {
		*err = fmt.Errorf("%s: %v", ptr, e)
	}
	return nil, c
}
