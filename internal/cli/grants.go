package cli

import (
	"cmp"
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newGrantsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grants",
		Short: "Let another namespace's pipelines trigger on this namespace's runs",
		Long: `A pipeline's trigger.executions may wait for the runs of another
namespace's workflows (the upstream team's "listings" succeeded). On a
server with authentication on, that needs the upstream namespace's
consent: a grant, made by an admin of the upstream namespace. Without it
the pipeline is refused at deploy, with the command to run; a grant
revoked stops the outcomes that follow from reaching the pipeline.`,
		Example: `  baton grants create --from core-data --to search --workflow listings
  baton grants create --from core-data --to analytics --workflow '*'
  baton grants list --namespace search
  baton grants revoke --from core-data --to search --workflow listings`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newGrantsCreateCmd(), newGrantsListCmd(), newGrantsRevokeCmd())
	return cmd
}

// grantFlags are the flags naming a grant: --from is the granting
// namespace (the client's namespace).
type grantFlags struct {
	remoteFlags
	from, to, workflow string
}

func (g *grantFlags) add(cmd *cobra.Command) {
	addRemoteFlags(cmd, &g.remoteFlags, true)
	cmd.Flags().StringVar(&g.from, "from", "", "the granting (upstream) namespace, whose runs are watched (default: --namespace)")
	cmd.Flags().StringVar(&g.to, "to", "", "the namespace whose pipelines may trigger on them")
	cmd.Flags().StringVar(&g.workflow, "workflow", "", "the upstream workflow's name, or '*' for every workflow of --from")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.MarkFlagRequired("workflow")
}

func (g *grantFlags) client() (*client.Client, error) {
	if g.from != "" {
		g.namespace = g.from
	}
	return g.remoteFlags.client()
}

func newGrantsCreateCmd() *cobra.Command {
	var f grantFlags
	cmd := &cobra.Command{
		Use:     "create --from NS --to NS --workflow NAME",
		Short:   "Let --to's pipelines trigger on the runs of --workflow of --from (needs admin of --from)",
		Example: `  baton grants create --from core-data --to search --workflow listings`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			g, err := c.CreateGrant(context.Background(), f.to, f.workflow)
			if err != nil {
				return apiErr(&f.remoteFlags, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), g)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "namespace %s may now trigger on the runs of %s of namespace %s\n", g.To, g.Workflow, g.From)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func newGrantsRevokeCmd() *cobra.Command {
	var f grantFlags
	cmd := &cobra.Command{
		Use:     "revoke --from NS --to NS --workflow NAME",
		Short:   "Revoke a grant (needs admin of --from)",
		Example: `  baton grants revoke --from core-data --to search --workflow listings`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.RevokeGrant(context.Background(), f.to, f.workflow); err != nil {
				return apiErr(&f.remoteFlags, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked: namespace %s no longer triggers on %s of namespace %s\n", f.to, f.workflow, f.namespace)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func newGrantsListCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the grants from or to a namespace ('*': every one you may see)",
		Example: `  baton grants list --namespace search --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			all, err := c.ListGrants(context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				if all == nil {
					all = []client.Grant{}
				}
				return printJSON(cmd.OutOrStdout(), all)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "FROM\tWORKFLOW\tTO\tCREATED\tBY")
			for _, g := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", g.From, g.Workflow, g.To, when(g.CreationDate), cmp.Or(g.CreatedBy, "-"))
			}
			return w.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}
