package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/client"
)

func newExecutionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "executions",
		Aliases: []string{"execution", "exec"},
		Short:   "List, inspect, stop and redrive executions on a Baton server",
		Long: `The executions commands work on the executions of a Baton server. They print
tables for humans by default and JSON with --output json. An execution is
named by its ARN, as 'baton start' and 'baton executions list' print it.`,
		Example: `  baton executions list --workflow etl --status FAILED
  baton executions describe arn:aws:states:us-east-1:123456789012:execution:etl:nightly
  baton executions watch ARN
  baton executions history ARN --reverse
  baton executions stop ARN --error Manual --cause "bad input"
  baton executions redrive ARN
  baton executions retry ARN --from transform`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newExecListCmd(), newExecDescribeCmd(), newExecWatchCmd(), newExecHistoryCmd(), newExecStopCmd(), newExecRedriveCmd(), newExecRetryCmd())
	return cmd
}

func newExecListCmd() *cobra.Command {
	var f remoteFlags
	var workflow, status, next string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List executions, newest first",
		Long: `List prints executions, newest first: of one workflow with --workflow, of
every workflow otherwise. When there are more than --limit, the command to
see the next page is printed on stderr.`,
		Example: `  baton executions list
  baton executions list --workflow etl --status RUNNING
  baton executions list --limit 500 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			status = strings.ToUpper(status)
			page, err := c.ListExecutions(context.Background(), client.ListExecutionsInput{Workflow: workflow, Status: status, Limit: limit, NextToken: next})
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), page)
			}
			printExecutions(cmd.OutOrStdout(), page.Executions)
			if page.NextToken != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "more: add --next %s\n", page.NextToken)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&workflow, "workflow", "", "only this workflow's executions (NAME, NAME:VERSION or NAME:ALIAS)")
	cmd.Flags().StringVar(&status, "status", "", "only executions of this status: RUNNING, QUEUED, SUCCEEDED (or SUCCESS), FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many executions (up to 1000)")
	cmd.Flags().StringVar(&next, "next", "", "the page after this token (printed by the previous page)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// workflowOf returns the name of the state machine in an ARN.
func workflowOf(smArn string) string {
	if i := strings.LastIndex(smArn, ":"); i >= 0 {
		return smArn[i+1:]
	}
	return smArn
}

// when formats a time for tables: local time to the second.
func when(t client.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// took formats how long an execution ran (so far).
func took(start, stop client.Time) string {
	if start.IsZero() {
		return "-"
	}
	end := stop.Time
	if end.IsZero() {
		end = time.Now()
	}
	d := end.Sub(start.Time)
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func printExecutions(w io.Writer, xs []client.ExecutionSummary) {
	if len(xs) == 0 {
		fmt.Fprintln(w, "no executions")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKFLOW\tNAME\tSTATUS\tSTARTED\tDURATION\tARN")
	for _, x := range xs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", workflowOf(x.StateMachineArn), x.Name, x.Status, when(x.StartDate), took(x.StartDate, x.StopDate), x.ExecutionArn)
	}
	_ = tw.Flush()
}

func newExecDescribeCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:     "describe ARN",
		Short:   "Show an execution: status, times, input, output or error",
		Example: `  baton executions describe arn:aws:states:us-east-1:123456789012:execution:etl:nightly --output json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ex, err := c.DescribeExecution(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), ex)
			}
			printExecution(cmd.OutOrStdout(), ex)
			if failedStatus(ex.Status) {
				if sf, err := findFailedStep(context.Background(), c, ex.ExecutionArn); err == nil && sf != nil {
					printFailedStep(cmd.OutOrStdout(), sf)
				}
			}
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func failedStatus(s string) bool {
	return s == "FAILED" || s == "TIMED_OUT" || s == "ABORTED"
}

// stepFailure is the failure of a state or step, as its history tells it.
type stepFailure struct {
	State string // the state or step it happened in ("" when unknown)
	Type  string // the event type, e.g. TaskFailed
	Error string
	Cause string
}

// findFailedStep finds the newest failure of a state or step in the newest
// events of an execution's history, with the name of the state it belongs
// to (followed through the events' previous ids). It returns nil when the
// newest events hold none.
func findFailedStep(ctx context.Context, c *client.Client, arn string) (*stepFailure, error) {
	const scan = 1000 // the failure that ended a run is among its last events
	byID := map[int64]client.HistoryEvent{}
	var failed *client.HistoryEvent
	n := 0
	for ev, err := range c.History(ctx, arn, client.HistoryOptions{Reverse: true, PageSize: 200}) {
		if err != nil {
			return nil, err
		}
		byID[ev.ID] = ev
		if failed == nil && !strings.HasPrefix(ev.Type, "Execution") && (strings.HasSuffix(ev.Type, "Failed") || strings.HasSuffix(ev.Type, "TimedOut")) {
			if e := aslEvent(ev); e.Error != "" || e.Cause != "" {
				failed = &ev
			}
		}
		if n++; n >= scan {
			break
		}
	}
	if failed == nil {
		return nil, nil
	}
	e := aslEvent(*failed)
	sf := &stepFailure{Type: failed.Type, Error: e.Error, Cause: e.Cause, State: e.Name}
	for id, hops := failed.PreviousEventID, 0; sf.State == "" && id != 0 && hops < scan; hops++ {
		prev, ok := byID[id]
		if !ok {
			break
		}
		if name := aslEvent(prev).Name; name != "" && strings.HasSuffix(prev.Type, "Entered") {
			sf.State = name
		}
		id = prev.PreviousEventID
	}
	return sf, nil
}

// printFailedStep prints a step's failure with its whole cause: the
// stderr tail of a failed command is what its user needs to read.
func printFailedStep(w io.Writer, sf *stepFailure) {
	where := sf.State
	if where == "" {
		where = "(unknown state)"
	}
	fmt.Fprintf(w, "Failed step: %s (%s)\n", where, sf.Type)
	if sf.Error != "" {
		fmt.Fprintf(w, "  Error: %s\n", sf.Error)
	}
	if sf.Cause != "" {
		fmt.Fprintf(w, "  Cause:\n%s\n", indent(indent(strings.TrimRight(sf.Cause, "\n"))))
	}
}

func printExecution(w io.Writer, ex *client.Execution) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("Execution", ex.ExecutionArn)
	row("Workflow", ex.StateMachineArn)
	row("Version", ex.StateMachineVersionArn)
	row("Alias", ex.StateMachineAliasArn)
	row("Status", ex.Status)
	row("Started", when(ex.StartDate))
	if !ex.StopDate.IsZero() {
		row("Stopped", when(ex.StopDate))
	}
	row("Duration", took(ex.StartDate, ex.StopDate))
	if ex.RedriveCount > 0 {
		row("Redriven", fmt.Sprintf("%d times, last %s", ex.RedriveCount, when(ex.RedriveDate)))
	}
	row("Error", ex.Error)
	if !strings.Contains(ex.Cause, "\n") {
		row("Cause", ex.Cause)
	}
	_ = tw.Flush()
	if strings.Contains(ex.Cause, "\n") {
		fmt.Fprintf(w, "Cause:\n%s\n", indent(strings.TrimRight(ex.Cause, "\n")))
	}
	if len(ex.Input) > 0 {
		fmt.Fprintf(w, "Input:\n%s\n", indent(indentJSON(ex.Input)))
	}
	if len(ex.Output) > 0 {
		fmt.Fprintf(w, "Output:\n%s\n", indent(indentJSON(ex.Output)))
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func newExecHistoryCmd() *cobra.Command {
	var f remoteFlags
	var reverse, asJSON bool
	cmd := &cobra.Command{
		Use:   "history ARN",
		Short: "Print an execution's event history",
		Long: `History prints every event of an execution: one line per event (id, time
since the start, type, state, error) by default; with --json (or --output
json), the events as a JSON array in the shape of Step Functions'
GetExecutionHistory.`,
		Example: `  baton executions history ARN
  baton executions history ARN --reverse | head
  baton executions history ARN --json > history.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if asJSON {
				f.output = outputJSON
			}
			var events []client.HistoryEvent
			for ev, err := range c.History(context.Background(), args[0], client.HistoryOptions{Reverse: reverse, PageSize: 1000}) {
				if err != nil {
					return apiErr(&f, err)
				}
				events = append(events, ev)
			}
			if f.json() {
				if events == nil {
					events = []client.HistoryEvent{}
				}
				return printJSON(cmd.OutOrStdout(), events)
			}
			printHistory(cmd.OutOrStdout(), events)
			return nil
		},
	}
	cmd.Flags().BoolVar(&reverse, "reverse", false, "newest event first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as JSON (same as --output json)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func printHistory(w io.Writer, events []client.HistoryEvent) {
	var start time.Time
	for _, ev := range events {
		if ev.Type == "ExecutionStarted" || start.IsZero() || ev.Timestamp.Before(start) {
			start = ev.Timestamp.Time
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tTYPE\tSTATE\tDETAIL")
	for _, ev := range events {
		e := aslEvent(ev)
		detail := ""
		if e.Error != "" || e.Cause != "" {
			detail = strings.TrimSpace(e.Error + " " + shorten(e.Cause))
		}
		fmt.Fprintf(tw, "%d\t+%s\t%s\t%s\t%s\n", ev.ID, ev.Timestamp.Sub(start).Round(time.Millisecond), ev.Type, e.Name, detail)
	}
	_ = tw.Flush()
}

func newExecStopCmd() *cobra.Command {
	var f remoteFlags
	var errName, cause string
	cmd := &cobra.Command{
		Use:   "stop ARN",
		Short: "Stop (abort) a running execution",
		Long: `Stop aborts a running execution: it ends ABORTED, with the error and cause
given. Stopping an execution that has ended changes nothing.`,
		Example: `  baton executions stop ARN --error Manual --cause "wrong day"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			at, err := c.StopExecution(context.Background(), args[0], errName, cause)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), map[string]any{"executionArn": args[0], "stopDate": client.Time{Time: at}})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stopped %s at %s\n", args[0], when(client.Time{Time: at}))
			return nil
		},
	}
	cmd.Flags().StringVar(&errName, "error", "", "error name recorded with the abort")
	cmd.Flags().StringVar(&cause, "cause", "", "cause recorded with the abort")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newExecRedriveCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "redrive ARN",
		Short: "Resume a failed, timed-out or aborted execution where it stopped",
		Long: `Redrive restarts a FAILED, TIMED_OUT or ABORTED Standard execution from the
states that did not succeed, keeping what succeeded. Follow it with
'baton executions describe ARN' or 'baton executions history ARN'.`,
		Example: `  baton executions redrive ARN`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			at, err := c.RedriveExecution(context.Background(), args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), map[string]any{"executionArn": args[0], "redriveDate": client.Time{Time: at}})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "redriven %s at %s\n", args[0], when(client.Time{Time: at}))
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newExecRetryCmd() *cobra.Command {
	var f remoteFlags
	var from string
	var wait bool
	cmd := &cobra.Command{
		Use:   "retry ARN --from STEP",
		Short: "Run a step of an ended pipeline run and everything downstream of it again",
		Long: `Retry runs the step --from of an ended pipeline run (SUCCEEDED, FAILED,
TIMED_OUT or ABORTED), and every step downstream of it, again in the same
execution, which is RUNNING again (a redrive, counted in its redrive count).
The other steps keep their outputs; the run's handlers run again at its end.
Steps a stop cut short run again too. With --wait it follows the run to its
end, as 'baton executions watch' does.`,
		Example: `  baton executions retry ARN --from transform
  baton executions retry ARN --from load --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return usageErr("--from STEP names the step to run again")
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out, err := c.RetryExecution(context.Background(), args[0], from)
			if err != nil {
				return apiErr(&f, err)
			}
			if wait {
				return watchExecution(cmd, c, &f, args[0], false, true, 0)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "retrying %s from %s (redrive %d)\n", args[0], from, out.RedriveCount)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the step to run again, with everything downstream of it")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the run to its end")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newExecWatchCmd() *cobra.Command {
	var f remoteFlags
	var quiet, logs bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "watch ARN",
		Short: "Follow an execution to its end: its states as they run, then its outcome",
		Long: `Watch follows an execution that is already running (started by someone else,
a schedule or a trigger). It first replays what has happened so far, then
shows states entered and exited, retries and failures live on stderr, as
'baton start --wait' does, with what the tasks' commands write, each line
prefixed with its step ('  psd | read 1204 rows'; --logs=false leaves it
out). When the execution ends, its description goes to
stdout, with the failed step's whole error when it did not succeed.

Exit codes: 0 when the execution SUCCEEDED, 1 when it did not or --timeout
ran out first, 2 for usage or API errors. Ctrl-C stops watching, not the
execution.`,
		Example: `  baton executions watch arn:aws:states:us-east-1:123456789012:execution:etl:nightly
  baton executions watch ARN --timeout 30m --output json > outcome.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if timeout < 0 {
				return usageErr("--timeout must not be negative")
			}
			return watchExecution(cmd, c, &f, args[0], quiet, logs, timeout)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress on stderr, only the outcome")
	cmd.Flags().BoolVar(&logs, "logs", true, "show what the tasks' commands write, line by line, with the progress (--logs=false: states only)")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up watching after this long (e.g. 10m); 0: no limit")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// watchExecution follows an execution to its end, its progress on stderr
// (none when quiet), then prints its outcome; exit 1 unless it succeeded.
func watchExecution(cmd *cobra.Command, c *client.Client, f *remoteFlags, arn string, quiet, logs bool, timeout time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	stderr := &lockedWriter{w: cmd.ErrOrStderr()}
	var logsDone <-chan struct{}
	if logs && !quiet {
		logsDone = followLogLines(ctx, c, arn, stderr)
	}
	p := newProgress(stderr, quiet)
	ex, err := c.FollowExecution(ctx, arn, 0, func(ev client.HistoryEvent) error {
		p.events([]asl.HistoryEvent{aslEvent(ev)})
		return nil
	})
	if logsDone != nil && err == nil {
		// The last output is stored before the end: the follower reads it
		// and stops; it is not waited for past a few seconds.
		select {
		case <-logsDone:
		case <-time.After(5 * time.Second):
		}
	}
	p.finish()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &exitError{code: exitFailed, err: fmt.Errorf("the execution still runs after --timeout %s", timeout),
			hint: "Watch it again with: baton executions watch " + arn}
	case errors.Is(err, context.Canceled):
		return &exitError{code: exitFailed, err: errors.New("interrupted; the execution goes on"),
			hint: "Stop it with: baton executions stop " + arn}
	case err != nil:
		return apiErr(f, err)
	}
	out := cmd.OutOrStdout()
	if f.json() {
		err = printJSON(out, ex)
	} else {
		printExecution(out, ex)
		if failedStatus(ex.Status) {
			if sf, ferr := findFailedStep(context.Background(), c, arn); ferr == nil && sf != nil {
				printFailedStep(out, sf)
			}
		}
	}
	if err != nil {
		return err
	}
	if ex.Status != client.StatusSucceeded {
		return &exitError{code: exitFailed}
	}
	return nil
}
