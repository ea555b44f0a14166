package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "See the servers that share a Baton server's store",
		Long: `A server on PostgreSQL (baton server --store postgres://...) shares its
database with the other servers started on it: one is active and runs the
executions, the others are standbys that take over when it stops or dies
(docs/operations.md). A server on SQLite is alone.`,
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
		Short: "List the servers of the store: the active one and the standbys",
		Long: `Status asks the server (the active one: standbys do not listen) for the
servers of its store: their names (host and process id), roles, since
when, and their addresses as the database sees them. Needs a viewer role
on every namespace.`,
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
