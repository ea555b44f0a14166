package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/batonhq/baton/client"
)

// printDataTriggers prints the watched locations of a workflow for
// baton triggers explain.
func printDataTriggers(out io.Writer, ds []client.DataTriggerState) {
	for _, d := range ds {
		batch := fmt.Sprintf("batch %d", d.BatchSize)
		if d.BatchWindow != "" {
			batch += ", window " + d.BatchWindow
		}
		fmt.Fprintf(out, "data %s (%s)\n", d.Path, batch)
		if d.Error != "" {
			fmt.Fprintf(out, "  cannot be listed: %s\n", d.Error)
		}
		switch {
		case d.Waiting > 0 && d.StartsBy != nil:
			fmt.Fprintf(out, "  waiting: %d of %d object(s), the run starts by %s at the latest\n", d.Waiting, d.BatchSize, d.StartsBy.Format(time.RFC3339))
		case d.Waiting > 0:
			fmt.Fprintf(out, "  waiting: %d of %d object(s)\n", d.Waiting, d.BatchSize)
		default:
			fmt.Fprintf(out, "  waiting: nothing (a new object starts a run)\n")
		}
		for _, u := range d.WaitingURLs {
			fmt.Fprintf(out, "      %s\n", u)
		}
		if d.LastListed != nil && d.NextListing != nil {
			fmt.Fprintf(out, "  listed: %s, next rescan %s\n", d.LastListed.Format(time.RFC3339), d.NextListing.Format(time.RFC3339))
		}
	}
}
