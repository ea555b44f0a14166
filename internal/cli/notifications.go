package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

// newNotificationsCmd is "baton notifications": who is told of runs, and
// what could not be delivered.
func newNotificationsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notifications",
		Short: "Set who is told of a workflow's runs; list, retry and test deliveries",
		Long: `Notifications tell people how runs went: on Slack (one thread per run), by
e-mail, through signed webhooks and OpsGenie. A pipeline's are the
notifications: section of its pipeline.yaml; any other workflow's are set
here. The channels' credentials are connections of the server's --config
file (see docs/notifications.md).`,
		Example: `  baton notifications set nightly-export --type FAILURES --target SLACK:#data-alerts --target EMAIL:team@example.com
  baton notifications get listings -n core-data-availability
  baton notifications test --target WEBHOOK:https://hooks.example.com/baton
  baton notifications failed
  baton notifications retry --all`,
	}
	cmd.AddCommand(newNotificationsGetCmd(), newNotificationsSetCmd(), newNotificationsUnsetCmd(),
		newNotificationsFailedCmd(), newNotificationsRetryCmd(), newNotificationsTestCmd(), newNotificationsStatusCmd())
	return cmd
}

// parseTargets reads --target CHANNEL:ADDRESS[,ADDRESS...] flags; targets
// of the same channel and connection are merged.
func parseTargets(specs []string, connection string) ([]client.NotificationTarget, error) {
	var out []client.NotificationTarget
	for _, s := range specs {
		ch, addrs, ok := strings.Cut(s, ":")
		ch = strings.ToUpper(strings.TrimSpace(ch))
		if !ok || addrs == "" {
			return nil, usageErr("--target %q: want CHANNEL:ADDRESS[,ADDRESS...], such as SLACK:#alerts or EMAIL:a@example.com,b@example.com", s)
		}
		switch ch {
		case "SLACK", "EMAIL", "WEBHOOK", "OPSGENIE":
		default:
			return nil, usageErr("--target %q: the channel is SLACK, EMAIL, WEBHOOK or OPSGENIE", s)
		}
		list := strings.Split(addrs, ",")
		if ch == "WEBHOOK" {
			list = []string{addrs} // a URL may hold commas
		}
		merged := false
		for i := range out {
			if out[i].Channel == ch {
				out[i].Addresses = append(out[i].Addresses, list...)
				merged = true
			}
		}
		if !merged {
			out = append(out, client.NotificationTarget{Channel: ch, Addresses: list, Connection: connection})
		}
	}
	return out, nil
}

func newNotificationsSetCmd() *cobra.Command {
	var f remoteFlags
	var level, connection string
	var targets []string
	cmd := &cobra.Command{
		Use:   "set WORKFLOW --type LEVEL --target CHANNEL:ADDRESS...",
		Short: "Set who is told of a workflow's runs (not a pipeline: its pipeline.yaml says)",
		Long: `Set replaces the notification settings of a deployed workflow that is not a
pipeline (a state machine). LEVEL is FULL_EXECUTION (every change),
PIPELINE (start and outcome) or FAILURES (failed, timed out and aborted
runs, and recoveries). Each --target is CHANNEL:ADDRESS[,ADDRESS...].`,
		Example: `  baton notifications set nightly-export --type FAILURES --target SLACK:#data-alerts
  baton notifications set nightly-export --type PIPELINE --target EMAIL:a@example.com,b@example.com --target OPSGENIE:data-team`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if len(targets) == 0 {
				return usageErr("give at least one --target CHANNEL:ADDRESS")
			}
			ts, err := parseTargets(targets, connection)
			if err != nil {
				return err
			}
			out, err := c.SetNotifications(context.Background(), args[0], &client.NotificationSettings{Type: strings.ToUpper(level), Targets: ts})
			if err != nil {
				return apiErr(&f, err)
			}
			return printNotifications(cmd, &f, out)
		},
	}
	cmd.Flags().StringVar(&level, "type", "FAILURES", "what is told: FULL_EXECUTION, PIPELINE or FAILURES")
	cmd.Flags().StringArrayVar(&targets, "target", nil, "CHANNEL:ADDRESS[,ADDRESS...] (repeatable)")
	cmd.Flags().StringVar(&connection, "connection", "", "the server connection of the targets' channel (default: its only one)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newNotificationsGetCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "get WORKFLOW",
		Short:   "Show who is told of a workflow's runs",
		Example: "  baton notifications get listings -n core-data-availability",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			out, err := c.Notifications(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			return printNotifications(cmd, &f, out)
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func printNotifications(cmd *cobra.Command, f *remoteFlags, out *client.WorkflowNotifications) error {
	if f.json() {
		return printJSON(cmd.OutOrStdout(), out)
	}
	w := cmd.OutOrStdout()
	if out.Settings == nil {
		fmt.Fprintf(w, "%s: no notifications\n", out.StateMachineArn)
		return nil
	}
	fmt.Fprintf(w, "%s: %s (set in %s)\n", out.StateMachineArn, out.Settings.Type, out.Source)
	for _, t := range out.Settings.Targets {
		conn := ""
		if t.Connection != "" {
			conn = " via " + t.Connection
		}
		fmt.Fprintf(w, "  %s%s: %s\n", t.Channel, conn, strings.Join(t.Addresses, ", "))
	}
	return nil
}

func newNotificationsUnsetCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "unset WORKFLOW",
		Short:   "Stop telling anyone of a workflow's runs (not a pipeline)",
		Example: "  baton notifications unset nightly-export",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteNotifications(context.Background(), args[0]); err != nil {
				return apiErr(&f, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: no notifications\n", args[0])
			return nil
		},
	}
	addRemoteFlags(cmd, &f, false)
	return cmd
}

func newNotificationsFailedCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "failed",
		Short: "List the notifications that could not be delivered",
		Long: `Failed lists the namespace's notifications that were given up: refused by
the receiver for good (a revoked token, an unknown channel), or failing for
longer than the server's --notify-give-up. Retry them with
baton notifications retry ID... or --all once the cause is mended.`,
		Example: "  baton notifications failed -n analytics\n  baton notifications failed -o json | jq -r '.[].notification.id'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			list, err := c.FailedNotifications(context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				if list == nil {
					list = []client.FailedNotification{}
				}
				return printJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no failed notifications")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tFAILED\tCHANNEL\tTO\tMESSAGE\tERROR")
			for _, d := range list {
				n := d.Notification
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, d.Failed.Local().Format(time.DateTime), strings.ToLower(n.Channel),
					strings.Join(n.Addresses, ","), clipText(n.Title, 60), clipText(d.Error, 100))
			}
			return tw.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func newNotificationsRetryCmd() *cobra.Command {
	var f remoteFlags
	var all bool
	cmd := &cobra.Command{
		Use:     "retry [ID...] [--all]",
		Short:   "Deliver failed notifications again",
		Example: "  baton notifications retry 3f9a1c0e2b7d4e5f6a7b8c9d\n  baton notifications retry --all -n analytics",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if all == (len(args) > 0) {
				return usageErr("give the ids of failed notifications (baton notifications failed), or --all")
			}
			n, err := c.RetryNotifications(context.Background(), args)
			if err != nil {
				return apiErr(&f, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d notifications queued again\n", n)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "retry every failed notification of the namespace")
	addRemoteFlags(cmd, &f, false)
	return cmd
}

func newNotificationsTestCmd() *cobra.Command {
	var f remoteFlags
	var targets []string
	var connection string
	cmd := &cobra.Command{
		Use:   "test --target CHANNEL:ADDRESS",
		Short: "Send a test message, to check a channel's configuration",
		Example: `  baton notifications test --target SLACK:#data-alerts
  baton notifications test --target EMAIL:me@example.com --connection relay`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ts, err := parseTargets(targets, connection)
			if err != nil {
				return err
			}
			if len(ts) == 0 {
				return usageErr("give a --target CHANNEL:ADDRESS")
			}
			failed := 0
			for _, t := range ts {
				res, err := c.TestNotification(context.Background(), t)
				if err != nil {
					return apiErr(&f, err)
				}
				for _, r := range res {
					if r.Delivered {
						fmt.Fprintf(cmd.OutOrStdout(), "%s %s: delivered\n", t.Channel, r.Address)
					} else {
						failed++
						fmt.Fprintf(cmd.OutOrStdout(), "%s %s: not delivered: %s\n", t.Channel, r.Address, r.Error)
					}
				}
			}
			if failed > 0 {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%d test messages were not delivered", failed),
					hint: "Check the connection in the server's --config file (see docs/notifications.md)."}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&targets, "target", nil, "CHANNEL:ADDRESS[,ADDRESS...] (repeatable)")
	cmd.Flags().StringVar(&connection, "connection", "", "the server connection to use (default: the channel's only one)")
	addRemoteFlags(cmd, &f, false)
	return cmd
}

func newNotificationsStatusCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show the delivery of notifications: queued, failing, given up",
		Example: "  baton notifications status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.NotificationStatus(context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), st)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "queued: %d\nfailed (given up): %d\n", st.Queued, st.Failed)
			for _, l := range st.Failing {
				fmt.Fprintf(w, "failing: %s since %s (%d queued): %s\n", l.Destination, l.Since.Local().Format(time.DateTime), l.Queued, l.Error)
			}
			for _, n := range st.Unreached {
				fmt.Fprintf(w, "not known: the destinations failing on the cluster's node %s\n", n)
			}
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}
