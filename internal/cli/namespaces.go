package cli

import (
	"cmp"
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newNamespacesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "namespaces",
		Short: "Create and list the namespaces of a Baton server",
		Long: `A namespace is a team's space of workflows: each has an account id of its
own in the ARNs of its workflows and runs, so that two teams' "listings"
never collide. "default" always exists and has the server's --account-id.
Commands that name workflows by name take --namespace (or BATON_NAMESPACE);
ARNs reach any namespace. A pipeline.yaml may say its namespace; baton
deploy puts it there.`,
		Example: `  baton namespaces create team-a
  baton namespaces list
  baton namespaces set-retention team-a 30d
  baton deploy listings/ --namespace team-a && baton start listings --namespace team-a --wait`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newNamespacesCreateCmd(), newNamespacesListCmd(), newNamespacesSetRetentionCmd())
	return cmd
}

func newNamespacesCreateCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a namespace, with an account id of its own",
		Long: `Create makes a namespace. Its name has 1 to 63 lowercase letters, digits and
'-' (starting and ending with a letter or digit); its account id is derived
from its name (the same on every server) unless another namespace has it.`,
		Example: `  baton namespaces create team-a`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ns, err := c.CreateNamespace(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), ns)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created namespace %s (account %s)\n", ns.Name, ns.AccountID)
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newNamespacesListCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the namespaces and their account ids",
		Example: `  baton namespaces list --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			all, err := c.ListNamespaces(context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				if all == nil {
					all = []client.Namespace{}
				}
				return printJSON(cmd.OutOrStdout(), all)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAMESPACE\tACCOUNT\tCREATED\tRETENTION")
			for _, n := range all {
				created := "-"
				if !n.CreationDate.IsZero() {
					created = when(n.CreationDate)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Name, n.AccountID, created, cmp.Or(n.ExecutionRetention, "server's"))
			}
			return w.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newNamespacesSetRetentionCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "set-retention NAMESPACE RETENTION",
		Short: "Set how long a namespace keeps its closed executions (needs admin on every namespace)",
		Long: `set-retention sets how long the closed executions of a namespace (SUCCEEDED,
FAILED, TIMED_OUT, ABORTED) are kept, with their history and task logs,
after they end: a number of days (30d), a duration (36h), 0 to keep them
forever, or "default" for the server's --execution-retention (90d unless
set). The server deletes what is older every few minutes, in small
batches. The default namespace follows --execution-retention.`,
		Example: `  baton namespaces set-retention team-a 30d
  baton namespaces set-retention audit-team 0        # keep forever
  baton namespaces set-retention team-a default`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ns, err := c.SetNamespaceRetention(context.Background(), args[0], args[1])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), ns)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "namespace %s keeps closed executions: %s\n", ns.Name, cmp.Or(ns.ExecutionRetention, "as the server's --execution-retention says"))
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}
