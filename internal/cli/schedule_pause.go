package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// newSchedulePauseCmd is "baton schedule pause" (pause true) or "resume".
func newSchedulePauseCmd(pause bool) *cobra.Command {
	var f remoteFlags
	use, short, long := "resume WORKFLOW", "Resume the schedules of a deployed pipeline",
		`Resume starts a paused pipeline's schedules again from the next slot. The slots
skipped while it was paused do not run: backfill them if needed
(baton backfill WORKFLOW --from --to).`
	if pause {
		use, short, long = "pause WORKFLOW", "Pause the schedules of a deployed pipeline",
			`Pause stops a pipeline's schedules from starting runs: each slot that comes
while it is paused is skipped (a "Scheduled Run Skipped" event with reason
"paused", so a rule can see it). Its other triggers (upstream runs, data,
events) and starts by hand are not affected. The pause survives restarts
and deploys.`
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: "  baton schedule " + use[:len(use)-len(" WORKFLOW")] + " listings -n core-data-availability",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.PauseSchedules(context.Background(), args[0], pause); err != nil {
				return apiErr(&f, err)
			}
			state := "resumed"
			if pause {
				state = "paused"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: schedules %s\n", args[0], state)
			return nil
		},
	}
	addRemoteFlags(cmd, &f, false)
	return cmd
}
