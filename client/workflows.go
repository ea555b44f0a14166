package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// DeployWorkflowInput describes a workflow to create or update.
type DeployWorkflowInput struct {
	Name string `json:"name"`
	// Definition is the Amazon States Language text, JSON (or YAML).
	Definition string `json:"definition"`
	// Type is STANDARD (default) or EXPRESS; it cannot change once created.
	Type    string `json:"type,omitempty"`
	RoleArn string `json:"roleArn,omitempty"`
	// Publish publishes the deployed revision as a new version (the existing
	// version when the revision already has one).
	Publish bool `json:"publish,omitempty"`
	// Description describes the published version.
	Description string `json:"description,omitempty"`
}

// Deploy results.
const (
	DeployCreated   = "CREATED"
	DeployUpdated   = "UPDATED"
	DeployUnchanged = "UNCHANGED"
)

// DeployWorkflowOutput tells what a deploy did.
type DeployWorkflowOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	Result                 string `json:"result"` // DeployCreated, DeployUpdated or DeployUnchanged
}

// DeployWorkflow creates the workflow, or updates the one of that name
// when its definition or role differs.
//
//	out, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "etl", Definition: def, Publish: true})
//	fmt.Println(out.Result, out.StateMachineVersionArn) // CREATED arn:...:stateMachine:etl:1
func (c *Client) DeployWorkflow(ctx context.Context, in DeployWorkflowInput) (*DeployWorkflowOutput, error) {
	var out DeployWorkflowOutput
	if _, err := c.call(ctx, "POST", "/workflows", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Workflow describes a workflow (or one of its versions).
type Workflow struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status,omitempty"`
	Type            string `json:"type"`
	RoleArn         string `json:"roleArn"`
	// Definition is the definition as a JSON value: an object, or a string
	// holding the text when it is not JSON (YAML).
	Definition   json.RawMessage `json:"definition"`
	CreationDate Time            `json:"creationDate"`
	RevisionID   string          `json:"revisionId,omitempty"`
	Description  string          `json:"description,omitempty"`
}

// GetWorkflow describes a workflow by name; "NAME:VERSION" and
// "NAME:ALIAS" describe a version.
func (c *Client) GetWorkflow(ctx context.Context, name string) (*Workflow, error) {
	var out Workflow
	if _, err := c.call(ctx, "GET", workflowPath(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWorkflow deletes a workflow with its versions and aliases; its
// executions stay.
func (c *Client) DeleteWorkflow(ctx context.Context, name string) error {
	_, err := c.call(ctx, "DELETE", workflowPath(name), nil, nil, nil)
	return err
}

// WorkflowSummary is a workflow in a list.
type WorkflowSummary struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    Time   `json:"creationDate"`
}

// WorkflowPage is one page of workflows, by name.
type WorkflowPage struct {
	Workflows []WorkflowSummary `json:"stateMachines"`
	NextToken string            `json:"nextToken,omitempty"`
}

// ListWorkflows returns a page of up to limit workflows (0: the server's
// default, 100) after the position of nextToken ("" for the first page).
func (c *Client) ListWorkflows(ctx context.Context, limit int, nextToken string) (*WorkflowPage, error) {
	var out WorkflowPage
	if _, err := c.call(ctx, "GET", "/workflows", pageQuery(limit, nextToken), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Version is a published version of a workflow.
type Version struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           Time   `json:"creationDate"`
}

// PublishVersion publishes the workflow's current revision as a version
// (description may be empty).
func (c *Client) PublishVersion(ctx context.Context, name, description string) (*Version, error) {
	var out Version
	body := map[string]string{}
	if description != "" {
		body["description"] = description
	}
	if _, err := c.call(ctx, "POST", workflowPath(name, "/versions"), nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListVersions returns the workflow's versions, newest first.
func (c *Client) ListVersions(ctx context.Context, name string, limit int, nextToken string) ([]Version, string, error) {
	var out struct {
		Versions  []Version `json:"stateMachineVersions"`
		NextToken string    `json:"nextToken"`
	}
	if _, err := c.call(ctx, "GET", workflowPath(name, "/versions"), pageQuery(limit, nextToken), nil, &out); err != nil {
		return nil, "", err
	}
	return out.Versions, out.NextToken, nil
}

// pageQuery returns the query of a page: ?limit=&next=.
func pageQuery(limit int, next string) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if next != "" {
		q.Set("next", next)
	}
	return q
}
