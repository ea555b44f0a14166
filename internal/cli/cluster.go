package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/partition"
)

func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "See the servers that share a Baton server's store",
		Long: `A server on PostgreSQL (baton server --store postgres://...) shares its
database with the other servers started on it: one is active and runs the
executions, the others are standbys that take over when it stops or dies.
With --cluster every server is active: each runs the executions of the
partitions it owns (docs/operations.md). A server on SQLite is alone.`,
		Example: `  baton cluster status
  baton cluster status --output json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newClusterStatusCmd())
	return cmd
}

func newClusterStatusCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List the servers of the store: the active one and the standbys, or a cluster's nodes and partitions",
		Long: `Status asks the server (the active one: standbys do not listen) for the
servers of its store: their names (host and process id), roles, since
when, and their addresses as the database sees them. On a cluster
(--cluster) it lists the nodes, the addresses they call each other at,
and the partitions each owns; partitions without an owner are moving
(a node stopped or died, and another takes them within seconds). Needs a
viewer role on every namespace.`,
		Example: `  baton cluster status
  BATON_SERVER=https://baton.example.com baton cluster status -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.ClusterStatus(context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), st)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "store: %s\n", st.Store)
			if len(st.Partitions) > 0 {
				return printClusterPartitions(cmd.OutOrStdout(), st)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NODE\tROLE\tSINCE\tADDRESS\tEPOCH")
			for _, n := range st.Nodes {
				addr, epoch := n.Address, "-"
				if addr == "" {
					addr = "-"
				}
				if n.Epoch != 0 {
					epoch = fmt.Sprint(n.Epoch)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", n.Name, n.Role, n.Since.Local().Format(time.DateTime), addr, epoch)
			}
			return w.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// printClusterPartitions prints a cluster's nodes with the partitions
// each owns, and those without an owner.
func printClusterPartitions(out io.Writer, st *client.Cluster) error {
	owned := map[string][]int{}
	for _, p := range st.Partitions {
		owned[p.Owner] = append(owned[p.Owner], p.Partition)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tROLE\tSINCE\tADDRESS\tPARTITIONS")
	for _, n := range st.Nodes {
		addr := n.Address
		if addr == "" {
			addr = "-"
		}
		parts := owned[n.Name]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d: %s\n", n.Name, n.Role, n.Since.Local().Format(time.DateTime), addr, len(parts), ranges(parts))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if moving := owned[""]; len(moving) > 0 {
		fmt.Fprintf(out, "moving (no owner yet): %d: %s\n", len(moving), ranges(moving))
	}
	return nil
}

// ranges writes partitions as ranges: 0-3,7,9-10 ("-" for none).
func ranges(ns []int) string {
	if len(ns) == 0 {
		return "-"
	}
	return partition.SetOf(ns...).String()
}
