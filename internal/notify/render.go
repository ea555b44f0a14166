package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/notify/tmpl"
)

// Data is what a message says, and what a target's templates read.
type Data struct {
	Kind     string // run_started, step_failed, recovered, summary... (see Kind*)
	Workflow struct {
		Name, Namespace, Arn string
	}
	Run struct {
		Name, Arn, Status, URL string
		Started, Stopped       time.Time
		Duration               string // "3m12s" once it ended
		Error, Cause           string
		LogicalDate            string
		Redrives               int
	}
	Step struct {
		Name, Status, Error, Cause string
		Attempt                    int    // attempts so far (1 the first)
		LogTail                    string // the end of its log, on a failure
	}
	Summary struct {
		Runs     int            // runs not told one by one
		ByStatus map[string]int // their outcomes
		From, To time.Time
	}
}

// symbols of a status, for people who scan a channel.
func mark(status string) string {
	switch status {
	case "SUCCEEDED":
		return "✅"
	case "FAILED", "TIMED_OUT":
		return "❌"
	case "ABORTED":
		return "⛔"
	case "RUNNING":
		return "▶️"
	case "RETRYING":
		return "🔁"
	}
	return "•"
}

// title is the one-line summary: e-mail subject, Slack root, alert message.
func (d *Data) title() string {
	ns := ""
	if d.Workflow.Namespace != "" && d.Workflow.Namespace != "default" {
		ns = " (" + d.Workflow.Namespace + ")"
	}
	switch d.Kind {
	case KindSummary:
		return fmt.Sprintf("%s%s: %d more runs not reported one by one", d.Workflow.Name, ns, d.Summary.Runs)
	case KindRecovered:
		return fmt.Sprintf("%s %s%s recovered: run %s succeeded", mark("SUCCEEDED"), d.Workflow.Name, ns, d.Run.Name)
	case KindTest:
		return "Baton test notification"
	case KindStepStarted, KindStepSucceeded, KindStepFailed, KindStepRetry:
		return fmt.Sprintf("%s %s%s: step %s %s in run %s", mark(d.Step.Status), d.Workflow.Name, ns, d.Step.Name, d.Step.Status, d.Run.Name)
	}
	return fmt.Sprintf("%s %s%s: run %s %s", mark(d.Run.Status), d.Workflow.Name, ns, d.Run.Name, d.Run.Status)
}

// text is the default message.
func (d *Data) text() string {
	var b strings.Builder
	switch d.Kind {
	case KindTest:
		b.WriteString("This is a test message from Baton: this target is configured correctly.")
		return b.String()
	case KindSummary:
		fmt.Fprintf(&b, "%d runs of %s between %s and %s were not reported one by one (rate limit):",
			d.Summary.Runs, d.Workflow.Name, d.Summary.From.UTC().Format(time.RFC3339), d.Summary.To.UTC().Format(time.RFC3339))
		for _, s := range []string{"FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED", "RUNNING"} {
			if n := d.Summary.ByStatus[s]; n > 0 {
				fmt.Fprintf(&b, " %d %s", n, strings.ToLower(s))
			}
		}
		b.WriteString(".")
		return b.String()
	case KindStepStarted, KindStepSucceeded, KindStepFailed, KindStepRetry:
		verb := map[string]string{KindStepStarted: "started", KindStepSucceeded: "succeeded", KindStepFailed: "failed", KindStepRetry: "is retried"}[d.Kind]
		if d.Kind == KindStepFailed && d.Step.Status == "TIMED_OUT" {
			verb = "timed out"
		}
		fmt.Fprintf(&b, "%s Step %s %s", mark(d.Step.Status), d.Step.Name, verb)
		if d.Step.Attempt > 1 {
			fmt.Fprintf(&b, " (attempt %d)", d.Step.Attempt)
		}
		if d.Step.Error != "" {
			fmt.Fprintf(&b, ": %s", d.Step.Error)
			if d.Step.Cause != "" {
				fmt.Fprintf(&b, ": %s", clip(d.Step.Cause, 500))
			}
		}
		if d.Step.LogTail != "" {
			fmt.Fprintf(&b, "\n```\n%s\n```", d.Step.LogTail)
		}
	default:
		verb := map[string]string{KindRunStarted: "started", KindRunSucceeded: "succeeded", KindRunFailed: "failed",
			KindRunTimedOut: "timed out", KindRunAborted: "was stopped", KindRecovered: "succeeded (recovered)"}[d.Kind]
		if verb == "" {
			verb = strings.ToLower(d.Run.Status)
		}
		fmt.Fprintf(&b, "Run %s of %s %s", d.Run.Name, d.Workflow.Name, verb)
		if d.Run.Duration != "" {
			fmt.Fprintf(&b, " after %s", d.Run.Duration)
		}
		if d.Run.LogicalDate != "" {
			fmt.Fprintf(&b, " (logical date %s)", d.Run.LogicalDate)
		}
		if d.Step.Name != "" && d.Kind != KindRunSucceeded && d.Kind != KindRecovered && d.Kind != KindRunStarted {
			fmt.Fprintf(&b, "\nFailing step: %s", d.Step.Name)
			if d.Step.Attempt > 1 {
				fmt.Fprintf(&b, " (after %d attempts)", d.Step.Attempt)
			}
		}
		if d.Run.Error != "" {
			fmt.Fprintf(&b, "\nError: %s", d.Run.Error)
			if d.Run.Cause != "" {
				fmt.Fprintf(&b, ": %s", clip(d.Run.Cause, 1000))
			}
		}
		if d.Step.LogTail != "" && d.Kind != KindRunSucceeded && d.Kind != KindRecovered {
			fmt.Fprintf(&b, "\nEnd of its log:\n```\n%s\n```", d.Step.LogTail)
		}
	}
	if d.Run.URL != "" {
		fmt.Fprintf(&b, "\n%s", d.Run.URL)
	}
	return b.String()
}

// runURL is the link to a run on the server.
func runURL(public, arn string) string {
	if public == "" || arn == "" {
		return ""
	}
	return strings.TrimRight(public, "/") + "/api/v1/executions/" + url.PathEscape(arn)
}

// render gives the title and text of a message for a target: its own
// templates where it has them. A template that fails falls back to the
// default, with the failure said in the message, so that nothing is lost
// to a typo.
func render(d *Data, t *Template) (title, text string) {
	title, text = d.title(), d.text()
	if t == nil {
		return title, text
	}
	apply := func(name, src, def string) string {
		if src == "" {
			return def
		}
		tp, err := tmpl.Parse(name, src)
		if err == nil {
			var out string
			if out, err = tp.Execute(d); err == nil {
				return out
			}
		}
		return def + "\n(the target's " + name + " template failed: " + err.Error() + ")"
	}
	return strings.TrimSpace(apply("subject", t.Subject, title)), apply("text", t.Text, text)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func duration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
