package client

import (
	"context"
	"net/url"
	"strconv"
)

// GraphNode is a state or step of a workflow's graph, or a group: a
// Parallel's branch ("STATE#branch1", type Branch). Parent names the group
// a node is drawn in ("" at the top). The id of a state or step is the
// name its history events and ExecutionSteps use.
type GraphNode struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Type   string `json:"type"` // ASL state type; a pipeline step's type, or for_each
	Parent string `json:"parent"`
}

// GraphEdge joins two nodes; Kind is next, choice, default, catch,
// dependency or handler.
type GraphEdge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Kind   string `json:"kind"`
}

// Graph is a workflow's static graph, nodes in definition order.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GetWorkflowGraph returns the graph of a workflow (NAME, NAME:VERSION,
// NAME:ALIAS or an ARN); version > 0 draws that version.
func (c *Client) GetWorkflowGraph(ctx context.Context, workflow string, version int) (*Graph, error) {
	q := url.Values{}
	if version > 0 {
		q.Set("version", strconv.Itoa(version))
	}
	var out Graph
	if _, err := c.call(ctx, "GET", workflowPath(workflow, "/graph"), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Iterations counts the items of a Map state or a for_each step.
type Iterations struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Running   int `json:"running"`
}

// StepStatus is the status of one state or step of an execution: RUNNING,
// SUCCEEDED, FAILED, RETRYING, CAUGHT, ABORTED or SKIPPED.
type StepStatus struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"`
	Attempts   int         `json:"attempts"`
	StartDate  Time        `json:"startDate,omitzero"`
	StopDate   Time        `json:"stopDate,omitzero"`
	Error      string      `json:"error,omitempty"`
	Cause      string      `json:"cause,omitempty"`
	Iterations *Iterations `json:"iterations,omitempty"`
}

// ExecutionSteps is the status of each step of an execution, derived from
// its history up to LastEventID: follow the history from there to keep it
// current.
type ExecutionSteps struct {
	Steps       []StepStatus `json:"steps"`
	LastEventID int64        `json:"lastEventId"`
	Truncated   bool         `json:"truncated,omitempty"`
}

// GetExecutionSteps returns the status of each step of an execution.
func (c *Client) GetExecutionSteps(ctx context.Context, arn string) (*ExecutionSteps, error) {
	var out ExecutionSteps
	if _, err := c.call(ctx, "GET", executionPath(arn, "/steps"), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GridRun is one run of a grid.
type GridRun struct {
	ExecutionArn string `json:"executionArn"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	StartDate    Time   `json:"startDate"`
	StopDate     Time   `json:"stopDate,omitzero"`
}

// Grid is a page of a workflow's runs, newest first, by step: Cells[i][j]
// is the status of Steps[j] in Runs[i], "" when the run did not reach it.
type Grid struct {
	Runs      []GridRun  `json:"runs"`
	Steps     []string   `json:"steps"`
	Cells     [][]string `json:"cells"`
	NextToken string     `json:"next,omitempty"`
}

// GetWorkflowGrid returns a page of a workflow's runs by step: limit runs
// (0: the server's default, 25; at most 100), after next.
func (c *Client) GetWorkflowGrid(ctx context.Context, workflow string, limit int, next string) (*Grid, error) {
	var out Grid
	if _, err := c.call(ctx, "GET", workflowPath(workflow, "/grid"), pageQuery(limit, next), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
