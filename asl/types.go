package asl

// This file holds the syntax tree of an Amazon States Language definition, as
// Parse produces it. It is faithful to the source: raw strings and JSON values,
// with the JSON pointer of every state and rule so that errors can point at
// them. The interpreter compiles it further (see Compile).

// Definition is a state machine: the top-level document, a Parallel branch or a
// Map's ItemProcessor.
type Definition struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	StateOrder     []string // state names in source order
	TimeoutSeconds *int64   // top level only
	Version        string
	QueryLanguage  string // "JSONPath" (default) or "JSONata"
	Pointer        string // JSON pointer of this object ("" for the top level)

	// Source maps JSON pointers to source positions. Only set on the top-level
	// definition; nested definitions share it.
	Source *SourceMap
}

// OptPath is a path field that can be absent (default "$"), a string, or JSON
// null (which discards: input becomes {}, the result is dropped, output is {}).
type OptPath struct {
	Set   bool   // the field is present
	Null  bool   // present with value null
	Value string // the path when present and not null
}

// State is one state of any type; fields that do not belong to its type are
// zero (validation rejects them in the source).
type State struct {
	Name          string
	Type          string // Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map
	Pointer       string // JSON pointer of the state object
	Comment       string
	QueryLanguage string // per-state override, "" when absent

	Next string
	End  bool

	// Input and output processing (JSONPath).
	InputPath      OptPath
	OutputPath     OptPath
	ResultPath     OptPath
	Parameters     any // payload template; HasParameters tells presence
	HasParameters  bool
	ResultSelector any
	HasResultSel   bool
	Result         any // Pass
	HasResult      bool
	Assign         map[string]any // nil when absent

	// JSONata fields.
	Arguments    any
	HasArguments bool
	Output       any
	HasOutput    bool

	// Task.
	Resource             string
	TimeoutSeconds       *int64
	TimeoutSecondsPath   string
	TimeoutSecondsExpr   string // JSONata string
	HeartbeatSeconds     *int64
	HeartbeatSecondsExpr string
	HeartbeatSecondsPath string
	Credentials          any
	Retry                []*Retrier
	Catch                []*Catcher

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Wait.
	Seconds       *int64
	SecondsExpr   string // JSONata string
	SecondsPath   string
	Timestamp     string
	TimestampPath string

	// Fail.
	Error     string
	ErrorPath string
	Cause     string
	CausePath string

	// Parallel.
	Branches []*Definition

	// Map.
	ItemProcessor                  *Definition // ItemProcessor, or the legacy Iterator
	ProcessorMode                  string      // ItemProcessor.ProcessorConfig.Mode: INLINE (default) or DISTRIBUTED
	ProcessorExecutionType         string      // ProcessorConfig.ExecutionType (DISTRIBUTED only)
	ItemsPath                      OptPath
	ItemSelector                   any // ItemSelector, or the legacy Parameters (then LegacyParameters is true)
	HasItemSelector                bool
	LegacyParameters               bool
	MaxConcurrency                 *int64
	MaxConcurrencyPath             string
	MaxConcurrencyExpr             string // JSONata string
	ToleratedFailureCount          *int64
	ToleratedFailureCountPath      string
	ToleratedFailureCountExpr      string
	ToleratedFailurePercentage     *float64
	ToleratedFailurePercentagePath string
	ToleratedFailurePercentageExpr string
	ItemReader                     any // DISTRIBUTED only (out of scope here)
	ItemBatcher                    any
	ResultWriter                   any
	Label                          string
	Items                          any // JSONata: an array or a JSONata string
	HasItems                       bool
}

// Retrier is one element of a state's Retry array.
type Retrier struct {
	Pointer         string
	ErrorEquals     []string
	IntervalSeconds *int64   // default 1
	MaxAttempts     *int64   // default 3; 0 means never retry
	BackoffRate     *float64 // default 2.0
	MaxDelaySeconds *int64   // absent: no cap
	JitterStrategy  string   // "FULL" or "NONE" (default)
	Comment         string
}

// Catcher is one element of a state's Catch array.
type Catcher struct {
	Pointer     string
	ErrorEquals []string
	Next        string
	ResultPath  OptPath
	Assign      map[string]any
	Output      any // JSONata
	HasOutput   bool
	Comment     string
}

// ChoiceRule is a Choice state's rule: a top-level rule (with Next) or a
// nested one inside And, Or or Not.
type ChoiceRule struct {
	Pointer  string
	Variable string // path; empty for And/Or/Not
	Operator string // comparison operator name, e.g. "StringEquals", "NumericLessThanPath", "IsPresent"; "And", "Or", "Not" for boolean rules
	Value    any    // the operator's operand as in the source (a path string for *Path operators)
	And      []*ChoiceRule
	Or       []*ChoiceRule
	Not      *ChoiceRule
	Next     string // top-level rules only
	Assign   map[string]any
	Comment  string

	Condition any // JSONata
	Output    any // JSONata: the state output when this rule is chosen
	HasOutput bool
}

// Pos is a position in a source file; Line and Col start at 1.
type Pos struct {
	Line, Col int
}

// SourceMap maps JSON pointers ("/States/Foo/Next") to where their value starts
// in the source. Pointers of object keys that are missing map to their parent.
type SourceMap struct {
	pos map[string]Pos
	// tree, when set, answers Lookup by following the pointer down the
	// source tree instead of pos: a document read with ReadDocument keeps
	// its positions on its nodes, so that no pointer is built for a value
	// that no diagnostic names (see treeLookup).
	tree *srcNode
}

// NewSourceMap returns an empty source map.
func NewSourceMap() *SourceMap { return &SourceMap{pos: map[string]Pos{}} }

// Add records the position of the value at pointer.
func (m *SourceMap) Add(pointer string, p Pos) { m.pos[pointer] = p }

// Lookup returns the position of pointer, or of its nearest ancestor that has
// one.
func (m *SourceMap) Lookup(pointer string) Pos {
	if m == nil {
		return Pos{}
	}
	if m.tree != nil {
		n, _ := resolvePointer(m.tree, pointer)
		return n.pos
	}
	for {
		if p, ok := m.pos[pointer]; ok {
			return p
		}
		if pointer == "" {
			return Pos{}
		}
		i := len(pointer) - 1
		for i > 0 && pointer[i] != '/' {
			i--
		}
		pointer = pointer[:i]
	}
}
