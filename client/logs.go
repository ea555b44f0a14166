package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// LogChunk is a piece of what the command of one task attempt wrote.
type LogChunk struct {
	Seq     int64  `json:"seq"`     // position in the execution's logs: read on after it
	Step    string `json:"step"`    // the Task state (pipeline step)
	TaskID  string `json:"taskId"`  // the attempt's task id
	Attempt int    `json:"attempt"` // 1 for the first run, 2 for the first retry...
	Stream  string `json:"stream"`  // "stdout" or "stderr"
	Time    Time   `json:"time"`
	Text    string `json:"text"`
	// Cut is the number of bytes of the attempt's output cut before this
	// chunk (the server's --max-task-log-bytes); Text then begins with
	// "[... N bytes cut ...]".
	Cut int64 `json:"cut,omitempty"`
}

// LogsOptions select the logs to read.
type LogsOptions struct {
	Step    string // only this state's (step's) tasks; "" for all
	Attempt int    // only this attempt (1, 2, ...); 0 for all
	Offset  int64  // only what came after this offset (a LogsPage's Offset); 0 for the start
	Limit   int    // chunks per request (0: the server's default, 1000)
}

// LogsPage is a page of an execution's task logs.
type LogsPage struct {
	Chunks []LogChunk `json:"chunks"`
	// Offset is where the next read goes on (LogsOptions.Offset).
	Offset int64 `json:"offset"`
	// ExecutionStatus is the execution's status read before the logs:
	// once it is not RUNNING, a page with fewer chunks than asked is the end.
	ExecutionStatus string `json:"executionStatus"`
}

func (o LogsOptions) query() url.Values {
	q := url.Values{}
	if o.Step != "" {
		q.Set("step", o.Step)
	}
	if o.Attempt != 0 {
		q.Set("attempt", strconv.Itoa(o.Attempt))
	}
	if o.Offset != 0 {
		q.Set("offset", strconv.FormatInt(o.Offset, 10))
	}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}

// ExecutionLogs reads a page of the task logs of an execution: what the
// commands of its tasks wrote on stdout and stderr, in the order they
// wrote it.
func (c *Client) ExecutionLogs(ctx context.Context, arn string, opts LogsOptions) (*LogsPage, error) {
	var out LogsPage
	if _, err := c.call(ctx, "GET", executionPath(arn, "/logs"), opts.query(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FollowLogs calls fn for every chunk of an execution's task logs from
// opts.Offset, as the commands write them, until the execution has ended
// and all of its output was given; it returns the execution's final status.
// A dropped connection is resumed where it stopped; fn's error ends the
// follow and is returned.
func (c *Client) FollowLogs(ctx context.Context, arn string, opts LogsOptions, fn func(LogChunk) error) (string, error) {
	last := opts.Offset
	status := ""
	err := resume(ctx, func() (bool, error) {
		opts.Offset = last
		q := opts.query()
		q.Set("follow", "true")
		got := false
		err := c.stream(ctx, executionPath(arn, "/logs"), q, "", func(ev sseEvent) error {
			got = true
			switch ev.name {
			case "log":
				var ch LogChunk
				if err := json.Unmarshal(ev.data, &ch); err != nil {
					return fmt.Errorf("decoding a log chunk: %w", err)
				}
				if ch.Seq <= last {
					return nil // seen before a reconnection
				}
				if err := fn(ch); err != nil {
					return err
				}
				last = ch.Seq
			case "done":
				var end struct {
					ExecutionStatus string `json:"executionStatus"`
				}
				if err := json.Unmarshal(ev.data, &end); err != nil {
					return fmt.Errorf("decoding the end of the log stream: %w", err)
				}
				status = end.ExecutionStatus
				return errStreamEnded
			}
			return nil
		})
		if status != "" {
			return got, nil
		}
		return got, err
	})
	return status, err
}

// TaskLogText is a piece of a task command's output, for SendTaskLogs.
type TaskLogText struct {
	Stream string `json:"stream"` // "stdout" or "stderr"
	Text   string `json:"text"`
}

// SendTaskLogs adds output of an activity task's command to the task's log
// on the server (baton logs shows it), for a worker that runs the command.
// At most 1 MiB of text per call.
func (c *Client) SendTaskLogs(ctx context.Context, taskToken string, chunks []TaskLogText) error {
	in := struct {
		TaskToken string        `json:"taskToken"`
		Chunks    []TaskLogText `json:"chunks"`
	}{taskToken, chunks}
	_, err := c.call(ctx, "POST", "/tasks/logs", nil, in, nil)
	return err
}
