package client

import "context"

// Cluster is the store of a server and the servers that use it.
type Cluster struct {
	Store string        `json:"store"` // "sqlite" or "postgres"
	Nodes []ClusterNode `json:"nodes"` // the active server first
}

// ClusterNode is one server of the store.
type ClusterNode struct {
	Name    string `json:"name"` // host name and process id
	Role    string `json:"role"` // "active": runs the executions; "standby": waits to take over
	Since   Time   `json:"since"`
	Address string `json:"address,omitempty"` // as the database sees it
	Epoch   int64  `json:"epoch,omitempty"`   // the node lease's epoch (PostgreSQL)
}

// ClusterStatus returns the servers of the store (a viewer of every
// namespace may ask).
func (c *Client) ClusterStatus(ctx context.Context) (*Cluster, error) {
	var out Cluster
	if _, err := c.call(ctx, "GET", "/cluster", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
