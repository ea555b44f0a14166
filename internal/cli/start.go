package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/client"
)

type startFlags struct {
	remoteFlags
	name      string
	input     string
	inputFile string
	wait      bool
	timeout   time.Duration
	quiet     bool
	maxInput  int
	envErr    error
	logical   string
	logs      bool
}

func newStartCmd() *cobra.Command {
	var f startFlags
	cmd := &cobra.Command{
		Use:   "start WORKFLOW",
		Short: "Start an execution of a deployed workflow",
		Long: `Start starts an execution of a workflow on the server and prints its ARN.
WORKFLOW is a name, NAME:VERSION, NAME:ALIAS or a state machine ARN.

With --wait it follows the execution: progress lines (states entered and
exited, failures) go to stderr, and when the execution ends its description
(as 'baton executions describe --output json' prints it) goes to stdout.

Exit codes: 0 when started (with --wait: when it SUCCEEDED), 1 when the
execution did not succeed or --timeout ran out first, 2 for usage or API
errors. Ctrl-C stops waiting, not the execution.`,
		Example: `  baton start etl --input '{"day": "2026-11-21"}'
  baton start etl:3 --name nightly-2026-11-21 --input-file input.json --wait
  echo '{"orderId": 7}' | baton start orders --wait --timeout 5m
  baton start sales-marketing --logical-date 2026-11-20 --wait   # a backfill of a pipeline`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return start(cmd, args[0], &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "execution name, unique per workflow (default: a UUID)")
	fl.BoolVar(&f.logs, "logs", false, "with --wait: also show what the tasks' commands write, each line prefixed with its step")
	fl.StringVar(&f.logical, "logical-date", "", "pipelines: the run's $run.logical_date, as a backfill (2026-11-21 or an RFC 3339 time; default: its start)")
	fl.StringVar(&f.input, "input", "", "execution input as JSON (default: stdin when it is not a terminal, else {})")
	fl.StringVar(&f.inputFile, "input-file", "", "read the execution input from this file")
	fl.BoolVarP(&f.wait, "wait", "w", false, "follow the execution to its end and print its outcome")
	fl.DurationVar(&f.timeout, "timeout", 0, "with --wait: give up waiting after this long (e.g. 10m); 0: no limit")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "with --wait: print no progress on stderr")
	fl.IntVar(&f.maxInput, "max-payload-bytes", envInt(&f.envErr, "BATON_MAX_PAYLOAD_BYTES", asl.DefaultMaxPayloadBytes),
		"refuse an input larger than this, before sending it (the server's default limit: 256 KiB); 0: no limit")
	addRemoteFlags(cmd, &f.remoteFlags, true)
	return cmd
}

func start(cmd *cobra.Command, workflow string, f *startFlags) error {
	c, err := f.client()
	if err != nil {
		return err
	}
	if f.timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	if f.envErr != nil {
		return usageErr("%v", f.envErr)
	}
	if f.maxInput < 0 {
		return usageErr("--max-payload-bytes must be 0 (no limit) or more, not %d", f.maxInput)
	}
	if f.timeout > 0 && !f.wait {
		return usageErr("--timeout bounds --wait: add --wait")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	v, err := readInput(cmd.InOrStdin(), stderr, f.input, f.inputFile, payloadLimit(f.maxInput))
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logical, err := parseLogicalDate(f.logical)
	if err != nil {
		return err
	}
	in := client.StartExecutionInput{Name: f.name, Input: json.RawMessage(asl.MarshalJSON(v))}
	if !logical.IsZero() {
		in.LogicalDate = logical.Format(time.RFC3339Nano)
	}
	out, err := c.StartExecution(ctx, workflow, in)
	if err != nil {
		return apiErr(&f.remoteFlags, err)
	}
	if !f.wait {
		if f.json() {
			return printJSON(stdout, out)
		}
		fmt.Fprintln(stdout, out.ExecutionArn)
		return nil
	}
	fmt.Fprintln(stderr, "started", out.ExecutionArn)
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	locked := &lockedWriter{w: stderr}
	var logsDone <-chan struct{}
	if f.logs && !f.quiet {
		logsDone = followLogLines(ctx, c, out.ExecutionArn, locked)
	}
	p := newProgress(locked, f.quiet)
	ex, err := c.FollowExecution(ctx, out.ExecutionArn, 0, func(ev client.HistoryEvent) error {
		p.events([]asl.HistoryEvent{aslEvent(ev)})
		return nil
	})
	if logsDone != nil && err == nil {
		select { // its last output is read and printed, within a few seconds
		case <-logsDone:
		case <-time.After(5 * time.Second):
		}
	}
	p.finish()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &exitError{code: exitFailed, err: fmt.Errorf("the execution still runs after --timeout %s", f.timeout),
			hint: "Follow it with: baton executions describe " + out.ExecutionArn}
	case errors.Is(err, context.Canceled):
		return &exitError{code: exitFailed, err: errors.New("interrupted; the execution goes on"),
			hint: "Stop it with: baton executions stop " + out.ExecutionArn}
	case err != nil:
		return apiErr(&f.remoteFlags, err)
	}
	if err := printJSON(stdout, ex); err != nil {
		return err
	}
	if ex.Status != client.StatusSucceeded {
		return &exitError{code: exitFailed}
	}
	return nil
}

// aslEvent converts an event of the API for the progress display.
func aslEvent(ev client.HistoryEvent) asl.HistoryEvent {
	var d struct {
		Name  string `json:"name"`
		Index int    `json:"index"`
		Error string `json:"error"`
		Cause string `json:"cause"`
	}
	_ = json.Unmarshal(ev.Details, &d)
	return asl.HistoryEvent{ID: ev.ID, PreviousEventID: ev.PreviousEventID, Timestamp: ev.Timestamp.Time, Type: ev.Type,
		Name: d.Name, Index: d.Index, Error: d.Error, Cause: d.Cause}
}
