package client

import (
	"context"
	"time"
)

// NotificationSettings say whom a workflow's runs are told to, and of
// what (see docs/notifications.md).
type NotificationSettings struct {
	Type    string               `json:"type"` // FULL_EXECUTION, PIPELINE or FAILURES
	Targets []NotificationTarget `json:"targets"`
}

// NotificationTarget is a channel with its addresses.
type NotificationTarget struct {
	Channel    string                `json:"channel"` // SLACK, EMAIL, WEBHOOK or OPSGENIE
	Addresses  []string              `json:"addresses"`
	Connection string                `json:"connection,omitempty"`
	Template   *NotificationTemplate `json:"template,omitempty"`
}

// NotificationTemplate overrides a target's message (Go templates).
type NotificationTemplate struct {
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
}

// WorkflowNotifications is a workflow's settings and where they are set:
// "pipeline.yaml", "api", or "" (none).
type WorkflowNotifications struct {
	StateMachineArn string                `json:"stateMachineArn"`
	Source          string                `json:"source"`
	Settings        *NotificationSettings `json:"settings"`
}

// Notifications returns a workflow's notification settings.
func (c *Client) Notifications(ctx context.Context, workflow string) (*WorkflowNotifications, error) {
	var out WorkflowNotifications
	_, err := c.call(ctx, "GET", workflowPath(workflow, "/notifications"), nil, nil, &out)
	return &out, err
}

// SetNotifications sets the notification settings of a workflow that is
// not a pipeline (a pipeline's are in its pipeline.yaml).
func (c *Client) SetNotifications(ctx context.Context, workflow string, s *NotificationSettings) (*WorkflowNotifications, error) {
	var out WorkflowNotifications
	_, err := c.call(ctx, "PUT", workflowPath(workflow, "/notifications"), nil, s, &out)
	return &out, err
}

// DeleteNotifications removes them.
func (c *Client) DeleteNotifications(ctx context.Context, workflow string) error {
	_, err := c.call(ctx, "DELETE", workflowPath(workflow, "/notifications"), nil, nil, nil)
	return err
}

// FailedNotification is a notification that could not be delivered.
type FailedNotification struct {
	Notification struct {
		ID        string    `json:"id"`
		Channel   string    `json:"channel"`
		Addresses []string  `json:"addresses"`
		Kind      string    `json:"kind"`
		Workflow  string    `json:"workflow"`
		Run       string    `json:"run"`
		Title     string    `json:"title"`
		Time      time.Time `json:"time"`
	} `json:"notification"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	Failed   time.Time `json:"failed"`
}

// FailedNotifications lists the namespace's notifications that could not
// be delivered, oldest first.
func (c *Client) FailedNotifications(ctx context.Context) ([]FailedNotification, error) {
	var out struct {
		Failed []FailedNotification `json:"failed"`
	}
	_, err := c.call(ctx, "GET", "/notifications/failed", nil, nil, &out)
	return out.Failed, err
}

// RetryNotifications queues failed notifications again (all of the
// namespace's when ids is empty) and returns how many.
func (c *Client) RetryNotifications(ctx context.Context, ids []string) (int, error) {
	var out struct {
		Retried int `json:"retried"`
	}
	_, err := c.call(ctx, "POST", "/notifications/failed/retry", nil, map[string]any{"ids": ids}, &out)
	return out.Retried, err
}

// NotificationTestResult says whether a test message reached an address.
type NotificationTestResult struct {
	Address   string `json:"address"`
	Delivered bool   `json:"delivered"`
	Error     string `json:"error,omitempty"`
}

// TestNotification sends a test message to a target now.
func (c *Client) TestNotification(ctx context.Context, t NotificationTarget) ([]NotificationTestResult, error) {
	var out struct {
		Results []NotificationTestResult `json:"results"`
	}
	_, err := c.call(ctx, "POST", "/notifications/test", nil, t, &out)
	return out.Results, err
}

// NotificationStatus is the server's delivery of notifications: how many
// wait, which destinations fail and since when, how many were given up.
type NotificationStatus struct {
	Queued  int `json:"queued"`
	Failed  int `json:"failed"`
	Failing []struct {
		Destination string    `json:"destination"`
		Since       time.Time `json:"since"`
		Error       string    `json:"error"`
		Queued      int       `json:"queued"`
	} `json:"failing"`
	// Unreached are the nodes of a cluster that did not say which of
	// their destinations fail, with why: Failing lacks theirs.
	Unreached []string `json:"unreached,omitempty"`
}

// NotificationStatus returns it.
func (c *Client) NotificationStatus(ctx context.Context) (*NotificationStatus, error) {
	var out NotificationStatus
	_, err := c.call(ctx, "GET", "/notifications/status", nil, nil, &out)
	return &out, err
}
