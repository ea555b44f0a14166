package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newEventsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Put custom events on an event bus",
		Long: `Events on a bus start the workflows of the rules that match them (baton
rules). Custom events are EventBridge's: a source, a detail-type and a
detail (a JSON object); AWS code that calls PutEvents works against the
server unchanged.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newEventsPutCmd(), newEventsTailCmd())
	return cmd
}

func newEventsPutCmd() *cobra.Command {
	var f remoteFlags
	var ev client.Event
	var detail string
	cmd := &cobra.Command{
		Use:     "put",
		Short:   "Put one event on a bus and print its id",
		Example: `  baton events put --source billing --detail-type "Invoice Batch Closed" --detail '{"batch":7}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ev.Source == "" || ev.DetailType == "" {
				return usageErr("--source and --detail-type are required")
			}
			d, err := jsonArg("--detail", detail)
			if err != nil {
				return err
			}
			ev.Detail = json.RawMessage(d)
			c, err := f.client()
			if err != nil {
				return err
			}
			res, err := c.PutEvents(context.Background(), []client.Event{ev})
			if err != nil {
				return apiErr(&f, err)
			}
			if len(res) != 1 {
				return fmt.Errorf("the server answered %d results for one event", len(res))
			}
			if res[0].ErrorCode != "" {
				return usageErr("event refused: %s: %s", res[0].ErrorCode, res[0].ErrorMessage)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), res[0])
			}
			fmt.Fprintln(cmd.OutOrStdout(), res[0].EventID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&ev.Source, "source", "", "the event's source (billing)")
	fl.StringVar(&ev.DetailType, "detail-type", "", "the event's detail-type (Invoice Batch Closed)")
	fl.StringVar(&detail, "detail", "{}", "the event's detail: a JSON object, or @FILE")
	fl.StringVar(&ev.Bus, "bus", "", "event bus (default: default)")
	fl.StringArrayVar(&ev.Resources, "resource", nil, "an ARN the event is about (repeatable)")
	addRemoteFlags(cmd, &f, true)
	return cmd
}
