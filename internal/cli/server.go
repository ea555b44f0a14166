package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/service"
)

type serverFlags struct {
	listen, dataDir, logFormat, durability, region, account string
	dbCheck                                                 string
	configFile                                              string // --config: the named connections of pipeline steps
	maxPayload, workers                                     int
	maxHistory                                              int64
	maxPipelineHistory                                      int64
	maxTaskLog                                              int64
	maxBundle                                               int64
	maxRulesPerBus, maxTargetsPerRule                       int
	resources                                               []string
	disableShell                                            bool
	allowedResources                                        string
	exposeEnv                                               string
	stepEnv                                                 string
	stepLocalNetwork                                        string
	stepPaths                                               string
	shutdownGrace                                           time.Duration
	maxStepTime                                             time.Duration
	eventRetention                                          time.Duration
	notify                                                  notifyFlags
	envErr                                                  error // a BATON_* number that is not one
	store                                                   string
	leaseTimeout                                            time.Duration
	cluster                                                 bool
	advertiseURL, nodeName                                  string

	// The HTTP surface (docs/server.md, "Security on a network").
	allowedHosts, allowedOrigins           []string
	readTimeout, writeTimeout, idleTimeout time.Duration
	maxConnections, maxStreams             int
	maxHeaderBytes                         int
	maxBodyMemory                          int64
	limits                                 limitFlags
	arrivals                               arrivalFlags

	// Authentication (docs/security.md).
	auth           string
	insecureNoAuth bool
	secretKey      string
	previousKeys   []string
	openMetrics    bool
	tlsCert        string
	tlsKey         string

	// The audit log and retention (docs/security.md).
	auditLog                           string
	auditRetention, executionRetention string
}

func newServerCmd() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a Baton server: durable executions behind a Step Functions-compatible API",
		Long: `Run a Baton server: one process with the engine, the APIs and the built-in
workers. Executions, their history, tasks and timers are stored in SQLite
(WAL) inside --data-dir, or in PostgreSQL with --store postgres://...; a
restart resumes every running execution.

APIs on --listen:
  POST /            the Step Functions API (AWS JSON 1.0, X-Amz-Target); point
                    AWS SDKs and the AWS CLI at it with an endpoint override;
                    and the EventBridge API (AWS JSON 1.1, AWSEvents.*)
  /api/v1/...       the native REST API (docs/api.md), with live event streams
  /metrics          Prometheus metrics
  /healthz /readyz  liveness and readiness

Every flag has an environment variable: BATON_LISTEN, BATON_DATA_DIR, BATON_STORE, BATON_LEASE_TIMEOUT,
BATON_CLUSTER, BATON_ADVERTISE_URL, BATON_NODE_NAME,
BATON_LOG_FORMAT, BATON_DURABILITY, BATON_REGION, BATON_ACCOUNT_ID,
BATON_MAX_PAYLOAD_BYTES, BATON_MAX_HISTORY_EVENTS, BATON_MAX_STEP_TIME,
BATON_SHUTDOWN_GRACE, BATON_MAX_RULES_PER_BUS, BATON_MAX_TARGETS_PER_RULE, BATON_WORKERS, BATON_DISABLE_SHELL, BATON_ALLOWED_RESOURCES,
BATON_ALLOWED_HOSTS, BATON_ALLOWED_ORIGINS, BATON_READ_TIMEOUT,
BATON_WRITE_TIMEOUT, BATON_IDLE_TIMEOUT, BATON_MAX_CONNECTIONS,
BATON_MAX_STREAMS, BATON_MAX_HEADER_BYTES, BATON_MAX_BODY_MEMORY, BATON_DB_CHECK, BATON_JSONATA_TIMEOUT,
BATON_JSONATA_MAX_BYTES, BATON_MAX_OPEN_BRANCHES, BATON_CONFIG,
BATON_ARRIVALS_DIR_RESCAN, BATON_ARRIVALS_S3_RESCAN, BATON_ARRIVALS_SETTLE,
BATON_ARRIVALS_LOOKBACK, BATON_AUTH, BATON_INSECURE_NO_AUTH, BATON_SECRET_KEY,
BATON_OPEN_METRICS, BATON_TLS_CERT, BATON_TLS_KEY.

Authentication (docs/security.md): off by default on a loopback address, on
otherwise (a network address with it off is refused unless
--insecure-no-auth). With it on, the native API needs a token and the AWS
APIs a SigV4 signature by an access key; the first start writes an admin
token to DATA_DIR/admin.token (readable by this user only).

At start the database is checked (--db-check quick by default); a damaged one
is refused with what to do (restore a backup made with 'baton backup').

The APIs answer only requests addressed to a name of the server (localhost,
a loopback address, the --listen host, --allowed-hosts) and refuse requests
sent by web pages of other origins (--allowed-origins): see docs/server.md,
"Security on a network".
SIGTERM or Ctrl-C stops it gracefully: it stops accepting requests, stores the
transitions in flight and leaves running executions to resume on restart.`,
		Example: `  baton server
  baton server --listen 0.0.0.0:7780 --data-dir /var/lib/baton --log-format json
  BATON_STORE=postgres://baton:PASSWORD@db.example.com/baton baton server
  BATON_STORE=postgres://baton:PASSWORD@db.example.com/baton baton server --cluster --listen 0.0.0.0:7780
  aws --endpoint-url http://127.0.0.1:7780 stepfunctions list-state-machines
  baton server --resource arn:aws:lambda:us-east-1:123456789012:function:Load='python3 load.py'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runServer(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", envOr("BATON_LISTEN", "127.0.0.1:7780"), "address to listen on (host:port)")
	fl.StringVar(&f.dataDir, "data-dir", envOr("BATON_DATA_DIR", "./baton-data"), "directory of the SQLite database, task processes' records, runs' working directories and the secret key")
	fl.StringVar(&f.store, "store", envOr("BATON_STORE", "sqlite"), "where executions are stored: sqlite (in --data-dir) or a PostgreSQL URL, postgres://USER:PASSWORD@HOST:5432/DB (prefer BATON_STORE, so that the password is not in the process list)")
	fl.BoolVar(&f.cluster, "cluster", envBool(&f.envErr, "BATON_CLUSTER"), "with PostgreSQL: run as a node of a cluster: every server on the database is active, runs the executions of the partitions it owns and serves every API (docs/operations.md); off: one server runs them and the others wait as standbys")
	fl.StringVar(&f.advertiseURL, "advertise-url", envOr("BATON_ADVERTISE_URL", ""), "with --cluster: the base URL the other nodes call this one at, such as http://baton-1.internal:7780 (default: the --listen address, or this machine's host name when it listens on every address)")
	fl.StringVar(&f.nodeName, "node-name", envOr("BATON_NODE_NAME", ""), "with PostgreSQL: this server's name in 'baton cluster status' and in the database's sessions, unique among the live servers (default: HOST pid N)")
	fl.DurationVar(&f.leaseTimeout, "lease-timeout", envDuration(&f.envErr, "BATON_LEASE_TIMEOUT", 10*time.Second), "with PostgreSQL: how long a server may be silent (dead, hung, cut off) before a standby server on the same database takes over its executions (at least 1s)")
	fl.StringVar(&f.logFormat, "log-format", envOr("BATON_LOG_FORMAT", ""), "log format: text or json (default: text on a terminal, json otherwise)")
	fl.StringVar(&f.durability, "durability", envOr("BATON_DURABILITY", "full"), "full: an acknowledged transition survives power loss; relaxed: it survives a crash of the process (faster)")
	fl.StringVar(&f.region, "region", envOr("BATON_REGION", "us-east-1"), "region in ARNs")
	fl.StringVar(&f.account, "account-id", envOr("BATON_ACCOUNT_ID", "123456789012"), "account id in ARNs")
	fl.IntVar(&f.maxPayload, "max-payload-bytes", envInt(&f.envErr, "BATON_MAX_PAYLOAD_BYTES", 262144), "largest execution input, output, state payload or task result")
	fl.Int64Var(&f.maxHistory, "max-history-events", int64(envInt(&f.envErr, "BATON_MAX_HISTORY_EVENTS", 25000)), "fail a Standard execution whose history grows past this (-1: no limit)")
	fl.Int64Var(&f.maxPipelineHistory, "max-pipeline-history-events", int64(envInt(&f.envErr, "BATON_MAX_PIPELINE_HISTORY_EVENTS", pipeline.DefaultMaxHistoryEvents)), "fail a pipeline run whose history grows past this (-1: no limit)")
	fl.Int64Var(&f.maxTaskLog, "max-task-log-bytes", int64(envInt(&f.envErr, "BATON_MAX_TASK_LOG_BYTES", 1<<20)), "output of a task attempt's command kept in its log (baton logs); past it the oldest is cut")
	fl.Int64Var(&f.maxBundle, "max-bundle-bytes", int64(envInt(&f.envErr, "BATON_MAX_BUNDLE_BYTES", bundle.DefaultMaxBytes)), "largest project a deploy may send: bytes of its files (baton deploy DIR)")
	fl.IntVar(&f.maxRulesPerBus, "max-rules-per-bus", envInt(&f.envErr, "BATON_MAX_RULES_PER_BUS", 300), "most EventBridge rules of one event bus (AWS's quota)")
	fl.IntVar(&f.maxTargetsPerRule, "max-targets-per-rule", envInt(&f.envErr, "BATON_MAX_TARGETS_PER_RULE", 5), "most targets of one EventBridge rule (AWS's quota)")
	fl.DurationVar(&f.eventRetention, "event-retention", envDuration(&f.envErr, "BATON_EVENT_RETENTION", 7*24*time.Hour), "keep events on the bus this long once every consumer has read them")
	fl.StringVar(&f.executionRetention, "execution-retention", envOr("BATON_EXECUTION_RETENTION", "90d"), "delete closed executions with their history and logs this long after they end (90d, 36h; 0: keep forever); a namespace may say otherwise (baton namespaces set-retention)")
	fl.StringVar(&f.auditLog, "audit-log", os.Getenv("BATON_AUDIT_LOG"), "append the audit log to this file too, as JSON lines (mode 0600)")
	fl.StringVar(&f.auditRetention, "audit-retention", envOr("BATON_AUDIT_RETENTION", "400d"), "delete audit entries this long after they were made (0: keep forever)")
	fl.StringVar(&f.notify.publicURL, "public-url", os.Getenv("BATON_PUBLIC_URL"), "the server's address as people reach it (https://baton.example.com), for links in notifications; default http://LISTEN")
	fl.IntVar(&f.notify.maxRuns, "notify-max-runs", envInt(&f.envErr, "BATON_NOTIFY_MAX_RUNS", 10), "runs of one workflow told one by one per --notify-window; the others are summed up in one message at the window's end")
	fl.DurationVar(&f.notify.window, "notify-window", envDuration(&f.envErr, "BATON_NOTIFY_WINDOW", 10*time.Minute), "the window of --notify-max-runs")
	fl.DurationVar(&f.notify.giveUp, "notify-give-up", envDuration(&f.envErr, "BATON_NOTIFY_GIVE_UP", 24*time.Hour), "a notification that cannot be delivered for this long goes to the failed list (baton notifications failed)")
	fl.DurationVar(&f.maxStepTime, "max-step-time", envDuration(&f.envErr, "BATON_MAX_STEP_TIME", 10*time.Second), "stop an execution that computes this long without waiting for a task or a timer (Baton.RunawayExecution)")
	fl.IntVar(&f.workers, "workers", envInt(&f.envErr, "BATON_WORKERS", 64), "built-in tasks (baton:shell, baton:http, mapped resources) run at once")
	fl.StringArrayVar(&f.resources, "resource", nil, "map a Task resource to a local command: ARN=COMMAND (repeatable)")
	// Built-in commands: servers whose workflows come from people who must
	// not run commands on the host switch them off.
	fl.BoolVar(&f.disableShell, "disable-shell", envBool(&f.envErr, "BATON_DISABLE_SHELL"), "switch baton:shell off: definitions using it are refused, and stored ones fail with Baton.ResourceDisabled (--resource mappings still run)")
	fl.StringVar(&f.exposeEnv, "expose-env", envOr("BATON_EXPOSE_ENV", ""), "environment variables pipelines read as $env, comma-separated (TEAM,REGION); none by default. Never name a secret: expressions' values land in histories")
	fl.StringVar(&f.stepEnv, "step-env", envOr("BATON_STEP_ENV", ""), "more variables of the server's environment that step and task commands get, comma-separated (AWS_REGION,HTTP_PROXY; NAME_* for a prefix); by default only PATH, HOME, USER, LOGNAME, SHELL, TERM, LANG, LANGUAGE, LC_*, TZ and TMPDIR, never the server's secrets")
	fl.StringVar(&f.stepLocalNetwork, "step-local-network", envOr("BATON_STEP_LOCAL_NETWORK", ""), "may steps' HTTP requests (http steps, baton:http, copy from a URL) reach this machine's loopback and the cloud's metadata service: allow or deny (default: deny with authentication on, allow without)")
	fl.StringVar(&f.stepPaths, "step-paths", envOr("BATON_STEP_PATHS", ""), "directories copy and wait_for steps and data triggers may use through file:// (besides their run's own), comma-separated (/data/landing,/data/out); default: anywhere with authentication off, none with it on; never the data directory")
	fl.StringVar(&f.allowedResources, "allowed-resources", envOr("BATON_ALLOWED_RESOURCES", ""), "built-in resources Tasks may use, comma-separated (baton:http,baton:shell), or none (default: all; --resource mappings are always allowed)")
	fl.StringVar(&f.configFile, "config", envOr("BATON_CONFIG", ""), "configuration file (YAML) with the named connections of pipeline steps (sql, s3, http); secrets as env:NAME or file:PATH (see docs/server.md)")
	fl.StringVar(&f.dbCheck, "db-check", envOr("BATON_DB_CHECK", "quick"), "check of the database at start: quick (PRAGMA quick_check), full (integrity_check, slower) or off; a damaged database is refused")
	fl.DurationVar(&f.shutdownGrace, "shutdown-grace", envDuration(&f.envErr, "BATON_SHUTDOWN_GRACE", 30*time.Second), "how long a graceful stop waits for in-flight requests")
	f.arrivals.register(fl)

	// The HTTP surface.
	conns, streams := server.DefaultLimits()
	fl.StringSliceVar(&f.allowedHosts, "allowed-hosts", envList("BATON_ALLOWED_HOSTS"), "Host names clients may reach the server by, besides localhost, loopback addresses and the --listen host (comma list; *.example.com for a domain)")
	fl.StringSliceVar(&f.allowedOrigins, "allowed-origins", envList("BATON_ALLOWED_ORIGINS"), "web origins (scheme://host[:port]) whose pages may call the APIs, besides the server's own (comma list)")
	fl.DurationVar(&f.readTimeout, "read-timeout", envDuration(&f.envErr, "BATON_READ_TIMEOUT", server.DefaultReadTimeout), "longest time to read a request, body included")
	fl.DurationVar(&f.writeTimeout, "write-timeout", envDuration(&f.envErr, "BATON_WRITE_TIMEOUT", server.DefaultWriteTimeout), "longest time to answer a request (long polls, waits and event streams excepted)")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", envDuration(&f.envErr, "BATON_IDLE_TIMEOUT", server.DefaultIdleTimeout), "close keep-alive connections idle this long")
	fl.IntVar(&f.maxConnections, "max-connections", envInt(&f.envErr, "BATON_MAX_CONNECTIONS", conns), "open connections at most; past it requests get 503 (default: 10000, or 3/4 of the file descriptor limit)")
	fl.IntVar(&f.maxStreams, "max-streams", envInt(&f.envErr, "BATON_MAX_STREAMS", streams), "event streams open at once at most; past it they get 503")
	fl.IntVar(&f.maxHeaderBytes, "max-header-bytes", envInt(&f.envErr, "BATON_MAX_HEADER_BYTES", server.DefaultMaxHeaderBytes), "largest request headers; larger ones get 431")
	fl.Int64Var(&f.maxBodyMemory, "max-body-memory", int64(envInt(&f.envErr, "BATON_MAX_BODY_MEMORY", server.DefaultMaxBodyMemory)), "bytes of request bodies held at once, all requests together; past it requests get 503")
	fl.StringVar(&f.auth, "auth", envOr("BATON_AUTH", ""), "authentication: on or off (default: off on a loopback --listen address, on otherwise); see docs/security.md")
	fl.BoolVar(&f.insecureNoAuth, "insecure-no-auth", envBool(&f.envErr, "BATON_INSECURE_NO_AUTH"), "allow --auth off on a network address (only behind a proxy that authenticates every request); said loudly in the log and on /readyz")
	fl.StringVar(&f.secretKey, "secret-key", envOr("BATON_SECRET_KEY", ""), "key that encrypts secrets stored in the database: env:NAME or file:PATH (32 bytes, hex or base64); default: DATA_DIR/secret.key, made at the first start")
	fl.StringArrayVar(&f.previousKeys, "previous-secret-key", nil, "a former --secret-key (env:NAME or file:PATH; repeatable) that still decrypts what was sealed before a key rotation, until those access keys are replaced (docs/security.md)")
	fl.StringVar(&f.tlsCert, "tls-cert", envOr("BATON_TLS_CERT", ""), "serve HTTPS with this certificate (PEM, chain included); with --tls-key; both are read again on SIGHUP")
	fl.StringVar(&f.tlsKey, "tls-key", envOr("BATON_TLS_KEY", ""), "the private key (PEM) of --tls-cert")
	fl.BoolVar(&f.openMetrics, "open-metrics", envBool(&f.envErr, "BATON_OPEN_METRICS"), "leave GET /metrics open without a token when authentication is on")
	f.limits.register(fl) // --jsonata-timeout, --jsonata-max-bytes, --max-open-branches (limits.go)
	return cmd
}

// envList reads a comma-separated list from the environment.
func envList(name string) []string {
	var out []string
	for v := range strings.SplitSeq(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// envDuration reads a duration from the environment, as envInt does; a
// bare number is seconds.
func envDuration(bad *error, name string, def time.Duration) time.Duration {
	return envParse(bad, name, def, parseDuration, "a duration such as 30s or 500ms")
}

// parseRetentionFlag reads a retention flag: days (90d), a duration
// (36h), or 0 to keep forever (returned negative, as server.Config wants).
func parseRetentionFlag(flag, v string) (time.Duration, error) {
	d, err := service.ParseRetention(v)
	if err == nil && d == 0 {
		err = fmt.Errorf("want a number of days (90d), a duration (36h), or 0 to keep forever, not %q", v)
	}
	if err != nil {
		return 0, usageErr("%s: %v", flag, err)
	}
	return d, nil
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

// checkRanges refuses the numbers that mean nothing, naming the flag and
// its valid range: a limit of zero or less, a negative duration.
func checkRanges(f serverFlags) error {
	ints := []struct {
		flag   string
		v, low int64
		hi     int64  // 0: no upper bound
		also   string // what else the range says
	}{
		{"--workers", int64(f.workers), 1, 0, ""},
		{"--max-payload-bytes", int64(f.maxPayload), 1, 1 << 30, ""},
		{"--max-history-events", f.maxHistory, 1, 0, " (or -1: no limit)"},
		{"--max-pipeline-history-events", f.maxPipelineHistory, 1, 0, " (or -1: no limit)"},
		{"--max-task-log-bytes", f.maxTaskLog, 1024, 1 << 30, ""},
		{"--max-bundle-bytes", f.maxBundle, 1024, 4 << 30, ""},
		{"--max-rules-per-bus", int64(f.maxRulesPerBus), 1, 100000, ""},
		{"--max-targets-per-rule", int64(f.maxTargetsPerRule), 1, 100, ""},
		{"--max-connections", int64(f.maxConnections), 1, 0, ""},
		{"--max-streams", int64(f.maxStreams), 1, int64(f.maxConnections), " (at most --max-connections)"},
		{"--max-header-bytes", int64(f.maxHeaderBytes), 1024, 1 << 20, ""},
		{"--max-body-memory", f.maxBodyMemory, max(4<<20, 2*int64(f.maxPayload)+64<<10), 0, " (room for the largest request body)"},
	}
	for _, c := range ints {
		if c.v >= c.low && (c.hi == 0 || c.v <= c.hi) || (c.flag == "--max-history-events" || c.flag == "--max-pipeline-history-events") && c.v == -1 {
			continue
		}
		want := fmt.Sprintf("want %d or more", c.low)
		if c.hi != 0 {
			want = fmt.Sprintf("want %d to %d", c.low, c.hi)
		}
		return usageErr("%s %d: %s%s", c.flag, c.v, want, c.also)
	}
	if limit, ok := server.FileLimit(); ok && uint64(f.maxConnections) >= limit {
		return usageErr("--max-connections %d: the process may open only %d files (ulimit -n); raise that limit or lower --max-connections", f.maxConnections, limit)
	}
	durations := []struct {
		flag     string
		v        time.Duration
		zeroOkay bool
	}{
		{"--read-timeout", f.readTimeout, false},
		{"--write-timeout", f.writeTimeout, false},
		{"--idle-timeout", f.idleTimeout, false},
		{"--shutdown-grace", f.shutdownGrace, true},
	}
	if f.leaseTimeout < time.Second {
		return usageErr("--lease-timeout %v: want at least 1s, such as 10s", f.leaseTimeout)
	}
	if f.cluster && !server.IsPostgres(f.store) {
		return usageErr("--cluster needs a PostgreSQL store: --store postgres://USER:PASSWORD@HOST:5432/DB (with SQLite one server runs everything)")
	}
	if f.advertiseURL != "" {
		if u, err := url.Parse(f.advertiseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--advertise-url %q: want the base URL other nodes reach this one at, such as http://baton-1.internal:7780", f.advertiseURL)
		}
	}
	for _, d := range durations {
		if d.v < 0 || d.v == 0 && !d.zeroOkay {
			want := "want a duration above 0, such as 30s"
			if d.zeroOkay {
				want = "want 0 or more, such as 30s"
			}
			return usageErr("%s %v: %s", d.flag, d.v, want)
		}
	}
	return nil
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
	return envParse(bad, name, def, strconv.Atoi, "a whole number")
}

// envParse reads a variable with parse; what the error says it wants.
func envParse[T any](bad *error, name string, def T, parse func(string) (T, error), what string) T {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		if *bad == nil {
			*bad = fmt.Errorf("%s=%q: want %s", name, v, what)
		}
		return def
	}
	return x
}

// envBool reads a boolean from the environment (false when unset), keeping
// a value that is not one in *bad as envInt does.
func envBool(bad *error, name string) bool {
	return envParse(bad, name, false, strconv.ParseBool, "true or false")
}

// allowedList parses --allowed-resources: "" allows every built-in (nil),
// "none" none.
// exposedEnv is the environment --expose-env lets pipelines read as $env:
// the named variables that are set.
func exposedEnv(names string) map[string]string {
	env := map[string]string{}
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			if v, ok := os.LookupEnv(n); ok {
				env[n] = v
			}
		}
	}
	return env
}

func allowedList(v string) []string {
	switch strings.TrimSpace(v) {
	case "":
		return nil
	case "none":
		return []string{}
	}
	var list []string
	for _, r := range strings.Split(v, ",") {
		if r = strings.TrimSpace(r); r != "" {
			list = append(list, r)
		}
	}
	return list
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
	if err := server.CheckStore(f.store); err != nil {
		return usageErr("--store: %v", err)
	}
	if err := checkRanges(f); err != nil {
		return err
	}
	if f.durability != "full" && f.durability != "relaxed" {
		return usageErr("--durability %q: want full or relaxed", f.durability)
	}
	if f.dbCheck != "quick" && f.dbCheck != "full" && f.dbCheck != "off" {
		return usageErr("--db-check %q: want quick, full or off", f.dbCheck)
	}
	if v := f.stepLocalNetwork; v != "" && v != "allow" && v != "deny" {
		return usageErr("--step-local-network %q: want allow or deny", v)
	}
	if f.eventRetention < time.Minute {
		return usageErr("--event-retention %s: want at least 1m, such as 168h", f.eventRetention)
	}
	if err := f.notify.check(); err != nil {
		return err
	}
	executionRetention, err := parseRetentionFlag("--execution-retention", f.executionRetention)
	if err != nil {
		return err
	}
	if err := service.CheckExecutionRetention(executionRetention); err != nil {
		return usageErr("--execution-retention: %v", err)
	}
	auditRetention, err := parseRetentionFlag("--audit-retention", f.auditRetention)
	if err != nil {
		return err
	}
	if f.auth != "" && f.auth != "on" && f.auth != "off" {
		return usageErr("--auth %q: want on or off", f.auth)
	}
	if f.maxStepTime <= 0 {
		return usageErr("--max-step-time %s: want a positive duration such as 10s", f.maxStepTime)
	}
	resources, err := parseResources(f.resources)
	if err != nil {
		return err
	}
	limits, err := f.limits.limits()
	if err != nil {
		return err
	}
	arrivals, err := f.arrivals.config()
	if err != nil {
		return err
	}
	log := slog.New(handler)
	var conns *config.Config
	if f.configFile != "" {
		if conns, err = config.Load(f.configFile); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("--config: %w", err)}
		}
		log.Info("configuration loaded", "file", f.configFile, "connections", len(conns.Connections))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Start(ctx, server.Config{
		Listen: f.listen, DataDir: f.dataDir, Store: f.store, LeaseTimeout: f.leaseTimeout, Cluster: f.cluster, AdvertiseURL: f.advertiseURL, NodeName: f.nodeName, Durability: f.durability, Region: f.region, AccountID: f.account,
		MaxPayloadBytes: f.maxPayload, MaxHistoryEvents: f.maxHistory, MaxPipelineHistoryEvents: f.maxPipelineHistory, MaxTaskLogBytes: f.maxTaskLog, MaxBundleBytes: f.maxBundle, MaxRulesPerBus: f.maxRulesPerBus, MaxTargetsPerRule: f.maxTargetsPerRule, Workers: f.workers, Resources: resources, Log: log,
		DisableShell: f.disableShell, AllowedResources: allowedList(f.allowedResources), PipelineEnv: exposedEnv(f.exposeEnv), StepEnv: allowedList(f.stepEnv), StepLocalNetwork: f.stepLocalNetwork, StepPaths: allowedList(f.stepPaths),
		HTTP: server.HTTPConfig{
			AllowedHosts: f.allowedHosts, AllowedOrigins: f.allowedOrigins,
			ReadTimeout: f.readTimeout, WriteTimeout: f.writeTimeout, IdleTimeout: f.idleTimeout,
			MaxConnections: f.maxConnections, MaxStreams: f.maxStreams, MaxHeaderBytes: f.maxHeaderBytes,
			MaxBodyMemory: f.maxBodyMemory,
		},
		DBCheck: f.dbCheck, Limits: limits, MaxStepTime: f.maxStepTime, Connections: conns, EventRetention: f.eventRetention,
		Arrivals: arrivals, Notify: f.notify.config(),
		Auth:     server.AuthConfig{Mode: f.auth, InsecureNoAuth: f.insecureNoAuth, SecretKey: f.secretKey, PreviousSecretKeys: f.previousKeys, OpenMetrics: f.openMetrics},
		TLS:      server.TLSConfig{CertFile: f.tlsCert, KeyFile: f.tlsKey},
		AuditLog: f.auditLog, AuditRetention: auditRetention, ExecutionRetention: executionRetention,
	})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var stopped error // what stopped the server, if not a signal
wait:
	for {
		select {
		case <-hup:
			// A renewed certificate takes effect without a restart.
			if f.tlsCert == "" {
				log.Info("SIGHUP ignored: no --tls-cert to read again")
			} else if err := srv.ReloadTLS(); err != nil {
				log.Error("reloading the TLS certificate; the previous one is still served", "err", err)
			} else {
				log.Info("TLS certificate reloaded", "cert", f.tlsCert)
			}
		case <-ctx.Done():
			log.Info("shutting down")
			break wait
		case err := <-srv.Done():
			if err != nil {
				log.Error("serving stopped", "err", err)
				stopped = err
			}
			break wait
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("shutdown: %w", err)}
	}
	log.Info("stopped")
	if stopped != nil {
		// A supervisor restarts it (on PostgreSQL, as a standby).
		return &exitError{code: exitFailed, err: stopped}
	}
	return nil
}

// notifyFlags tune notifications (docs/notifications.md).
type notifyFlags struct {
	publicURL      string
	maxRuns        int
	window, giveUp time.Duration
}

func (f *notifyFlags) check() error {
	if f.publicURL != "" {
		u, err := url.Parse(f.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return usageErr("--public-url %q: want the server's base URL, such as https://baton.example.com", f.publicURL)
		}
	}
	if f.maxRuns < 1 {
		return usageErr("--notify-max-runs %d: want at least 1", f.maxRuns)
	}
	if f.window < time.Second {
		return usageErr("--notify-window %s: want at least 1s, such as 10m", f.window)
	}
	if f.giveUp < time.Minute {
		return usageErr("--notify-give-up %s: want at least 1m, such as 24h", f.giveUp)
	}
	return nil
}

func (f *notifyFlags) config() server.NotifyConfig {
	return server.NotifyConfig{PublicURL: f.publicURL, MaxRuns: f.maxRuns, Window: f.window, GiveUp: f.giveUp}
}
