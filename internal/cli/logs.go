package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
)

func newLogsCmd() *cobra.Command {
	var f remoteFlags
	var opts client.LogsOptions
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs EXECUTION",
		Short: "Print what the commands of an execution's tasks wrote",
		Long: `Logs prints the task logs of an execution: what the commands of its tasks
(baton:shell, --resource commands, pipeline steps) wrote on stdout and
stderr, in the order they wrote it, each attempt under a header line
"==> STEP attempt N <==". The server keeps the newest --max-task-log-bytes
of each attempt (1 MiB by default); where older output was cut, a line
"[... N bytes cut ...]" says so.

--follow prints the output as the commands write it (within about 0.2 s)
and returns once the execution has ended. --output json prints one JSON
object per chunk (seq, step, taskId, attempt, stream, time, text, cut), one
per line.`,
		Example: `  baton logs arn:aws:states:us-east-1:123456789012:execution:etl:nightly
  baton logs ARN --step Extract --attempt 2
  baton logs ARN --follow
  baton logs ARN --output json | jq -r 'select(.stream == "stderr") | .text'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if opts.Attempt < 0 {
				return usageErr("--attempt %d: want 1 or more (1 is the first run of a task)", opts.Attempt)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			p := &logPrinter{w: cmd.OutOrStdout(), json: f.json(), headers: opts.Step == "" || opts.Attempt == 0}
			if follow {
				if _, err := c.FollowLogs(ctx, args[0], opts, p.print); err != nil && ctx.Err() == nil {
					return apiErr(&f, err)
				}
				return p.end()
			}
			for {
				page, err := c.ExecutionLogs(ctx, args[0], opts)
				if err != nil {
					return apiErr(&f, err)
				}
				for _, ch := range page.Chunks {
					if err := p.print(ch); err != nil {
						return err
					}
				}
				if len(page.Chunks) == 0 {
					return p.end()
				}
				opts.Offset = page.Offset
			}
		},
	}
	cmd.Flags().StringVar(&opts.Step, "step", "", "only the tasks of this state (pipeline step)")
	cmd.Flags().IntVar(&opts.Attempt, "attempt", 0, "only this attempt: 1 for the first run, 2 for the first retry... (default: all)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "print output as it is written, until the execution ends")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

// logPrinter prints chunks as text, with a header when the task changes,
// or as JSON lines.
type logPrinter struct {
	w       io.Writer
	json    bool
	headers bool
	task    string // the task of the last chunk printed
	midLine bool   // the last chunk did not end its line
}

func (p *logPrinter) print(ch client.LogChunk) error {
	if p.json {
		b, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	}
	if p.headers && ch.TaskID != p.task {
		if p.midLine {
			fmt.Fprintln(p.w)
		}
		fmt.Fprintf(p.w, "==> %s attempt %d <==\n", ch.Step, ch.Attempt)
	}
	p.task = ch.TaskID
	if ch.Text != "" {
		p.midLine = ch.Text[len(ch.Text)-1] != '\n'
	}
	_, err := io.WriteString(p.w, ch.Text)
	return err
}

// end finishes the last line.
func (p *logPrinter) end() error {
	if p.midLine && !p.json {
		_, err := fmt.Fprintln(p.w)
		return err
	}
	return nil
}

// logLines prints task output line by line, each line prefixed with its
// step, for the progress of watch and start --wait. A line is printed once
// it ends (or past maxPartialLine bytes), so that two steps' output does not
// interleave within a line.
type logLines struct {
	mu      sync.Mutex
	w       io.Writer
	partial map[string]partialLine // by task and stream
}

// partialLine is the start of a line not ended yet.
type partialLine struct{ step, text string }

const maxPartialLine = 64 << 10

func (l *logLines) print(ch client.LogChunk) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ch.TaskID + "\x00" + ch.Stream
	lines := strings.Split(l.partial[key].text+ch.Text, "\n")
	rest := lines[len(lines)-1]
	for _, line := range lines[:len(lines)-1] {
		fmt.Fprintf(l.w, "  %s | %s\n", ch.Step, line)
	}
	if len(rest) > maxPartialLine {
		fmt.Fprintf(l.w, "  %s | %s\n", ch.Step, rest)
		rest = ""
	}
	if rest == "" {
		delete(l.partial, key)
	} else {
		l.partial[key] = partialLine{ch.Step, rest}
	}
	return nil
}

// followLogLines prints an execution's task output to w as it is written,
// until ctx ends or the execution has ended and its output was read; the
// returned channel is closed then.
func followLogLines(ctx context.Context, c *client.Client, arn string, w io.Writer) <-chan struct{} {
	done := make(chan struct{})
	l := &logLines{w: w, partial: map[string]partialLine{}}
	go func() {
		defer close(done)
		_, _ = c.FollowLogs(ctx, arn, client.LogsOptions{}, l.print)
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, rest := range l.partial {
			fmt.Fprintf(w, "  %s | %s\n", rest.step, rest.text)
		}
	}()
	return done
}

// lockedWriter serialises the writes of the progress and log printers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
