package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newWorkflowsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "workflows",
		Aliases: []string{"workflow", "wf"},
		Short:   "List, describe and delete the workflows deployed on a Baton server",
		Long: `The workflows commands work on the workflows (state machines and pipelines)
deployed on a Baton server. They print tables for humans by default and JSON
with --output json. Deploy workflows with 'baton deploy'.`,
		Example: `  baton workflows list
  baton workflows describe etl
  baton workflows describe etl:3 --output json
  baton workflows delete etl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newWorkflowsListCmd(), newWorkflowsDescribeCmd(), newWorkflowsDeleteCmd())
	return cmd
}

func newWorkflowsListCmd() *cobra.Command {
	var f remoteFlags
	var next string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List workflows by name",
		Long: `List prints the deployed workflows by name. When there are more than
--limit, the command to see the next page is printed on stderr.`,
		Example: `  baton workflows list
  baton workflows list --limit 500 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			page, err := c.ListWorkflows(context.Background(), limit, next)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				if page.Workflows == nil {
					page.Workflows = []client.WorkflowSummary{}
				}
				return printJSON(cmd.OutOrStdout(), page)
			}
			printWorkflows(cmd.OutOrStdout(), page.Workflows)
			if page.NextToken != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "more: add --next %s\n", page.NextToken)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many workflows (up to 1000)")
	cmd.Flags().StringVar(&next, "next", "", "the page after this token (printed by the previous page)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func printWorkflows(w io.Writer, ws []client.WorkflowSummary) {
	if len(ws) == 0 {
		fmt.Fprintln(w, "no workflows (deploy one with: baton deploy FILE)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tCREATED\tARN")
	for _, x := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Name, x.Type, when(x.CreationDate), x.StateMachineArn)
	}
	_ = tw.Flush()
}

func newWorkflowsDescribeCmd() *cobra.Command {
	var f remoteFlags
	var noDefinition bool
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a workflow: type, dates and its definition",
		Long: `Describe prints a workflow's details and its definition as it was deployed.
NAME may be NAME:VERSION or NAME:ALIAS to describe a version.`,
		Example: `  baton workflows describe etl
  baton workflows describe etl:3 --no-definition
  baton workflows describe etl --output json | jq -r .definition`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			wf, err := c.GetWorkflow(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), wf)
			}
			printWorkflow(cmd.OutOrStdout(), wf, !noDefinition)
			if !strings.Contains(args[0], ":") || strings.HasPrefix(args[0], "arn:") {
				// What starts it by itself, and when it runs next.
				if ex, err := c.ExplainTriggers(context.Background(), args[0]); err == nil {
					printTriggerSummary(cmd.OutOrStdout(), ex)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noDefinition, "no-definition", false, "leave the definition out of the text output")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func printWorkflow(w io.Writer, wf *client.Workflow, definition bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Name", wf.Name)
	row("ARN", wf.StateMachineArn)
	row("Type", wf.Type)
	row("Status", wf.Status)
	row("Created", when(wf.CreationDate))
	row("Revision", wf.RevisionID)
	row("Description", wf.Description)
	row("Role", wf.RoleArn)
	_ = tw.Flush()
	if definition && len(wf.Definition) > 0 {
		fmt.Fprintf(w, "Definition:\n%s\n", indent(definitionText(wf.Definition)))
	}
}

// definitionText renders a definition as the API returns it (a JSON object,
// or a string holding YAML text) for a terminal.
func definitionText(def json.RawMessage) string {
	var text string
	if json.Unmarshal(def, &text) == nil {
		return string(bytes.TrimRight([]byte(text), "\n"))
	}
	return indentJSON(def)
}

func newWorkflowsDeleteCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a workflow with its versions and aliases",
		Long: `Delete removes a workflow, its versions and its aliases. Its executions stay
and can still be described; running ones go on to their end.`,
		Example: `  baton workflows delete etl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteWorkflow(context.Background(), args[0]); err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), map[string]string{"deleted": args[0]})
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deleted", args[0])
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// printTriggerSummary prints a workflow's next scheduled runs and what its
// other triggers wait for (baton triggers explain shows it all).
func printTriggerSummary(w io.Writer, ex *client.TriggerExplanation) {
	var next []time.Time
	for _, s := range ex.Schedules {
		next = append(next, s.Next...)
	}
	if len(ex.Schedules) == 0 && ex.Executions == nil && ex.EventPattern == nil && len(ex.Summary) <= 1 {
		return
	}
	fmt.Fprintln(w, "Triggers:")
	for _, line := range ex.Summary {
		fmt.Fprintf(w, "  %s\n", line)
	}
	if len(next) > 0 {
		slices.SortFunc(next, func(a, b time.Time) int { return a.Compare(b) })
		fmt.Fprintln(w, "Next runs:")
		for _, t := range next[:min(len(next), 3)] {
			fmt.Fprintf(w, "  %s\n", t.Format(time.RFC3339))
		}
	}
}
