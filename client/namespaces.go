package client

import "context"

// Namespace is a namespace of the server: its workflows and runs have its
// account id in their ARNs.
type Namespace struct {
	Name         string `json:"name"`
	AccountID    string `json:"accountId"`
	CreationDate Time   `json:"creationDate,omitzero"`
	// ExecutionRetention is how long its closed executions are kept ("30d",
	// "forever"); empty: the server's --execution-retention.
	ExecutionRetention string `json:"executionRetention,omitempty"`
}

// CreateNamespace creates a namespace, which gets an account id of its own.
func (c *Client) CreateNamespace(ctx context.Context, name string) (*Namespace, error) {
	var out Namespace
	if _, err := c.call(ctx, "POST", "/namespaces", nil, map[string]string{"name": name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListNamespaces lists the namespaces, "default" first.
func (c *Client) ListNamespaces(ctx context.Context) ([]Namespace, error) {
	var out struct {
		Namespaces []Namespace `json:"namespaces"`
	}
	if _, err := c.call(ctx, "GET", "/namespaces", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Namespaces, nil
}
