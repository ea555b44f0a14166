package workflow

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/value"
)

// HistoryEvent is one event of an execution's history, with Step Functions'
// event types (ExecutionStarted, PassStateEntered, TaskScheduled, ...). Only
// the detail fields that belong to Type are set; MarshalJSON renders the
// event exactly in the shape of GetExecutionHistory.
type HistoryEvent struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string

	Name      string // state name (state events), Map state name (iteration events)
	Input     any
	Output    any
	HasInput  bool
	HasOutput bool
	Length    int // MapStateStarted
	Index     int // MapIteration*
	Error     string
	Cause     string
	Assigned  map[string]any // StateExited: variables assigned by the state
	Redrives  int            // ExecutionRedriven: redriveCount

	// Task holds the details of task, Lambda and activity events, and the
	// role of ExecutionStarted; nil elsewhere, which keeps the common event
	// small.
	Task *TaskDetails
}

// IsTransition reports whether the event counts as a state transition (a
// state, or a pipeline step, entered): the figure of Baton's transition
// metrics and of Step Functions' quotas.
func (e *HistoryEvent) IsTransition() bool { return strings.HasSuffix(e.Type, "StateEntered") }

// TaskDetails are the details of Task*, LambdaFunction* and Activity* events.
type TaskDetails struct {
	Resource         string
	ResourceType     string
	Region           string
	Parameters       any
	TimeoutSeconds   int64
	HeartbeatSeconds int64
	WorkerName       string
	RoleArn          string
}

// detailsKey returns the JSON field that holds the event's details, as in
// Step Functions ("taskScheduledEventDetails"), or "" when the type has none.
func detailsKey(t string) string {
	switch {
	case strings.HasSuffix(t, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(t, "StateExited"):
		return "stateExitedEventDetails"
	}
	switch t {
	case "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateAborted",
		"MapStateSucceeded", "MapStateFailed", "MapStateAborted", "LambdaFunctionStarted", "WaitStateAborted":
		return ""
	}
	return lowerFirst(t) + "EventDetails"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// MarshalJSON renders the event as Step Functions' GetExecutionHistory does.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, `{"timestamp":`...)
	b = strconv.AppendQuote(b, e.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	b = append(b, `,"type":`...)
	b = strconv.AppendQuote(b, e.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"previousEventId":`...)
	b = strconv.AppendInt(b, e.PreviousEventID, 10)
	if key := detailsKey(e.Type); key != "" {
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":{`...)
		first := true
		field := func(name string) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = strconv.AppendQuote(b, name)
			b = append(b, ':')
		}
		str := func(name, v string) {
			if v != "" {
				field(name)
				b = strconv.AppendQuote(b, v)
			}
		}
		payload := func(name string, v any) {
			field(name)
			b = strconv.AppendQuote(b, string(value.Marshal(v)))
			field(name + "Details")
			b = append(b, `{"truncated":false}`...)
		}
		t := e.Task
		if t == nil {
			t = &TaskDetails{}
		}
		str("resourceType", t.ResourceType)
		str("resource", t.Resource)
		str("region", t.Region)
		str("name", e.Name)
		if strings.HasPrefix(e.Type, "MapIteration") {
			field("index")
			b = strconv.AppendInt(b, int64(e.Index), 10)
		}
		if e.Type == "ExecutionRedriven" {
			field("redriveCount")
			b = strconv.AppendInt(b, int64(e.Redrives), 10)
		}
		if e.Type == "MapStateStarted" {
			field("length")
			b = strconv.AppendInt(b, int64(e.Length), 10)
		}
		if e.HasInput {
			payload("input", e.Input)
		}
		if t.Parameters != nil {
			field("parameters")
			b = strconv.AppendQuote(b, string(value.Marshal(t.Parameters)))
		}
		if t.TimeoutSeconds > 0 {
			field("timeoutInSeconds")
			b = strconv.AppendInt(b, t.TimeoutSeconds, 10)
		}
		if t.HeartbeatSeconds > 0 {
			field("heartbeatInSeconds")
			b = strconv.AppendInt(b, t.HeartbeatSeconds, 10)
		}
		if e.HasOutput {
			payload("output", e.Output)
		}
		str("error", e.Error)
		str("cause", e.Cause)
		str("workerName", t.WorkerName)
		str("roleArn", t.RoleArn)
		if len(e.Assigned) > 0 {
			field("assignedVariables")
			b = append(b, '{')
			for i, k := range slices.Sorted(maps.Keys(e.Assigned)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendQuote(b, k)
				b = append(b, ':')
				b = strconv.AppendQuote(b, string(value.Marshal(e.Assigned[k])))
			}
			b = append(b, `},"assignedVariablesDetails":{"truncated":false}`...)
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	return b, nil
}
