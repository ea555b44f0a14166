package cli

import (
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
  baton deploy listings/ --namespace team-a && baton start listings --namespace team-a --wait`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newNamespacesCreateCmd(), newNamespacesListCmd())
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
			fmt.Fprintln(w, "NAMESPACE\tACCOUNT\tCREATED")
			for _, n := range all {
				created := "-"
				if !n.CreationDate.IsZero() {
					created = when(n.CreationDate)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", n.Name, n.AccountID, created)
			}
			return w.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}
