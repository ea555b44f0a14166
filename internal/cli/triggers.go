package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newTriggersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "triggers",
		Short: "Explain what starts a workflow by itself",
		Long: `A pipeline's trigger: section starts its runs by itself: schedules, upstream
runs' outcomes (allOf / anyOf across namespaces), data arriving, and events
on the bus. "baton triggers explain" says, for each, what it waits for.`,
		Example: `  baton triggers explain pipeline-x
  baton triggers explain listings --namespace core-data-availability -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newTriggersExplainCmd())
	return cmd
}

func newTriggersExplainCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "explain WORKFLOW",
		Short: `Say why a workflow did or did not run: each trigger and what it waits for`,
		Long: `Explain shows each trigger of a deployed workflow: its schedules with the
last slot dealt with and the next fire times; its upstream conditions, each
with the upstream outcome that meets it (and when the window closes on it)
or what it still waits for; its event pattern; its watched locations.`,
		Example: `  baton triggers explain pipeline-x
  baton triggers explain pipeline-x -o json | jq '.executions.conditions[] | select(.met | not)'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ex, err := c.ExplainTriggers(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), ex)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s (namespace %s)\n", ex.Workflow, orDash(ex.Namespace))
			if ex.Paused {
				fmt.Fprintln(out, "schedules PAUSED: their slots are skipped until baton schedule resume")
			}
			for _, s := range ex.Schedules {
				fmt.Fprintf(out, "schedule %s in %s (overlap %s, catchup %s)\n", s.Expression, s.Timezone, s.Overlap, s.Catchup)
				if s.LastSlot != nil {
					fmt.Fprintf(out, "  last slot: %s\n", s.LastSlot.Format(time.RFC3339))
				}
				for _, b := range s.Buffered {
					fmt.Fprintf(out, "  buffered: %s (waits for the running run to end)\n", b.Format(time.RFC3339))
				}
				for _, n := range s.Next {
					fmt.Fprintf(out, "  next: %s\n", n.Format(time.RFC3339))
				}
			}
			if x := ex.Executions; x != nil {
				state := "not met"
				if x.Met {
					state = "met"
				}
				fmt.Fprintf(out, "upstream runs (operator %s, match %s, window %s): %s\n", x.Operator, x.Match, x.Window, state)
				for _, c := range x.Conditions {
					mark := "waiting"
					if c.Met {
						mark = "met"
					}
					fmt.Fprintf(out, "  [%s] %s %s/%s %v\n", mark, c.Block, c.Namespace, c.Workflow, c.Statuses)
					for _, o := range c.Outcomes {
						fmt.Fprintf(out, "      by %s %s at %s, counts until %s\n", o.ExecutionArn, o.Status, o.Time.Format(time.RFC3339), o.ExpiresAt.Format(time.RFC3339))
					}
					if c.Waiting != "" {
						fmt.Fprintf(out, "      %s\n", c.Waiting)
					}
				}
			}
			printDataTriggers(out, ex.Data)
			if len(ex.Schedules) == 0 && ex.Executions == nil && len(ex.Data) == 0 {
				for _, s := range ex.Summary {
					fmt.Fprintln(out, s)
				}
			}
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
