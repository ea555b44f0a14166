package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// TriggerExplanation says what starts a workflow and what its triggers
// wait for ("why didn't it run?").
type TriggerExplanation struct {
	StateMachineArn string                `json:"stateMachineArn"`
	Workflow        string                `json:"workflow"`
	Namespace       string                `json:"namespace"`
	Schedules       []ScheduleState       `json:"schedules,omitempty"`
	Executions      *UpstreamTriggerState `json:"executions,omitempty"`
	EventPattern    map[string]any        `json:"eventPattern,omitempty"`
	Data            []DataTriggerState    `json:"data,omitempty"`
	Paused          bool                  `json:"paused,omitempty"`
	Summary         []string              `json:"summary"`
}

// DataTriggerState is one watched location of a data trigger: the objects
// that arrived and wait for their batch, and its listings.
type DataTriggerState struct {
	Path        string     `json:"path"`
	BatchSize   int        `json:"batchSize"`
	BatchWindow string     `json:"batchWindow,omitempty"`
	Waiting     int        `json:"waiting"`
	WaitingURLs []string   `json:"waitingUrls,omitempty"`
	StartsBy    *time.Time `json:"startsBy,omitempty"`
	HighWater   *time.Time `json:"highWaterMark,omitempty"`
	LastListed  *time.Time `json:"lastListed,omitempty"`
	NextListing *time.Time `json:"nextListing,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// ScheduleState is one schedule of a workflow: its last slot dealt with,
// the slots waiting for a running run to end, and its next fire times.
type ScheduleState struct {
	Expression string      `json:"expression"`
	Timezone   string      `json:"timezone"`
	Overlap    string      `json:"overlap"`
	Catchup    string      `json:"catchup"`
	LastSlot   *time.Time  `json:"lastSlot,omitempty"`
	Buffered   []time.Time `json:"buffered,omitempty"`
	Next       []time.Time `json:"next"`
}

// UpstreamTriggerState is an upstream-outcome trigger: whether it is met
// and, by condition, the outcomes that meet it or what it waits for.
type UpstreamTriggerState struct {
	Operator   string              `json:"operator"`
	Match      string              `json:"match"`
	Window     string              `json:"window"`
	Met        bool                `json:"met"`
	Conditions []UpstreamCondition `json:"conditions"`
}

// UpstreamCondition is one condition of an upstream-outcome trigger.
type UpstreamCondition struct {
	Block     string            `json:"block"`
	Workflow  string            `json:"workflow"`
	Namespace string            `json:"namespace"`
	Statuses  []string          `json:"statuses"`
	Met       bool              `json:"met"`
	Outcomes  []UpstreamOutcome `json:"outcomes,omitempty"`
	Waiting   string            `json:"waiting,omitempty"`
}

// UpstreamOutcome is an upstream run's outcome not consumed yet.
type UpstreamOutcome struct {
	ExecutionArn string    `json:"executionArn"`
	Status       string    `json:"status"`
	Time         time.Time `json:"time"`
	LogicalDate  string    `json:"logicalDate,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// ExplainTriggers explains the triggers of a workflow (by name or ARN).
func (c *Client) ExplainTriggers(ctx context.Context, workflow string) (*TriggerExplanation, error) {
	var out TriggerExplanation
	if _, err := c.call(ctx, "GET", workflowPath(workflow, "/triggers"), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PauseSchedules pauses (paused true) or resumes a workflow's schedules.
// While paused, its slots are skipped; resuming does not run them.
func (c *Client) PauseSchedules(ctx context.Context, workflow string, paused bool) error {
	verb := "/schedules/resume"
	if paused {
		verb = "/schedules/pause"
	}
	_, err := c.call(ctx, "POST", workflowPath(workflow, verb), nil, nil, nil)
	return err
}

// BusEvent is an event read from a namespace's buses.
type BusEvent struct {
	Seq   int64           `json:"seq"`
	Bus   string          `json:"bus"`
	Event json.RawMessage `json:"event"`
}

// BusPage is a page of ReadBus; Next is where to read on from.
type BusPage struct {
	Events []BusEvent `json:"events"`
	Next   int64      `json:"next"`
}

// ReadBus reads the events of the client's namespace's buses after a
// position: 0 for the oldest kept, -1 for none (the page's Next is then the
// latest position, to follow from).
func (c *Client) ReadBus(ctx context.Context, after int64, limit int) (*BusPage, error) {
	q := url.Values{}
	q.Set("after", strconv.FormatInt(after, 10))
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out BusPage
	if _, err := c.call(ctx, "GET", "/bus/events", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
