package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/pipeline"
)

// maxBackfillSlots bounds the runs of one backfill.
const maxBackfillSlots = 10_000

func newBackfillCmd() *cobra.Command {
	var f remoteFlags
	var from, to string
	var index, concurrency int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "backfill PIPELINE --from TIME --to TIME",
		Short: "Run a deployed pipeline once per slot of its schedule in a past range",
		Long: `Backfill starts one run of a deployed pipeline for each slot of its schedule
after --from and up to --to (start exclusive, end inclusive, as Airflow's
data intervals), each with its slot as $run.logical_date and
$run.scheduled_time, the slot before as $run.data_interval_start, and
$run.trigger {"type": "backfill"}. Runs are named backfill-<slot>
(20261201T030000Z), so they are easy to find, and a backfill started again
skips the slots that ran. At most --max-concurrency run at once; the command
waits for all and prints each outcome. TIME is RFC 3339 or a day
(2026-11-01, midnight UTC).`,
		Example: `  baton backfill listings --from 2026-11-01 --to 2026-11-30 -n core-data-availability
  baton backfill listings --from 2026-11-01 --to 2026-11-07 --dry-run
  baton backfill nightly --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z --max-concurrency 8`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start, err := parseDay(from)
			if err != nil {
				return usageErr("--from %q: %v", from, err)
			}
			end, err := parseDay(to)
			if err != nil {
				return usageErr("--to %q: %v", to, err)
			}
			if now := time.Now(); end.After(now) {
				end = now // the schedule runs the slots to come
			}
			if !end.After(start) {
				return usageErr("--to %s is not after --from %s (and not in the future: the schedule runs those slots)", to, from)
			}
			if concurrency < 1 || concurrency > 100 {
				return usageErr("--max-concurrency %d: want 1 to 100", concurrency)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx := context.Background()
			wf, err := c.GetWorkflow(ctx, args[0])
			if err != nil {
				return apiErr(&f, err)
			}
			slots, prevs, scheduled, err := backfillSlots(wf, index, start, end)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if dryRun {
				for _, s := range slots {
					fmt.Fprintln(out, s.UTC().Format(time.RFC3339))
				}
				return nil
			}
			return runBackfill(ctx, c, &f, args[0], slots, prevs, scheduled, concurrency, out, errw)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "the range's start, exclusive (RFC 3339 or a day)")
	fl.StringVar(&to, "to", "", "the range's end, inclusive (RFC 3339 or a day)")
	fl.IntVar(&index, "schedule", 0, "which of the pipeline's schedules, from 0, when it has several")
	fl.IntVar(&concurrency, "max-concurrency", 4, "runs at once (1 to 100)")
	fl.BoolVar(&dryRun, "dry-run", false, "print the slots and start nothing")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("to")
	addRemoteFlags(cmd, &f, false)
	return cmd
}

// parseDay reads RFC 3339 or a day (midnight UTC).
func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want an RFC 3339 time (2026-11-01T03:00:00Z) or a day (2026-11-01)")
}

// backfillSlots returns the slots of the pipeline's schedule in (start,
// end], the slot before each, and the execution ARN each has when its
// schedule ran it.
func backfillSlots(wf *client.Workflow, index int, start, end time.Time) (slots, prevs []time.Time, scheduled []string, err error) {
	def := strings.TrimSpace(string(wf.Definition))
	var text string
	if strings.HasPrefix(def, `"`) {
		if err := json.Unmarshal([]byte(def), &text); err != nil {
			return nil, nil, nil, err
		}
	} else {
		text = def
	}
	pl, err := pipeline.Parse([]byte(text))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s is not a pipeline with a schedule: %v", wf.Name, err)
	}
	if pl.Trigger == nil || len(pl.Trigger.Schedules) == 0 {
		return nil, nil, nil, fmt.Errorf("%s has no trigger.schedule: start runs for given days with baton start --logical-date DAY", wf.Name)
	}
	if index < 0 || index >= len(pl.Trigger.Schedules) {
		return nil, nil, nil, fmt.Errorf("--schedule %d: %s has %d schedule(s), numbered from 0", index, wf.Name, len(pl.Trigger.Schedules))
	}
	expr, loc, err := events.CompileSchedule(pl.Trigger.Schedules[index])
	if err != nil {
		return nil, nil, nil, err
	}
	execPrefix := strings.Replace(wf.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":"
	prev, _ := events.PreviousSlot(expr, loc, start.Add(time.Nanosecond))
	for at := start; ; {
		n, ok := expr.Next(at, loc)
		if !ok || n.After(end) {
			break
		}
		if len(slots) == maxBackfillSlots {
			return nil, nil, nil, fmt.Errorf("the range holds more than %d slots: backfill it in parts", maxBackfillSlots)
		}
		slots, prevs = append(slots, n), append(prevs, prev)
		scheduled = append(scheduled, execPrefix+events.ScheduledRunName(wf.StateMachineArn, index, expr, loc, n))
		prev, at = n, n
	}
	if len(slots) == 0 {
		return nil, nil, nil, fmt.Errorf("the schedule %s has no slot after %s up to %s", expr, start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return slots, prevs, scheduled, nil
}

// runBackfill starts the slots' runs, at most n at once, and waits for them.
func runBackfill(ctx context.Context, c *client.Client, f *remoteFlags, workflow string, slots, prevs []time.Time, scheduled []string, n int, out, errw interface{ Write([]byte) (int, error) }) error {
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	counts := map[string]int{}
	var firstErr error
	for i, slot := range slots {
		// A slot its schedule ran is not run again.
		if _, err := c.DescribeExecution(ctx, scheduled[i]); err == nil {
			fmt.Fprintf(errw, "[%d/%d] %s ran by its schedule: skipped\n", i+1, len(slots), slot.UTC().Format(time.RFC3339))
			mu.Lock()
			counts["SKIPPED"]++
			mu.Unlock()
			continue
		}
		sem <- struct{}{}
		name := "backfill-" + slot.UTC().Format("20060102T150405Z")
		in := client.StartExecutionInput{Name: name, LogicalDate: slot.UTC().Format(time.RFC3339Nano), Backfill: true}
		if !prevs[i].IsZero() {
			in.DataIntervalStart = prevs[i].UTC().Format(time.RFC3339Nano)
		}
		started, err := c.StartExecution(ctx, workflow, in)
		var ae *client.APIError
		switch {
		case errors.As(err, &ae) && ae.Code == "ExecutionAlreadyExists":
			fmt.Fprintf(errw, "[%d/%d] %s ran before (%s): skipped\n", i+1, len(slots), slot.UTC().Format(time.RFC3339), name)
			mu.Lock()
			counts["SKIPPED"]++
			mu.Unlock()
			<-sem
			continue
		case err != nil:
			<-sem
			wg.Wait()
			return apiErr(f, err)
		}
		fmt.Fprintf(errw, "[%d/%d] %s started %s\n", i+1, len(slots), slot.UTC().Format(time.RFC3339), started.ExecutionArn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			x, err := c.WaitExecution(ctx, started.ExecutionArn)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			counts[x.Status]++
			fmt.Fprintf(out, "%s %s %s\n", slot.UTC().Format(time.RFC3339), x.Status, started.ExecutionArn)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return apiErr(f, firstErr)
	}
	var parts []string
	for _, s := range []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "SKIPPED"} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(errw, "%d slots: %s\n", len(slots), strings.Join(parts, ", "))
	if counts["FAILED"]+counts["TIMED_OUT"]+counts["ABORTED"] > 0 {
		return &exitError{code: exitFailed}
	}
	return nil
}
