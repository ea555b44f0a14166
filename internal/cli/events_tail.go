package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func newEventsTailCmd() *cobra.Command {
	var f remoteFlags
	var follow, fromStart bool
	var source, detailType string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the events on the namespace's buses, and follow new ones",
		Long: `Tail prints the events on the buses of a namespace, one JSON document a
line, oldest first: runs' status changes (aws.states), pipelines' steps
(baton.pipeline), skipped slots (baton.scheduler), arrivals (aws.s3) and
custom events. By default it prints the events from now on; --from-start
prints those the server keeps first (--event-retention). --follow keeps
printing until interrupted. --source and --detail-type keep only those.`,
		Example: `  baton events tail --follow
  baton events tail --from-start --source aws.states | jq -c '.detail | {name, status}'
  baton events tail --follow -n core-data-availability --detail-type "Step Functions Execution Status Change"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval < 100*time.Millisecond {
				return usageErr("--interval %s: want at least 100ms", interval)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			after := int64(-1)
			if fromStart {
				after = 0
			}
			out := cmd.OutOrStdout()
			for {
				page, err := c.ReadBus(ctx, after, 1000)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return apiErr(&f, err)
				}
				for _, e := range page.Events {
					var env struct {
						Source     string `json:"source"`
						DetailType string `json:"detail-type"`
					}
					_ = json.Unmarshal(e.Event, &env)
					if (source != "" && env.Source != source) || (detailType != "" && env.DetailType != detailType) {
						continue
					}
					fmt.Fprintf(out, "%s\n", e.Event)
				}
				moved := page.Next != after
				after = page.Next
				if moved {
					continue // more may be there
				}
				if !follow {
					return nil
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	fl.BoolVar(&fromStart, "from-start", false, "print the events the server keeps first")
	fl.StringVar(&source, "source", "", "only events of this source")
	fl.StringVar(&detailType, "detail-type", "", "only events of this detail-type")
	fl.DurationVar(&interval, "interval", time.Second, "how often --follow asks for new events")
	addRemoteFlags(cmd, &f, false)
	return cmd
}
