package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/batonhq/baton/internal/server"
)

type serverFlags struct {
	listen, dataDir, logFormat, durability, region, account string
	maxPayload, workers                                     int
	maxHistory                                              int64
	resources                                               []string
	shutdownGrace                                           time.Duration
	maxStepTime                                             time.Duration
	envErr                                                  error // a BATON_* number that is not one
}

func newServerCmd() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a Baton server: durable executions behind a Step Functions-compatible API",
		Long: `Run a Baton server: one process with the engine, the APIs and the built-in
workers. Executions, their history, tasks and timers are stored in SQLite
(WAL) inside --data-dir; a restart resumes every running execution.

APIs on --listen:
  POST /            the Step Functions API (AWS JSON 1.0, X-Amz-Target); point
                    AWS SDKs and the AWS CLI at it with an endpoint override
  /api/v1/...       the native REST API (docs/api.md), with live event streams
  /metrics          Prometheus metrics
  /healthz /readyz  liveness and readiness

Every flag has an environment variable: BATON_LISTEN, BATON_DATA_DIR,
BATON_LOG_FORMAT, BATON_DURABILITY, BATON_REGION, BATON_ACCOUNT_ID,
BATON_MAX_PAYLOAD_BYTES, BATON_MAX_HISTORY_EVENTS, BATON_MAX_STEP_TIME,
BATON_WORKERS.
SIGTERM or Ctrl-C stops it gracefully: it stops accepting requests, stores the
transitions in flight and leaves running executions to resume on restart.`,
		Example: `  baton server
  baton server --listen 0.0.0.0:7780 --data-dir /var/lib/baton --log-format json
  aws --endpoint-url http://127.0.0.1:7780 stepfunctions list-state-machines
  baton server --resource arn:aws:lambda:us-east-1:123456789012:function:Load='python3 load.py'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runServer(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", envOr("BATON_LISTEN", "127.0.0.1:7780"), "address to listen on (host:port)")
	fl.StringVar(&f.dataDir, "data-dir", envOr("BATON_DATA_DIR", "./baton-data"), "directory of the SQLite database")
	fl.StringVar(&f.logFormat, "log-format", envOr("BATON_LOG_FORMAT", ""), "log format: text or json (default: text on a terminal, json otherwise)")
	fl.StringVar(&f.durability, "durability", envOr("BATON_DURABILITY", "full"), "full: an acknowledged transition survives power loss; relaxed: it survives a crash of the process (faster)")
	fl.StringVar(&f.region, "region", envOr("BATON_REGION", "us-east-1"), "region in ARNs")
	fl.StringVar(&f.account, "account-id", envOr("BATON_ACCOUNT_ID", "123456789012"), "account id in ARNs")
	fl.IntVar(&f.maxPayload, "max-payload-bytes", envInt(&f.envErr, "BATON_MAX_PAYLOAD_BYTES", 262144), "largest execution input, output, state payload or task result")
	fl.Int64Var(&f.maxHistory, "max-history-events", int64(envInt(&f.envErr, "BATON_MAX_HISTORY_EVENTS", 25000)), "fail a Standard execution whose history grows past this (-1: no limit)")
	fl.DurationVar(&f.maxStepTime, "max-step-time", envDuration(&f.envErr, "BATON_MAX_STEP_TIME", 10*time.Second), "stop an execution that computes this long without waiting for a task or a timer (Baton.RunawayExecution)")
	fl.IntVar(&f.workers, "workers", envInt(&f.envErr, "BATON_WORKERS", 64), "built-in tasks (baton:shell, baton:http, mapped resources) run at once")
	fl.StringArrayVar(&f.resources, "resource", nil, "map a Task resource to a local command: ARN=COMMAND (repeatable)")
	fl.DurationVar(&f.shutdownGrace, "shutdown-grace", 30*time.Second, "how long a graceful stop waits for in-flight requests")
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envInt reads a number from the environment, or def when unset. A value
// that is not a number leaves def and is kept in *bad, reported when the
// server starts (flags are parsed before that).
func envInt(bad *error, name string, def int) int {
	return envValue(bad, name, def, strconv.Atoi, "a whole number")
}

// envDuration reads a duration (10s, 1m) from the environment, as envInt
// reads a number.
func envDuration(bad *error, name string, def time.Duration) time.Duration {
	return envValue(bad, name, def, time.ParseDuration, "a duration such as 10s or 1m")
}

func envValue[T any](bad *error, name string, def T, parse func(string) (T, error), want string) T {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		if *bad == nil {
			*bad = fmt.Errorf("%s=%q: want %s", name, v, want)
		}
		return def
	}
	return x
}

func runServer(cmd *cobra.Command, f serverFlags) error {
	stderr := cmd.ErrOrStderr()
	if f.envErr != nil {
		return usageErr("%v", f.envErr)
	}
	var handler slog.Handler
	switch f.logFormat {
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "":
		if file, ok := stderr.(*os.File); ok && isatty.IsTerminal(file.Fd()) {
			handler = slog.NewTextHandler(stderr, nil)
		} else {
			handler = slog.NewJSONHandler(stderr, nil)
		}
	default:
		return usageErr("--log-format %q: want text or json", f.logFormat)
	}
	if f.durability != "full" && f.durability != "relaxed" {
		return usageErr("--durability %q: want full or relaxed", f.durability)
	}
	if f.maxStepTime <= 0 {
		return usageErr("--max-step-time %s: want a positive duration such as 10s", f.maxStepTime)
	}
	resources, err := parseResources(f.resources)
	if err != nil {
		return err
	}
	log := slog.New(handler)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Start(ctx, server.Config{
		Listen: f.listen, DataDir: f.dataDir, Durability: f.durability, Region: f.region, AccountID: f.account,
		MaxPayloadBytes: f.maxPayload, MaxHistoryEvents: f.maxHistory, Workers: f.workers, Resources: resources, Log: log,
		MaxStepTime: f.maxStepTime,
	})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-srv.Done():
		if err != nil {
			log.Error("serving stopped", "err", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("shutdown: %w", err)}
	}
	log.Info("stopped")
	return nil
}
