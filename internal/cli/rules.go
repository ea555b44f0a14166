package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Manage EventBridge-compatible rules: events that start workflows",
		Long: `A rule of an event bus starts workflows (its targets) for each event its
EventBridge pattern matches. Rules live in a namespace (--namespace); each
namespace has a "default" bus, and its runs' status changes are events on
it. The same rules are reachable with the AWS SDKs and CLI (aws events ...)
on the server's address: see docs/api-eventbridge.md.`,
		Example: `  baton rules put on-invoice --pattern '{"source":["billing"]}' --target invoices
  baton rules list
  baton events put --source billing --detail-type "Invoice Batch Closed" --detail '{"batch":7}'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newRulesListCmd(), newRulesDescribeCmd(), newRulesPutCmd(), newRulesDeleteCmd(),
		newRulesStateCmd("enable", true), newRulesStateCmd("disable", false))
	return cmd
}

// printRule prints a rule for people.
func printRule(cmd *cobra.Command, r *client.Rule) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "rule %s (%s) on bus %s: %s\n", r.Name, r.Arn, r.Bus, r.State)
	if r.EventPattern != "" {
		fmt.Fprintf(out, "  pattern:  %s\n", r.EventPattern)
	}
	if r.ScheduleExpression != "" {
		fmt.Fprintf(out, "  schedule: %s\n", r.ScheduleExpression)
	}
	for _, t := range r.Targets {
		in := "the event"
		switch {
		case t.Input != "":
			in = "input " + t.Input
		case t.InputPath != "":
			in = "input path " + t.InputPath
		case t.InputTemplate != "":
			in = "input template " + t.InputTemplate
		}
		fmt.Fprintf(out, "  target %s: %s with %s\n", t.ID, t.Workflow, in)
	}
}

func newRulesListCmd() *cobra.Command {
	var f remoteFlags
	var bus, prefix string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the rules of a bus",
		Example: `  baton rules list --bus orders --prefix nightly- --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var all []client.Rule
			next := ""
			for {
				page, tok, err := c.ListRules(context.Background(), bus, prefix, 100, next)
				if err != nil {
					return apiErr(&f, err)
				}
				all = append(all, page...)
				if next = tok; next == "" {
					break
				}
			}
			if f.json() {
				if all == nil {
					all = []client.Rule{}
				}
				return printJSON(cmd.OutOrStdout(), all)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "RULE\tSTATE\tTARGETS\tMATCHES")
			for _, r := range all {
				what := r.EventPattern
				if r.ScheduleExpression != "" {
					what = strings.TrimSpace(r.ScheduleExpression + " " + what)
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", r.Name, r.State, len(r.Targets), what)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&bus, "bus", "", "event bus (default: default)")
	cmd.Flags().StringVar(&prefix, "prefix", "", "only rules whose names start with this")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newRulesDescribeCmd() *cobra.Command {
	var f remoteFlags
	var bus string
	cmd := &cobra.Command{
		Use:     "describe NAME",
		Short:   "Show a rule with its targets",
		Example: `  baton rules describe on-invoice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.GetRule(context.Background(), bus, args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), r)
			}
			printRule(cmd, r)
			return nil
		},
	}
	cmd.Flags().StringVar(&bus, "bus", "", "event bus (default: default)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// jsonArg reads a flag's JSON: the text itself, or @FILE.
func jsonArg(flag, v string) (string, error) {
	if strings.HasPrefix(v, "@") {
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", usageErr("%s: %v", flag, err)
		}
		v = string(b)
	}
	if !json.Valid([]byte(v)) {
		return "", usageErr("%s: %.60q is not JSON", flag, v)
	}
	return v, nil
}

func newRulesPutCmd() *cobra.Command {
	var f remoteFlags
	var r client.Rule
	var targets, inputPaths []string
	var disabled bool
	var input, inputPath, template string
	cmd := &cobra.Command{
		Use:   "put NAME",
		Short: "Create or replace a rule, with workflows as its targets",
		Long: `Put creates a rule, or replaces the rule of that name (its targets stay).
Each --target is a workflow (a name in the namespace, or an ARN) started for
every event the pattern matches; its id is the workflow's name. What it
gets as input: the whole event, or --input (constant JSON), --input-path
($.detail) or --input-template with --input-path-map (EventBridge's input
transformer: '{"batch": <batch>}' with batch=$.detail.batch).`,
		Example: `  baton rules put on-invoice --pattern '{"source":["billing"],"detail-type":["Invoice Batch Closed"]}' --target invoices
  baton rules put big-orders --bus orders --pattern @pattern.json --target ship --input-path '$.detail'
  baton rules put nightly --schedule 'cron(0 3 * * ? *)' --target report --input '{"full":true}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Name = args[0]
			if r.EventPattern != "" {
				var err error
				if r.EventPattern, err = jsonArg("--pattern", r.EventPattern); err != nil {
					return err
				}
			}
			if disabled {
				r.State = "DISABLED"
			}
			if input != "" {
				var err error
				if input, err = jsonArg("--input", input); err != nil {
					return err
				}
			}
			paths := map[string]string{}
			for _, p := range inputPaths {
				k, v, ok := strings.Cut(p, "=")
				if !ok {
					return usageErr("--input-path-map %q: want NAME=JSONPATH (batch=$.detail.batch)", p)
				}
				paths[k] = v
			}
			if len(paths) == 0 {
				paths = nil
			}
			for _, t := range targets {
				// Its id is the workflow's name (and version or alias).
				id := t
				if _, name, ok := strings.Cut(t, ":stateMachine:"); ok {
					id = name
				}
				if rest, ok := strings.CutPrefix(t, "arn:baton:notifications:"); ok {
					// A notification: its id is its channel and address.
					id = "notify-" + rest[strings.LastIndex(rest, ":")+1:]
				}
				id = targetID(id)
				r.Targets = append(r.Targets, client.RuleTarget{ID: id, Workflow: t, Input: input, InputPath: inputPath,
					InputTemplate: template, InputPathsMap: paths})
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out, err := c.PutRule(context.Background(), &r)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), out)
			}
			printRule(cmd, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&r.Bus, "bus", "", "event bus (default: default)")
	fl.StringVar(&r.EventPattern, "pattern", "", "EventBridge event pattern: JSON, or @FILE")
	fl.StringVar(&r.ScheduleExpression, "schedule", "", "schedule: cron(...) or rate(...), on the default bus")
	fl.StringVar(&r.Description, "description", "", "what the rule is for")
	fl.BoolVar(&disabled, "disabled", false, "create it disabled (baton rules enable starts it)")
	fl.StringArrayVar(&targets, "target", nil, "workflow to start (name or ARN), or a notification (arn:baton:notifications:::slack/#ops; see docs/notifications.md) (repeatable)")
	fl.StringVar(&input, "input", "", "targets' input: constant JSON (or @FILE) instead of the event")
	fl.StringVar(&inputPath, "input-path", "", "targets' input: the part of the event at this JSON path ($.detail)")
	fl.StringVar(&template, "input-template", "", "targets' input: this template, <name> filled from --input-path-map")
	fl.StringArrayVar(&inputPaths, "input-path-map", nil, "NAME=JSONPATH for --input-template (repeatable)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newRulesDeleteCmd() *cobra.Command {
	var f remoteFlags
	var bus string
	var force bool
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a rule (with --force, one that still has targets)",
		Example: `  baton rules delete on-invoice --force`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteRule(context.Background(), bus, args[0], force); err != nil {
				return apiErr(&f, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted rule %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&bus, "bus", "", "event bus (default: default)")
	cmd.Flags().BoolVar(&force, "force", false, "delete it with its targets")
	addRemoteFlags(cmd, &f, false)
	return cmd
}

func newRulesStateCmd(verb string, enable bool) *cobra.Command {
	var f remoteFlags
	var bus string
	cmd := &cobra.Command{
		Use:     verb + " NAME",
		Short:   strings.ToUpper(verb[:1]) + verb[1:] + " a rule",
		Example: "  baton rules " + verb + " on-invoice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.SetRuleEnabled(context.Background(), bus, args[0], enable)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), r)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rule %s: %s\n", r.Name, r.State)
			return nil
		},
	}
	cmd.Flags().StringVar(&bus, "bus", "", "event bus (default: default)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// targetID makes a rule target's id of s: the characters EventBridge
// allows (letters, digits, . - _), at most 64.
func targetID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b[:min(len(b), 64)])
}
