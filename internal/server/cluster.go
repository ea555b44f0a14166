package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store/postgres"
)

// ClusterNode is a server of the store, as GET /api/v1/cluster shows it.
type ClusterNode struct {
	Name    string       `json:"name"`
	Role    string       `json:"role"` // "active" (runs the executions), "standby", or "member" (of a --cluster: runs its partitions)
	Since   service.Time `json:"since"`
	Address string       `json:"address,omitempty"`
	Epoch   int64        `json:"epoch,omitempty"` // the node lease's epoch (PostgreSQL)
	// Partitions is how many partitions a member of a cluster owns.
	Partitions *int `json:"partitions,omitempty"`
}

// ClusterPartition is a partition of a cluster and its owner.
type ClusterPartition struct {
	Partition int          `json:"partition"`
	Owner     string       `json:"owner,omitempty"` // "" while no live node owns it
	Epoch     int64        `json:"epoch"`           // its lease's fencing token
	Since     service.Time `json:"since,omitempty"`
}

// clusterStatus answers GET /api/v1/cluster: the store and its servers.
type clusterStatus struct {
	store string                                       // "sqlite" or "postgres"
	nodes func(context.Context) ([]ClusterNode, error) // the servers, active first
	// partitions, of a cluster (--cluster), lists its partitions; nil
	// otherwise.
	partitions func(context.Context) ([]ClusterPartition, error)
}

// clusterNodesOf lists the members of a cluster, with how many partitions
// each owns.
func clusterNodesOf(db *postgres.Store) func(context.Context) ([]ClusterNode, error) {
	return func(ctx context.Context) ([]ClusterNode, error) {
		ns, err := db.ClusterNodes(ctx)
		if err != nil {
			return nil, err
		}
		owners, err := db.PartitionOwners(ctx)
		if err != nil {
			return nil, err
		}
		count := map[string]int{}
		for _, o := range owners {
			if o.Holder != "" {
				count[o.Holder]++
			}
		}
		out := make([]ClusterNode, 0, len(ns))
		for _, n := range ns {
			c := count[n.Holder]
			out = append(out, ClusterNode{Name: n.Holder, Role: "member", Since: service.NewTime(n.Since), Address: n.Addr, Partitions: &c})
		}
		return out, nil
	}
}

// partitionsOf lists the partitions of a cluster and their owners.
func partitionsOf(db *postgres.Store) func(context.Context) ([]ClusterPartition, error) {
	return func(ctx context.Context) ([]ClusterPartition, error) {
		owners, err := db.PartitionOwners(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]ClusterPartition, len(owners))
		for i, o := range owners {
			out[i] = ClusterPartition{Partition: o.Part, Owner: o.Holder, Epoch: o.Epoch}
			if o.Holder != "" && !o.Since.IsZero() {
				out[i].Since = service.NewTime(o.Since)
			}
		}
		return out, nil
	}
}

// nodesOf lists the servers of a PostgreSQL store.
func nodesOf(db *postgres.Store) func(context.Context) ([]ClusterNode, error) {
	return func(ctx context.Context) ([]ClusterNode, error) {
		ns, err := db.Nodes(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]ClusterNode, 0, len(ns))
		for _, n := range ns {
			role := "standby"
			if n.Active {
				role = "active"
			}
			out = append(out, ClusterNode{Name: n.Name, Role: role, Since: service.NewTime(n.Since), Address: n.Address, Epoch: n.Epoch})
		}
		return out, nil
	}
}

// thisNode is the only server of a SQLite store.
func thisNode(started time.Time) func(context.Context) ([]ClusterNode, error) {
	host, _ := os.Hostname()
	return func(context.Context) ([]ClusterNode, error) {
		return []ClusterNode{{Name: hostPid(host), Role: "active", Since: service.NewTime(started)}}, nil
	}
}

func (c clusterStatus) register(mux *http.ServeMux) {
	// Host names and addresses of the servers are for operators: a viewer
	// of every namespace.
	mux.Handle("GET /api/v1/cluster", requireRole(everyNamespace, auth.Viewer, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nodes, err := c.nodes(r.Context())
		if err != nil {
			writeStoreError(w, err)
			return
		}
		answer := map[string]any{"store": c.store, "nodes": nodes}
		if c.partitions != nil {
			parts, err := c.partitions(r.Context())
			if err != nil {
				writeStoreError(w, err)
				return
			}
			answer["partitions"] = parts
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(answer)
	})))
}

// hostPid names this server: its host name and process id.
func hostPid(host string) string { return fmt.Sprintf("%s pid %d", host, os.Getpid()) }
