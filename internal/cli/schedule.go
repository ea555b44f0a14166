package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/internal/events/schedule"
)

// maxScheduleCount bounds --count of schedule next.
const maxScheduleCount = 1000

func newScheduleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Show when schedule expressions fire; pause and resume a pipeline's schedules",
		Long: `Schedule expressions are those of a pipeline's trigger.schedule.cron and of
EventBridge rules: cron(...) and rate(...) and at(...) as EventBridge defines
them, or a 5-field cron (docs/events.md, "Schedules"). "next" prints when
one fires; "pause" and "resume" stop and restart a deployed pipeline's
schedules.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newScheduleNextCmd(), newSchedulePauseCmd(true), newSchedulePauseCmd(false))
	return cmd
}

func newScheduleNextCmd() *cobra.Command {
	var (
		tz, after, output string
		count             int
	)
	cmd := &cobra.Command{
		Use:   "next EXPRESSION",
		Short: "Print the next fire times of a schedule expression",
		Long: `Next prints the next --count fire times of EXPRESSION after --after (default:
now), in the time zone --timezone (default UTC), one a line with its
weekday, or as JSON with -o json. Around daylight saving changes a local
time that does not exist fires at the next valid instant, and one that
occurs twice fires once. An invalid expression exits 2 with what is wrong.
Fewer times than --count are printed when the schedule ends (an at() or the
last year of an EventBridge cron).

--after is RFC 3339 (2026-03-29T00:00:00Z), or a local time in --timezone
(2026-03-29T01:30, 2026-03-29).`,
		Example: `  baton schedule next 'cron(0 3 ? * MON-FRI *)' --timezone Europe/Berlin
  baton schedule next 'rate(15 minutes)' --count 3
  baton schedule next '30 2 * * *' --timezone Europe/Berlin --after 2026-03-28 -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != outputText && output != outputJSON {
				return usageErr("--output must be text or json, not %q", output)
			}
			if count < 1 || count > maxScheduleCount {
				return usageErr("--count must be from 1 to %d, not %d", maxScheduleCount, count)
			}
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "" || tz == "Local" {
				return usageErr("unknown time zone %q for --timezone: use an IANA name such as UTC or Europe/Berlin", tz)
			}
			from, err := parseAfter(after, loc)
			if err != nil {
				return err
			}
			// The words of an unquoted expression are one expression.
			s, err := schedule.Parse(strings.Join(args, " "))
			if err != nil {
				return &exitError{code: exitInvalid, err: err, hint: "Schedule expressions: docs/events.md (Schedules)."}
			}
			var times []string
			for t := from; len(times) < count; {
				next, ok := s.Next(t, loc)
				if !ok {
					break
				}
				times = append(times, next.Format(time.RFC3339))
				t = next
			}
			out := cmd.OutOrStdout()
			if output == outputJSON {
				return printJSON(out, map[string]any{
					"expression": s.String(), "timezone": loc.String(),
					"after": from.In(loc).Format(time.RFC3339), "next": append([]string{}, times...),
				})
			}
			for _, t := range times {
				tm, _ := time.Parse(time.RFC3339, t)
				fmt.Fprintf(out, "%s  %s\n", t, tm.Format("Mon"))
			}
			if len(times) < count {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s fires no more after %s\n", s, from.In(loc).Format(time.RFC3339))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tz, "timezone", "UTC", "IANA time zone the expression is read in")
	cmd.Flags().StringVar(&after, "after", "", "print fire times after this time (RFC 3339, or local in --timezone; default: now)")
	cmd.Flags().IntVar(&count, "count", 5, fmt.Sprintf("how many fire times to print (at most %d)", maxScheduleCount))
	cmd.Flags().StringVarP(&output, "output", "o", outputText, "output format: text or json")
	return cmd
}

// parseAfter reads --after: RFC 3339, or a local time of loc; "" is now.
func parseAfter(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("--after %q is not a time: use RFC 3339 (2026-03-29T00:00:00Z) or a local time in --timezone (2026-03-29T01:30 or 2026-03-29)", s)
}
