package client

import "context"

// Cluster is the store of a server and the servers that use it.
type Cluster struct {
	Store string        `json:"store"` // "sqlite" or "postgres"
	Nodes []ClusterNode `json:"nodes"` // the active server first
	// Partitions, on a cluster (baton server --cluster), are its
	// partitions and their owners.
	Partitions []ClusterPartition `json:"partitions,omitempty"`
}

// ClusterPartition is one partition of a cluster.
type ClusterPartition struct {
	Partition int    `json:"partition"`
	Owner     string `json:"owner,omitempty"` // the node running its executions; "" while it moves
	Epoch     int64  `json:"epoch"`           // its lease's fencing token
	Since     Time   `json:"since"`
}

// ClusterNode is one server of the store.
type ClusterNode struct {
	Name    string `json:"name"` // host name and process id
	Role    string `json:"role"` // "active": runs the executions; "standby": waits to take over; "member": a node of a cluster
	Since   Time   `json:"since"`
	Address string `json:"address,omitempty"` // as the database sees it
	Epoch   int64  `json:"epoch,omitempty"`   // the node lease's epoch (PostgreSQL)
	// Partitions is how many partitions a member of a cluster owns.
	Partitions *int `json:"partitions,omitempty"`
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
