package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// RuleTarget is a workflow a rule starts for each event it matches, with
// the input it gets: the event (nothing set), Input (a constant JSON
// text), InputPath (a part of the event: $.detail) or InputTemplate filled
// with InputPathsMap's values (EventBridge's input transformer).
type RuleTarget struct {
	ID               string            `json:"id"`
	Workflow         string            `json:"workflow"` // a name in the namespace, or an ARN; answers give the ARN
	Input            string            `json:"input,omitempty"`
	InputPath        string            `json:"inputPath,omitempty"`
	InputPathsMap    map[string]string `json:"inputPathsMap,omitempty"`
	InputTemplate    string            `json:"inputTemplate,omitempty"`
	MaxRetryAttempts *int              `json:"maxRetryAttempts,omitempty"`
	MaxEventAge      *int              `json:"maxEventAgeSeconds,omitempty"`
}

// Rule is an EventBridge rule of a bus: an event pattern and/or a
// schedule, and its targets.
type Rule struct {
	Name               string       `json:"name"`
	Arn                string       `json:"arn,omitempty"`
	Bus                string       `json:"bus,omitempty"` // "" is default
	EventPattern       string       `json:"eventPattern,omitempty"`
	ScheduleExpression string       `json:"scheduleExpression,omitempty"`
	State              string       `json:"state,omitempty"` // ENABLED (default) or DISABLED
	Description        string       `json:"description,omitempty"`
	Targets            []RuleTarget `json:"targets,omitempty"`
}

// PutRule creates or replaces a rule and puts its targets (replacing those
// of the same ID); it returns the rule as stored.
func (c *Client) PutRule(ctx context.Context, r *Rule) (*Rule, error) {
	var out Rule
	if _, err := c.call(ctx, "POST", "/rules", nil, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func busQuery(bus string) url.Values {
	if bus == "" {
		return nil
	}
	return url.Values{"bus": {bus}}
}

func rulePath(name string, rest string) string { return "/rules/" + url.PathEscape(name) + rest }

// GetRule returns a rule with its targets.
func (c *Client) GetRule(ctx context.Context, bus, name string) (*Rule, error) {
	var out Rule
	if _, err := c.call(ctx, "GET", rulePath(name, ""), busQuery(bus), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListRules lists a bus's rules named with prefix, one page (limit 0: the
// server's default) after next; it returns the next page's token.
func (c *Client) ListRules(ctx context.Context, bus, prefix string, limit int, next string) ([]Rule, string, error) {
	q := url.Values{}
	for k, v := range map[string]string{"bus": bus, "prefix": prefix, "next": next} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Rules []Rule `json:"rules"`
		Next  string `json:"next"`
	}
	if _, err := c.call(ctx, "GET", "/rules", q, nil, &out); err != nil {
		return nil, "", err
	}
	return out.Rules, out.Next, nil
}

// DeleteRule deletes a rule; one with targets only with force.
func (c *Client) DeleteRule(ctx context.Context, bus, name string, force bool) error {
	q := busQuery(bus)
	if force {
		if q == nil {
			q = url.Values{}
		}
		q.Set("force", "true")
	}
	_, err := c.call(ctx, "DELETE", rulePath(name, ""), q, nil, nil)
	return err
}

// SetRuleEnabled enables or disables a rule and returns it.
func (c *Client) SetRuleEnabled(ctx context.Context, bus, name string, enabled bool) (*Rule, error) {
	op := "/disable"
	if enabled {
		op = "/enable"
	}
	var out Rule
	if _, err := c.call(ctx, "POST", rulePath(name, op), busQuery(bus), struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Event is a custom event to put on a bus.
type Event struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detailType"`
	Detail     json.RawMessage `json:"detail"` // a JSON object
	Bus        string          `json:"bus,omitempty"`
	Resources  []string        `json:"resources,omitempty"`
	Time       *Time           `json:"time,omitempty"`
}

// PutEventResult is what became of one event: its id, or why it was refused.
type PutEventResult struct {
	EventID      string `json:"eventId,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// PutEvents puts up to 10 events on their buses; the results are in the
// order of evs.
func (c *Client) PutEvents(ctx context.Context, evs []Event) ([]PutEventResult, error) {
	var out struct {
		Entries []PutEventResult `json:"entries"`
	}
	if _, err := c.call(ctx, "POST", "/events", nil, map[string]any{"entries": evs}, &out); err != nil {
		return nil, err
	}
	return out.Entries, nil
}
