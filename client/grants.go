package client

import (
	"context"
	"net/url"
)

// Grant lets the pipelines of namespace To trigger on the runs of workflow
// Workflow ("*": every workflow) of namespace From.
type Grant struct {
	From         string `json:"from"`
	To           string `json:"to"`
	Workflow     string `json:"workflow"`
	CreationDate Time   `json:"creationDate,omitzero"`
	CreatedBy    string `json:"createdBy,omitempty"`
}

// CreateGrant grants namespace to the runs of workflow ("*": every one) of
// the Client's namespace (WithNamespace), which must be the caller's to
// administer.
func (c *Client) CreateGrant(ctx context.Context, to, workflow string) (*Grant, error) {
	var out Grant
	if _, err := c.call(ctx, "POST", "/grants", nil, map[string]string{"to": to, "workflow": workflow}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListGrants lists the grants from or to the Client's namespace ("*":
// every grant the caller may see).
func (c *Client) ListGrants(ctx context.Context) ([]Grant, error) {
	var out struct {
		Grants []Grant `json:"grants"`
	}
	if _, err := c.call(ctx, "GET", "/grants", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Grants, nil
}

// RevokeGrant deletes a grant of the Client's namespace.
func (c *Client) RevokeGrant(ctx context.Context, to, workflow string) error {
	_, err := c.call(ctx, "DELETE", "/grants", url.Values{"to": {to}, "workflow": {workflow}}, nil, nil)
	return err
}
