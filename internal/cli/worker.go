package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasklog"
	"github.com/batonhq/baton/internal/tasks"
)

// Error names a worker reports with SendTaskFailure; Retry and Catch rules
// of the Task state match them.
const (
	workerExitError   = "Worker.ExitError"   // the command exited non-zero
	workerStartError  = "Worker.StartError"  // the command could not start
	workerInterrupted = "Worker.Interrupted" // the worker stopped before the command ended
	workerBadOutput   = "Worker.InvalidOutput"
)

type workerFlags struct {
	remoteFlags
	activity    string
	concurrency int
	heartbeat   time.Duration
	name        string
	grace       time.Duration
	maxOutput   int
	envErr      error
}

func newWorkerCmd() *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker --activity NAME [flags] -- COMMAND [ARGS...]",
		Short: "Run a command for each task of an activity",
		Long: `Worker serves an activity: Task states whose Resource is the activity's ARN
(arn:aws:states:REGION:ACCOUNT:activity:NAME) hand it their tasks. It creates
the activity when it is missing, long-polls the server for tasks with
--concurrency slots, and runs COMMAND for each task:

  - the task's input (JSON) is the command's stdin;
  - BATON_TASK_TOKEN holds the task token, BATON_ACTIVITY the activity name;
  - while it runs, a heartbeat is sent every --heartbeat;
  - exit 0: stdout is the task's result (when stdout is not JSON, it is
    sent as a JSON string);
  - non-zero exit: the task fails with error Worker.ExitError and a cause
    "exit code N: " followed by the end of stderr; a command that cannot
    start fails with Worker.StartError; stdout longer than
    --max-payload-bytes fails with Worker.InvalidOutput.

Commands run in a process group of their own, killed when they exit; on
Linux they die with the worker, even on kill -9.

The command's stdout and stderr are also sent to the server as they come
(every 64 KiB or 0.2 s), into the task's log: 'baton logs EXECUTION' shows
them, as for the server's own tasks.

One line per task is logged on stderr. SIGINT or SIGTERM stops polling and
waits up to --grace for running commands; those still running then (or at a
second signal) are stopped (SIGTERM, SIGKILL 5s later) and their tasks fail
with Worker.Interrupted.`,
		Example: `  baton worker --activity resize -- ./resize.sh
  baton worker --activity load --concurrency 4 --heartbeat 10s -- python3 load.py --db prod
  BATON_SERVER=http://baton:7780 baton worker --activity notify -- sh -c 'jq .message | ./send'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWorker(cmd, args, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.activity, "activity", "", "name of the activity to serve (required)")
	fl.IntVarP(&f.concurrency, "concurrency", "c", 1, "how many tasks run at once")
	fl.DurationVar(&f.heartbeat, "heartbeat", 20*time.Second, "interval of heartbeats while a command runs; 0: none")
	fl.StringVar(&f.name, "name", "", "worker name the server records with each task (default: the host name)")
	fl.DurationVar(&f.grace, "grace", 30*time.Second, "on SIGINT/SIGTERM, how long running commands may finish")
	fl.IntVar(&f.maxOutput, "max-payload-bytes", envInt(&f.envErr, "BATON_MAX_PAYLOAD_BYTES", asl.DefaultMaxPayloadBytes),
		"most bytes a command may write on stdout (its result; the server's default limit: 256 KiB); more fails the task with Worker.InvalidOutput")
	addRemoteFlags(cmd, &f.remoteFlags, false)
	return cmd
}

// worker runs the tasks of one activity.
type worker struct {
	c         *client.Client
	activity  string
	name      string
	heartbeat time.Duration
	argv      []string
	maxOutput int // most bytes of a command's stdout
	logMu     sync.Mutex
	log       io.Writer
}

func (w *worker) logf(format string, a ...any) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	fmt.Fprintf(w.log, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// Bounds of the worker's flags: past them a value only harms. Each slot
// is a goroutine and a connection long-polling the server, whose
// --max-connections (10,000 by default) a worker must not use up alone; a
// heartbeat is a request, and a shorter interval makes a tight loop of them.
const (
	maxConcurrency = 1000
	minHeartbeat   = 10 * time.Millisecond
)

func runWorker(cmd *cobra.Command, argv []string, f *workerFlags) error {
	c, err := f.client()
	if err != nil {
		return err
	}
	switch {
	case f.activity == "":
		return usageErr("--activity is required: the name of the activity whose tasks to run")
	case len(argv) == 0:
		return usageErr("give the command to run after --, e.g. baton worker --activity %s -- ./handle.sh", f.activity)
	case f.concurrency < 1 || f.concurrency > maxConcurrency:
		return usageErr("--concurrency %d: want 1 to %d (each slot holds a long poll to the server)", f.concurrency, maxConcurrency)
	case f.heartbeat < 0 || f.grace < 0:
		return usageErr("--heartbeat and --grace must not be negative")
	case f.envErr != nil:
		return usageErr("%v", f.envErr)
	case f.maxOutput < 1:
		return usageErr("--max-payload-bytes must be at least 1, not %d", f.maxOutput)
	case f.heartbeat > 0 && f.heartbeat < minHeartbeat:
		return usageErr("--heartbeat %s: want 0 (none) or %s or more; a shorter interval only loads the server", f.heartbeat, minHeartbeat)
	}
	if f.name == "" {
		f.name, _ = os.Hostname()
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return usageErr("command %q: %v", argv[0], err)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	setupCtx, cancelSetup := context.WithCancel(context.Background())
	go func() {
		select {
		case <-sigs:
			cancelSetup()
		case <-setupCtx.Done():
		}
	}()
	act, err := c.CreateActivity(setupCtx, f.activity)
	cancelSetup()
	if err != nil {
		return apiErr(&f.remoteFlags, err)
	}
	w := &worker{c: c, activity: f.activity, name: f.name, heartbeat: f.heartbeat, argv: argv, maxOutput: f.maxOutput, log: cmd.ErrOrStderr()}
	w.logf("worker %s: serving %s with %d slot(s): %s", w.name, act.ActivityArn, f.concurrency, strings.Join(argv, " "))

	pollCtx, stopPolling := context.WithCancel(context.Background())
	defer stopPolling()
	runCtx, killAll := context.WithCancel(context.Background())
	defer killAll()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range f.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(pollCtx, runCtx)
		}()
	}
	go func() { wg.Wait(); close(done) }()

	sig := <-sigs
	w.logf("worker %s: %v: no new tasks; waiting up to %s for running commands (signal again to kill them)", w.name, sig, f.grace)
	stopPolling()
	select {
	case <-done:
	case <-sigs:
		killAll()
		<-done
	case <-time.After(f.grace):
		killAll()
		<-done
	}
	w.logf("worker %s: stopped", w.name)
	return nil
}

// loop polls for tasks and runs them until pollCtx ends.
func (w *worker) loop(pollCtx, runCtx context.Context) {
	backoff := time.Second
	for pollCtx.Err() == nil {
		polled := time.Now()
		task, err := w.c.PollActivity(pollCtx, w.activity, w.name)
		if err != nil {
			if pollCtx.Err() != nil {
				return
			}
			w.logf("worker %s: polling: %v (retrying in %s)", w.name, err, backoff)
			select {
			case <-pollCtx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		if task != nil {
			backoff = time.Second
			w.run(runCtx, task)
			continue
		}
		// No task. A Baton server holds a poll up to a minute before it
		// answers empty; an empty answer at once (a proxy, another server,
		// a server shedding load) must not make the worker spin.
		if time.Since(polled) < minEmptyPoll {
			select {
			case <-pollCtx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
		} else {
			backoff = time.Second
		}
	}
}

// minEmptyPoll is how long an empty poll answer must have taken for the
// worker to poll again at once.
const minEmptyPoll = time.Second

// shortToken abbreviates a task token for the log.
func shortToken(t string) string {
	if len(t) > 12 {
		return t[:12] + "…"
	}
	return t
}

// run runs the command for one task and reports its outcome.
func (w *worker) run(ctx context.Context, task *client.ActivityTask) {
	start := time.Now()
	// Run as the server runs task commands: in a group of its own, killed
	// whole when it ends or ctx ends, dying with the worker (Linux), and
	// with its stdout bounded, so that a runaway command fails its task
	// rather than growing the worker without bound.
	logs := tasklog.New(remoteLog{w, task.TaskToken}, tasklog.Options{MaxBuffered: 256 << 10,
		Log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime}))}).OpenLog("", "", "", 0)
	cmd := tasks.Command{
		Argv:      w.argv,
		Env:       append(os.Environ(), "BATON_TASK_TOKEN="+task.TaskToken, "BATON_ACTIVITY="+w.activity),
		Stdin:     task.Input,
		MaxStdout: w.maxOutput,
		Logs:      logs,
	}
	hbCtx, stopHB := context.WithCancel(context.Background())
	if w.heartbeat > 0 {
		go w.heartbeats(hbCtx, task.TaskToken)
	}
	x, err := cmd.Run(ctx)
	stopHB()
	logs.Close() // sent before the result: an ended task's log is whole

	report, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := shortToken(task.TaskToken)
	elapsed := time.Since(start).Round(time.Millisecond)
	var errName, cause string
	switch {
	case ctx.Err() != nil:
		errName, cause = workerInterrupted, "the worker stopped before the command ended"
	case err != nil:
		errName, cause = workerStartError, err.Error()
		if f, ok := errors.AsType[*tasks.Failure](err); ok {
			cause = f.Cause
		}
	case !x.State.Success():
		errName, cause = workerExitError, fmt.Sprintf("exit code %d: %s", x.State.ExitCode(), x.Stderr)
		if x.State.ExitCode() < 0 {
			cause = fmt.Sprintf("%v: %s", x.State, x.Stderr)
		}
	case x.StdoutTruncated:
		errName, cause = workerBadOutput, fmt.Sprintf("the command wrote more than %d bytes on stdout, the limit of the worker's --max-payload-bytes (BATON_MAX_PAYLOAD_BYTES): write less, or raise the limit (and the server's)", w.maxOutput)
	default:
		out := bytes.TrimSpace(x.Stdout)
		var result any = json.RawMessage(out)
		if !json.Valid(out) {
			result = string(out)
		}
		rerr := w.c.SendTaskSuccess(report, task.TaskToken, result)
		if rerr == nil {
			w.logf("task %s: succeeded in %s", id, elapsed)
			return
		}
		if client.ErrorCode(rerr) != "InvalidOutput" && client.ErrorCode(rerr) != "ValidationException" {
			w.logf("task %s: succeeded in %s, but reporting it failed: %v", id, elapsed, rerr)
			return
		}
		errName, cause = workerBadOutput, "the server refused the command's output: "+rerr.Error()
	}
	cause = strings.TrimSpace(cause)
	if rerr := w.c.SendTaskFailure(report, task.TaskToken, errName, cause); rerr != nil {
		w.logf("task %s: failed (%s) in %s, but reporting it failed: %v", id, errName, elapsed, rerr)
		return
	}
	w.logf("task %s: failed in %s: %s: %s", id, elapsed, errName, firstLine(cause))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return shorten(s)
}

// dropTime leaves out slog's time: logf writes its own.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// remoteLog sends the output of a task's command to the server, into the
// log of the task its token names (the server applies its own size cap).
type remoteLog struct {
	w     *worker
	token string
}

func (r remoteLog) AppendLogs(ctx context.Context, _ int64, chunks []*store.LogChunk) error {
	texts := make([]client.TaskLogText, len(chunks))
	for i, c := range chunks {
		texts[i] = client.TaskLogText{Stream: c.Stream, Text: string(c.Data)}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return r.w.c.SendTaskLogs(ctx, r.token, texts)
}

// Write makes the worker's log an io.Writer, for tasklog's warnings (one
// per task whose output could not be sent).
func (w *worker) Write(p []byte) (int, error) {
	w.logf("%s", bytes.TrimSpace(p))
	return len(p), nil
}

// heartbeats sends a heartbeat every interval until ctx ends.
func (w *worker) heartbeats(ctx context.Context, token string) {
	t := time.NewTicker(w.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.c.SendTaskHeartbeat(ctx, token); err != nil && ctx.Err() == nil {
				w.logf("task %s: heartbeat: %v", shortToken(token), err)
			}
		}
	}
}
