package client

import (
	"context"
	"encoding/json"
	"net/url"
)

// Activity is a queue of tasks for workers.
type Activity struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name,omitempty"`
	CreationDate Time   `json:"creationDate"`
}

// CreateActivity creates an activity, or returns the one of that name. Its
// ARN goes in the Resource of Task states: "arn:aws:states:...:activity:NAME".
func (c *Client) CreateActivity(ctx context.Context, name string) (*Activity, error) {
	var out Activity
	if _, err := c.call(ctx, "POST", "/activities", nil, map[string]string{"name": name}, &out); err != nil {
		return nil, err
	}
	if out.Name == "" {
		out.Name = name
	}
	return &out, nil
}

// ListActivities returns one page of activities, by name.
func (c *Client) ListActivities(ctx context.Context, limit int, nextToken string) ([]Activity, string, error) {
	var out struct {
		Activities []Activity `json:"activities"`
		NextToken  string     `json:"nextToken"`
	}
	if _, err := c.call(ctx, "GET", "/activities", pageQuery(limit, nextToken), nil, &out); err != nil {
		return nil, "", err
	}
	return out.Activities, out.NextToken, nil
}

// DeleteActivity deletes an activity (by name or ARN).
func (c *Client) DeleteActivity(ctx context.Context, name string) error {
	_, err := c.call(ctx, "DELETE", "/activities/"+url.PathEscape(name), nil, nil, nil)
	return err
}

// ActivityTask is a task handed to a worker.
type ActivityTask struct {
	// TaskToken identifies the task in SendTaskSuccess, SendTaskFailure and
	// SendTaskHeartbeat.
	TaskToken string          `json:"taskToken"`
	Input     json.RawMessage `json:"input"`
}

// PollActivity waits up to a minute for a task of the activity (by name or
// ARN) and hands it to this worker; it returns nil, nil when none came.
//
//	for ctx.Err() == nil {
//		task, err := c.PollActivity(ctx, "resize", "worker-1")
//		if err != nil || task == nil {
//			continue
//		}
//		_ = c.SendTaskSuccess(ctx, task.TaskToken, map[string]any{"ok": true})
//	}
func (c *Client) PollActivity(ctx context.Context, activity, workerName string) (*ActivityTask, error) {
	body := map[string]string{}
	if workerName != "" {
		body["workerName"] = workerName
	}
	var out ActivityTask
	if _, err := c.call(ctx, "POST", "/activities/"+url.PathEscape(activity)+"/poll", nil, body, &out); err != nil {
		return nil, err
	}
	if out.TaskToken == "" {
		return nil, nil
	}
	return &out, nil
}

// SendTaskSuccess reports a task's result: any value json.Marshal accepts
// (json.RawMessage for JSON text).
func (c *Client) SendTaskSuccess(ctx context.Context, taskToken string, output any) error {
	if output == nil {
		output = json.RawMessage("null")
	}
	_, err := c.call(ctx, "POST", "/tasks/success", nil, map[string]any{"taskToken": taskToken, "output": output}, nil)
	return err
}

// SendTaskFailure reports that a task failed with an error name and cause,
// which the state's Retry and Catch rules match.
func (c *Client) SendTaskFailure(ctx context.Context, taskToken, errName, cause string) error {
	_, err := c.call(ctx, "POST", "/tasks/failure", nil, map[string]string{"taskToken": taskToken, "error": errName, "cause": cause}, nil)
	return err
}

// SendTaskHeartbeat reports that a task is still being worked on; states
// with HeartbeatSeconds fail the task when heartbeats stop.
func (c *Client) SendTaskHeartbeat(ctx context.Context, taskToken string) error {
	_, err := c.call(ctx, "POST", "/tasks/heartbeat", nil, map[string]string{"taskToken": taskToken}, nil)
	return err
}
