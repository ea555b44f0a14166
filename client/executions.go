package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Execution statuses.
const (
	StatusRunning        = "RUNNING"
	StatusSucceeded      = "SUCCEEDED"
	StatusFailed         = "FAILED"
	StatusTimedOut       = "TIMED_OUT"
	StatusAborted        = "ABORTED"
	StatusPendingRedrive = "PENDING_REDRIVE"
)

// Done tells whether an execution status is final.
func Done(status string) bool {
	switch status {
	case StatusSucceeded, StatusFailed, StatusTimedOut, StatusAborted:
		return true
	}
	return false
}

// StartExecutionInput is a request to start an execution.
type StartExecutionInput struct {
	// Name is the execution's name, unique per workflow; default a UUID.
	Name string `json:"name,omitempty"`
	// Input is the execution input: any value json.Marshal accepts
	// (json.RawMessage for JSON text); nil means {}.
	Input       any    `json:"input,omitempty"`
	TraceHeader string `json:"traceHeader,omitempty"`
	// LogicalDate is a pipeline run's $run.logical_date (a backfill's
	// day): an RFC 3339 time or a day (2026-11-21); "" for its start.
	LogicalDate string `json:"logicalDate,omitempty"`
	// DataIntervalStart begins the run's data interval (with LogicalDate).
	DataIntervalStart string `json:"dataIntervalStart,omitempty"`
	// Backfill marks a schedule's slot started by hand: $run.trigger is
	// {"type": "backfill"} and $run.scheduled_time its LogicalDate.
	Backfill bool `json:"backfill,omitempty"`
}

// StartExecutionOutput identifies a started execution.
type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    Time   `json:"startDate"`
}

// StartExecution starts an execution of a workflow: "NAME", a version
// "NAME:VERSION", an alias "NAME:ALIAS", or a state machine ARN.
//
//	out, err := c.StartExecution(ctx, "etl", client.StartExecutionInput{Input: map[string]any{"day": "2026-11-21"}})
func (c *Client) StartExecution(ctx context.Context, workflow string, in StartExecutionInput) (*StartExecutionOutput, error) {
	var out StartExecutionOutput
	if _, err := c.call(ctx, "POST", workflowPath(workflow, "/executions"), nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Execution describes an execution.
type Execution struct {
	ExecutionArn           string          `json:"executionArn"`
	StateMachineArn        string          `json:"stateMachineArn"`
	Name                   string          `json:"name,omitempty"`
	Status                 string          `json:"status"`
	StartDate              Time            `json:"startDate"`
	StopDate               Time            `json:"stopDate,omitzero"`
	Input                  json.RawMessage `json:"input,omitempty"`
	Output                 json.RawMessage `json:"output,omitempty"` // when SUCCEEDED
	Error                  string          `json:"error,omitempty"`
	Cause                  string          `json:"cause,omitempty"`
	TraceHeader            string          `json:"traceHeader,omitempty"`
	StateMachineVersionArn string          `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string          `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int             `json:"redriveCount,omitempty"`
	RedriveDate            Time            `json:"redriveDate,omitzero"`
	RedriveStatus          string          `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string          `json:"redriveStatusReason,omitempty"`
}

// Done tells whether the execution has ended.
func (e *Execution) Done() bool { return Done(e.Status) }

// DescribeExecution describes an execution.
func (c *Client) DescribeExecution(ctx context.Context, arn string) (*Execution, error) {
	var out Execution
	if _, err := c.call(ctx, "GET", executionPath(arn), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// waitSlice is how long one request of WaitExecution waits on the server.
const waitSlice = 60 * time.Second

// WaitExecution waits until an execution ends and returns it. The server
// holds each request until the end or for a minute; ctx bounds the whole
// wait.
//
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
//	defer cancel()
//	ex, err := c.WaitExecution(ctx, arn)
func (c *Client) WaitExecution(ctx context.Context, arn string) (*Execution, error) {
	for {
		var out Execution
		q := url.Values{"wait": {waitSlice.String()}}
		status, err := c.call(ctx, "GET", executionPath(arn), q, nil, &out)
		if err != nil {
			return nil, err
		}
		if status != http.StatusAccepted || out.Done() {
			return &out, nil
		}
	}
}

// ListExecutionsInput narrows ListExecutions.
type ListExecutionsInput struct {
	Workflow  string // workflow name (or NAME:VERSION, NAME:ALIAS); "" for every workflow
	Status    string // one of the Status constants; "" for all
	Limit     int    // page size; 0: the server's default (100)
	NextToken string // from the previous page
}

// ExecutionSummary is an execution in a list.
type ExecutionSummary struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              Time   `json:"startDate"`
	StopDate               Time   `json:"stopDate,omitzero"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int    `json:"redriveCount,omitempty"`
}

// ExecutionPage is one page of executions, newest first.
type ExecutionPage struct {
	Executions []ExecutionSummary `json:"executions"`
	NextToken  string             `json:"nextToken,omitempty"`
}

// ListExecutions returns one page of executions, newest first.
func (c *Client) ListExecutions(ctx context.Context, in ListExecutionsInput) (*ExecutionPage, error) {
	q := pageQuery(in.Limit, in.NextToken)
	if in.Workflow != "" {
		q.Set("workflow", in.Workflow)
	}
	if in.Status != "" {
		q.Set("status", in.Status)
	}
	var out ExecutionPage
	if _, err := c.call(ctx, "GET", "/executions", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StopExecution aborts a running execution with an error name and cause
// (both optional) and returns when it stopped.
func (c *Client) StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	var out struct {
		StopDate Time `json:"stopDate"`
	}
	body := map[string]string{}
	if errName != "" {
		body["error"] = errName
	}
	if cause != "" {
		body["cause"] = cause
	}
	if _, err := c.call(ctx, "POST", executionPath(arn, "/stop"), nil, body, &out); err != nil {
		return time.Time{}, err
	}
	return out.StopDate.Time, nil
}

// RedriveExecution resumes a failed, timed-out or aborted execution from
// where it stopped and returns when it was redriven.
func (c *Client) RedriveExecution(ctx context.Context, arn string) (time.Time, error) {
	var out struct {
		RedriveDate Time `json:"redriveDate"`
	}
	if _, err := c.call(ctx, "POST", executionPath(arn, "/redrive"), nil, struct{}{}, &out); err != nil {
		return time.Time{}, err
	}
	return out.RedriveDate.Time, nil
}

// RetryOutput is a pipeline run retried from a step.
type RetryOutput struct {
	ExecutionArn string `json:"executionArn"`
	RedriveDate  Time   `json:"redriveDate"`
	RedriveCount int    `json:"redriveCount"`
}

// RetryExecution runs a step of an ended pipeline run, and everything
// downstream of it, again in the same execution.
func (c *Client) RetryExecution(ctx context.Context, arn, fromStep string) (*RetryOutput, error) {
	var out RetryOutput
	if _, err := c.call(ctx, "POST", executionPath(arn, "/retry"), nil, map[string]string{"from": fromStep}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// HistoryOptions choose how history is read.
type HistoryOptions struct {
	Reverse  bool // newest first
	NoData   bool // leave inputs and outputs out of the events
	PageSize int  // events per request; 0: the server's default (100)
}

// HistoryPage is one page of an execution's history.
type HistoryPage struct {
	Events    []HistoryEvent `json:"events"`
	NextToken string         `json:"nextToken,omitempty"`
}

// GetHistoryPage returns one page of an execution's history after the
// position of nextToken ("" for the first page).
func (c *Client) GetHistoryPage(ctx context.Context, arn string, opts HistoryOptions, nextToken string) (*HistoryPage, error) {
	q := pageQuery(opts.PageSize, nextToken)
	if opts.Reverse {
		q.Set("reverse", "true")
	}
	if opts.NoData {
		q.Set("data", "false")
	}
	var out HistoryPage
	if _, err := c.call(ctx, "GET", executionPath(arn, "/history"), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// History iterates over an execution's whole history, a page at a time.
// The iteration stops at the first error, which it yields.
//
//	for ev, err := range c.History(ctx, arn, client.HistoryOptions{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(ev.ID, ev.Type)
//	}
func (c *Client) History(ctx context.Context, arn string, opts HistoryOptions) iter.Seq2[HistoryEvent, error] {
	return func(yield func(HistoryEvent, error) bool) {
		next := ""
		for {
			page, err := c.GetHistoryPage(ctx, arn, opts, next)
			if err != nil {
				yield(HistoryEvent{}, err)
				return
			}
			for _, ev := range page.Events {
				if !yield(ev, nil) {
					return
				}
			}
			if next = page.NextToken; next == "" {
				return
			}
		}
	}
}

// HistoryEvent is one event of an execution's history, as Step Functions'
// GetExecutionHistory shows it.
type HistoryEvent struct {
	ID              int64
	PreviousEventID int64
	Type            string // e.g. "TaskStateEntered"
	Timestamp       Time
	// Details is the event's "...EventDetails" object (nil when it has
	// none), e.g. {"name": "Extract", "input": "{...}"} for a state entered.
	Details json.RawMessage
	// Raw is the whole event.
	Raw json.RawMessage
}

// UnmarshalJSON reads an event and keeps its raw JSON.
func (e *HistoryEvent) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*e = HistoryEvent{Raw: append(json.RawMessage(nil), b...)}
	for k, v := range m {
		var err error
		switch {
		case k == "id":
			err = json.Unmarshal(v, &e.ID)
		case k == "previousEventId":
			err = json.Unmarshal(v, &e.PreviousEventID)
		case k == "type":
			err = json.Unmarshal(v, &e.Type)
		case k == "timestamp":
			err = json.Unmarshal(v, &e.Timestamp)
		case len(k) > len("EventDetails") && k[len(k)-len("EventDetails"):] == "EventDetails":
			e.Details = v
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes the event as the server sent it.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) > 0 {
		return e.Raw, nil
	}
	return json.Marshal(map[string]any{"id": e.ID, "previousEventId": e.PreviousEventID, "type": e.Type, "timestamp": e.Timestamp})
}

// Detail returns a string member of the event's details ("name", "error",
// "cause", "resource", ...), or "".
func (e HistoryEvent) Detail(member string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(e.Details, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[member], &s) != nil {
		if raw, ok := m[member]; ok {
			return strconv.Quote(string(raw))
		}
		return ""
	}
	return s
}
