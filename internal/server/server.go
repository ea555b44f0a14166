// Package server assembles a Baton node: the store, the engine, the service
// layer, and the HTTP surfaces — the Step Functions JSON API at POST /, the
// native REST API under /api/v1, Prometheus metrics on /metrics, and
// /healthz and /readyz.
package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/audit"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/auth/sigv4"
	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/cluster"
	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/server/eventsapi"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/sfnapi"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
	"github.com/batonhq/baton/internal/store/retrying"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasklog"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/internal/workspace"
	"github.com/batonhq/baton/web"
	"github.com/batonhq/baton/workflow"
)

// Config configures a server.
type Config struct {
	Listen  string // host:port; default 127.0.0.1:7780
	DataDir string // default ./baton-data
	// Store is where executions are kept: "" or "sqlite" for SQLite in
	// DataDir, or a PostgreSQL URL (postgres://user:password@host/db).
	Store string
	// LeaseTimeout, with PostgreSQL, is how long the database waits
	// before it gives the node lock of a silent server to a standby
	// (default 10s; see postgres.LockOptions).
	LeaseTimeout time.Duration
	// Cluster, with PostgreSQL, runs this server as a node of a cluster:
	// every node on the database is active, each running the executions
	// of the partitions it owns, and serves every API (package cluster).
	// Off: one server runs the database's executions and the others wait
	// as standbys.
	Cluster bool
	// AdvertiseURL is the base URL the other nodes of a cluster call this
	// one at (default: http(s)://HOST:PORT of the listener, the machine's
	// host name when it listens on every address).
	AdvertiseURL string
	// NodeName names this server in the cluster's status and its database
	// sessions (default "HOST pid N"); unique among the live nodes.
	NodeName   string
	Durability string // "full" (default) or "relaxed"
	Region     string // default us-east-1
	AccountID  string // default 123456789012
	// MaxPayloadBytes bounds inputs, outputs and task results (default
	// 262144, AWS's limit); raise it for larger payloads.
	MaxPayloadBytes int
	// MaxHistoryEvents fails a Standard execution whose history outgrows it
	// (default 25,000 as on AWS; negative: no limit).
	MaxHistoryEvents int64
	// MaxPipelineHistoryEvents fails a pipeline run whose history outgrows
	// it (default pipeline.DefaultMaxHistoryEvents, 1,000,000: a for_each
	// of 10,000 items records 50,000 events; negative: no limit).
	MaxPipelineHistoryEvents int64
	// MaxTaskLogBytes is the output of a task attempt's command kept in its
	// log (default 1 MiB); past it the oldest is cut.
	MaxTaskLogBytes int64
	// MaxBundleBytes bounds the files of a deployed project (default
	// bundle.DefaultMaxBytes, 64 MiB).
	MaxBundleBytes int64
	// MaxRulesPerBus and MaxTargetsPerRule bound EventBridge rules
	// (defaults 300 and 5, AWS's quotas).
	MaxRulesPerBus, MaxTargetsPerRule int
	Workers                           int               // concurrent built-in tasks; default 64
	Resources                         map[string]string // Task resource -> local command (see docs/tasks.md)
	// DisableShell and AllowedResources switch built-in resources off
	// (see tasks.Options); Tasks using them fail with Baton.ResourceDisabled.
	DisableShell     bool
	AllowedResources []string
	// PipelineEnv is what pipelines' expressions read as $env (the
	// variables --expose-env names); nil: nothing.
	PipelineEnv map[string]string
	// StepLocalNetwork says whether steps' HTTP requests (http steps,
	// baton:http, copy from a URL) may reach loopback, link-local and
	// cloud metadata addresses: "allow", "deny", or "" for deny with
	// authentication on (a shared server) and allow without (a laptop).
	StepLocalNetwork string
	// StepPaths are the directories copy and wait_for steps' (and data
	// triggers') file:// locations may be in, besides their run's own
	// (--step-paths); nil: anywhere with authentication off, nowhere else
	// with it on. The data directory is never allowed.
	StepPaths []string
	// StepEnv names the variables of the server's environment that step
	// and task commands get besides tasks.DefaultInheritEnv (--step-env):
	// never the others, which may hold the server's secrets.
	StepEnv []string
	Log     *slog.Logger
	// Limits bound what one JSONata evaluation or one execution may cost
	// (zero fields: asl's defaults; see docs/asl.md).
	Limits asl.Limits
	// EventRetention is how long events stay in the outbox once every
	// consumer has read them (default 7 days).
	EventRetention time.Duration
	// MaxStepTime stops an execution that computes this long without
	// waiting for a task or a timer (default 10 s).
	MaxStepTime time.Duration

	// DBCheck is how the database is checked at start: "quick" (default,
	// PRAGMA quick_check), "full" (integrity_check) or "off".
	DBCheck string
	// WrapStore, when set, wraps the store the engine and the service use
	// (tests inject faults with store/faulty).
	WrapStore func(store.Store) store.Store

	HTTP HTTPConfig

	// Connections are the named connections of the --config file, for
	// pipeline steps (nil: none).
	Connections *config.Config

	// Arrivals tunes the watching of pipelines' data triggers.
	Arrivals ArrivalsConfig

	// Notify tunes notifications.
	Notify NotifyConfig

	// Auth configures authentication (docs/security.md).
	Auth AuthConfig

	// TLS makes the server serve HTTPS (zero: plain HTTP).
	TLS TLSConfig

	// AuditLog, when set, is a file the audit log is appended to as JSON
	// lines too (created with mode 0600), besides the database.
	AuditLog string
	// AuditRetention is how long audit entries are kept (default
	// DefaultAuditRetention, 400 days; negative: forever).
	AuditRetention time.Duration
	// ExecutionRetention is how long closed executions are kept with their
	// history and logs, unless their namespace says otherwise (default
	// DefaultExecutionRetention, 90 days; negative: forever).
	ExecutionRetention time.Duration
	// Clock, when set, is retention's clock (tests); default the system's.
	Clock clock.Clock

	// streamRecheck, when set, is how often the native API's waits and
	// event streams read the store again in case an update was missed
	// (tests: a long one shows that only pushed updates arrive).
	streamRecheck time.Duration
	// activityRecheck, when set, is how often a node's waiting activity
	// polls read the other nodes' tasks without a notification (tests: a
	// long one shows that the notifications wake them).
	activityRecheck time.Duration
}

// HTTPConfig bounds and guards the HTTP surface; zero values take the
// defaults (see docs/server.md, "Security on a network").
type HTTPConfig struct {
	// AllowedHosts are Host names besides localhost, loopback addresses and
	// the listen address ("*.example.com" for a domain's names).
	AllowedHosts []string
	// AllowedOrigins are the web origins (scheme://host[:port]) besides
	// the server's own whose pages may call the APIs.
	AllowedOrigins []string
	// ReadTimeout bounds reading a request, body included (default 30s);
	// WriteTimeout bounds a request from the end of its headers to the
	// end of its answer (default 60s), except for long polls, waits and
	// event streams; IdleTimeout closes idle keep-alive connections
	// (default 120s).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxConnections caps open connections (default: 10,000, or less to
	// stay under RLIMIT_NOFILE); MaxStreams caps event streams (default:
	// 1,000, at most half the connections).
	MaxConnections, MaxStreams int
	// MaxHeaderBytes bounds a request's headers (default 16 KiB; net/http's
	// own default, 1 MiB, let 400 connections hold 490 MB).
	MaxHeaderBytes int
	// MaxBodyMemory bounds the bytes of request bodies held at once, all
	// requests together (default 256 MiB); past it a request gets 503.
	MaxBodyMemory int64
}

// Defaults of HTTPConfig.
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
	DefaultIdleTimeout  = 120 * time.Second
	// DefaultMaxHeaderBytes is room for any header an SDK sends (SigV4 with
	// a session token is a few KiB).
	DefaultMaxHeaderBytes = 16 << 10
	// DefaultMaxBodyMemory holds 64 bodies of the largest default size.
	DefaultMaxBodyMemory = 256 << 20
)

// withDefaults fills in the zero values.
func (c HTTPConfig) withDefaults() HTTPConfig {
	conns, streams := DefaultLimits()
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = conns
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = streams
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxBodyMemory <= 0 {
		c.MaxBodyMemory = DefaultMaxBodyMemory
	}
	return c
}

// Server is a running Baton node.
type Server struct {
	cfg   Config
	log   *slog.Logger
	store store.Store
	eng   *engine.Engine
	svc   *service.Service
	http  *http.Server
	ln    net.Listener
	errc  chan error
	// stop cancels the context of every request: long polls and event
	// streams end at shutdown instead of holding it up.
	stop context.CancelFunc
	// unlock releases the data directory's lock.
	unlock func()
	// groups is where running task processes are recorded.
	groups string
	// resolver runs the built-in tasks; closed after the engine.
	resolver *tasks.Resolver
	// stopBus stops the event bus's consumers and waits for them.
	stopBus func()
	// certs is the TLS certificate served (nil: plain HTTP).
	certs *certReloader
	// audit writes the audit log; closed once requests are done.
	audit *audit.Recorder
	// drain, on a node of a cluster, hands its partitions to the other
	// nodes (nil otherwise).
	drain func(context.Context)
	// router is a node's router of calls to the other nodes (nil when not
	// a node of a cluster).
	router *cluster.Router
}

// Start opens the data directory, recovers the executions left running,
// and starts serving. It returns once the server accepts connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:7780"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "baton-data"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxPayloadBytes <= 0 {
		cfg.MaxPayloadBytes = service.DefaultMaxPayloadBytes
	}
	cfg.HTTP = cfg.HTTP.withDefaults()
	authOn, err := resolveAuth(cfg.Auth, cfg.Listen)
	if err != nil {
		return nil, err
	}
	certs, err := newCertReloader(cfg.TLS)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	// Kill what tasks of a killed server left running before the engine
	// fails those tasks and their Retry may start them again: one job never
	// runs twice at once. The lock makes the records ours.
	groups := filepath.Join(dir, "processes")
	if n, err := tasks.KillOrphanGroups(groups, 10*time.Second); err != nil {
		cfg.Log.Warn("task processes left by the previous server", "err", err)
	} else if n > 0 {
		cfg.Log.Info("killed task processes left by the previous server", "groups", n)
	}
	// A node of a cluster listens first: the other nodes call it at the
	// address it registers when it joins.
	var ln net.Listener
	if cfg.Cluster {
		if !IsPostgres(cfg.Store) {
			unlock()
			return nil, errNotCluster
		}
		if ln, err = listen(cfg); err != nil {
			unlock()
			return nil, err
		}
		if cfg.AdvertiseURL, err = advertiseURL(cfg, ln); err != nil {
			ln.Close()
			unlock()
			return nil, err
		}
		dirUnlock := unlock
		unlock = func() { ln.Close(); dirUnlock() }
	}
	// errc receives what stops the server: the end of serving, or the loss
	// of the database's node lock.
	errc := make(chan error, 1)
	opened, err := openStore(ctx, cfg, dir, cfg.Log, func(err error) {
		cfg.Log.Error("stopping: this server may no longer hold the right to run the database's executions", "err", err)
		// Its task processes stop now, before a standby's lease can
		// begin, rather than at the end of a graceful shutdown: a step
		// must never run on two servers at once.
		go func() {
			if n, err := tasks.KillOrphanGroups(groups, 5*time.Second); err != nil {
				cfg.Log.Warn("killing the task processes of a server that lost its node lock", "err", err)
			} else if n > 0 {
				cfg.Log.Warn("killed the task processes of a server that lost its node lock", "groups", n)
			}
		}()
		select {
		case errc <- err:
		default:
		}
	})
	if err != nil {
		unlock()
		return nil, err
	}
	db := opened.db
	if opened.lock != nil {
		dirUnlock := unlock
		unlock = func() {
			if err := opened.lock.Release(); err != nil {
				cfg.Log.Warn("releasing the database's node lock", "err", err)
			}
			dirUnlock()
		}
	}
	if opened.member != nil {
		dirUnlock := unlock
		unlock = func() {
			if err := opened.member.Leave(); err != nil {
				cfg.Log.Warn("leaving the cluster", "err", err)
			}
			dirUnlock()
		}
	}
	// The server holds a store.Store: what it needs of SQLite alone (its
	// health: a full disk, a damaged file, a deleted WAL) it asks through
	// optional interfaces (store.Health), which the decorators pass on.
	var st store.Store = db
	if cfg.WrapStore != nil {
		st = cfg.WrapStore(db)
	}
	st = retrying.New(st, retrying.Default)
	started := false
	defer func() {
		if !started {
			unlock()
		}
	}()
	authr, err := newAuthenticator(ctx, cfg, dir, st, authOn)
	if err != nil {
		st.Close()
		return nil, err
	}
	// Steps' connections are chosen by namespace; the service that knows
	// them comes after the resolver.
	var namespaceOf atomic.Value
	namespaceOf.Store(func(string) string { return "?" })
	resolver, err := tasks.NewResolver(tasks.Options{Mappings: cfg.Resources, MaxResultBytes: cfg.MaxPayloadBytes,
		DisableShell: cfg.DisableShell, AllowedResources: cfg.AllowedResources, ProcessGroupDir: groups,
		Connections: cfg.Connections, InheritEnv: append(slices.Clone(tasks.DefaultInheritEnv), cfg.StepEnv...),
		RefuseLocalNetwork: cfg.StepLocalNetwork == "deny" || cfg.StepLocalNetwork == "" && authOn,
		StepPaths:          stepPaths(cfg.StepPaths, authOn), DeniedPaths: []string{dir},
		NamespaceOf: func(arn string) string { return namespaceOf.Load().(func(string) string)(arn) }})
	if err != nil {
		st.Close()
		return nil, err
	}
	bundles := bundle.Limits{MaxBytes: cfg.MaxBundleBytes}
	projects, err := workspace.New(filepath.Join(dir, "runs"), st, bundles, cfg.Log)
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := projects.Sweep(ctx, stillRunning(st)); err != nil {
		cfg.Log.Warn("removing the working directories of runs that ended", "err", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	region, account := cmp.Or(cfg.Region, service.DefaultRegion), cmp.Or(cfg.AccountID, service.DefaultAccountID)
	var manager atomic.Pointer[cluster.Manager]
	bus := events.New(st, events.Options{Log: cfg.Log, OnLost: func(lost partition.Set) {
		// A member's commit was fenced: the node no longer holds them.
		if m := manager.Load(); m != nil {
			m.Lost(lost)
		}
	}})
	// On a cluster, events committed here are announced to the node running
	// the bus (set once the node runs).
	var outNotices atomic.Pointer[outboxNotices]
	busEvents := func() {
		bus.Notify()
		if o := outNotices.Load(); o != nil {
			o.notify()
		}
	}
	putBusEvents := func(ctx context.Context, evs []*store.OutboxEvent) error {
		if err := bus.Put(ctx, evs); err != nil {
			return err
		}
		if o := outNotices.Load(); o != nil {
			o.notify()
		}
		return nil
	}
	var onActivityHeld func(string)
	if cfg.Cluster {
		// The polls of the other nodes cannot learn of an Express run's
		// activity task from the database: they are told.
		db := opened.pg
		onActivityHeld = func(activityArn string) {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := db.NotifyActivityHeld(ctx, activityArn); err != nil {
					cfg.Log.Warn("telling the cluster's nodes of an Express run's activity task; their polls ask for it at their recheck", "activity", activityArn, "err", err)
				}
			}()
		}
	}
	eng, err := engine.New(engine.Config{
		OnActivityHeld: onActivityHeld,
		Partitioned:    cfg.Cluster, OnPartitionsLost: func(lost partition.Set) {
			if m := manager.Load(); m != nil {
				m.Lost(lost)
			}
		},
		Store: st, Executors: resolver, Workers: cfg.Workers, Log: cfg.Log, Metrics: engine.NewMetrics(reg),
		Languages: languages(cfg), Classify: service.TaskClassifier(region, account),
		BusEvents: service.BusEvents(region), OnBusEvents: busEvents,
		MaxStepTime: cfg.MaxStepTime,
		TaskLogs:    tasklog.New(st, tasklog.Options{MaxBytes: cfg.MaxTaskLogBytes, Log: cfg.Log}),
		Projects:    projects,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	// The service's engine: on a node of a cluster, the router, which
	// sends the calls for other nodes' partitions to them.
	var svcEngine interface {
		service.Engine
		nestedStarter
	} = eng
	var router *cluster.Router
	var clusterKey []byte
	if cfg.Cluster {
		if clusterKey, err = opened.pg.ClusterKey(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("reading the cluster's key: %w", err)
		}
		router = cluster.NewRouter(eng, directory{opened.pg}, opened.holder, clusterKey, cfg.Log)
		if cfg.activityRecheck > 0 {
			router.SetActivityRecheck(cfg.activityRecheck)
		}
		eng.SetRemote(router) // before the engine runs
		svcEngine = router
	}
	consumers := newBusConsumers(cfg, st, bus, resolver, region, account, authOn)
	triggers, arrivals := consumers.triggers, consumers.arrivals
	notifier := newNotifier(cfg, st, bus, reg, account)
	if cfg.Cluster {
		// The node owning their workflows' partitions delivers them: it
		// may be another.
		notifier.failingElsewhere = failingOnOtherNodes(router)
		notifier.retried = func(ctx context.Context) {
			if err := opened.pg.NotifyNotificationsRetried(ctx); err != nil {
				cfg.Log.Warn("telling the cluster's nodes of notifications retried; they are sent when their partitions move or their nodes restart", "err", err)
			}
		}
	}
	// workflowsChanged makes the triggers, the arrivals and the
	// notifications read the workflows again.
	workflowsChanged := func() {
		triggers.Changed()
		bus.Wake(events.TriggersConsumer)
		arrivals.Changed()
		bus.Wake(events.ArrivalsConsumer)
		notifier.Changed()
	}
	svc := service.New(service.Config{Region: cfg.Region, AccountID: cfg.AccountID, MaxPayloadBytes: cfg.MaxPayloadBytes,
		DisabledResource: resolver.Disabled, MaxTaskLogBytes: cfg.MaxTaskLogBytes, Bundles: bundles, RequireGrants: authOn,
		OnWorkflowsChanged: func() {
			workflowsChanged()
			if cfg.Cluster {
				// The other nodes run the triggers of their partitions.
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := opened.pg.NotifyWorkflowsChanged(ctx); err != nil {
						cfg.Log.Warn("telling the cluster's nodes that workflows changed", "err", err)
					}
				}()
			}
		},
		Notifications: notifier,
		PutBusEvents:  putBusEvents, MaxRulesPerBus: cfg.MaxRulesPerBus, MaxTargetsPerRule: cfg.MaxTargetsPerRule}, st, svcEngine)
	namespaceOf.Store(func(arn string) string {
		ns, err := svc.NamespaceOfArn(context.Background(), arn)
		if err != nil || ns == "" {
			return "?" // unknown: only connections open to every namespace
		}
		return ns
	})
	eng.SetChildren(children{svc: svc, eng: svcEngine, st: st, requireGrants: authOn})
	consumers.register(bus, starter{svc: svc})
	notifier.consumer(bus)
	reg.MustRegister(busBacklog{bus: bus, log: cfg.Log})
	recorder, err := audit.New(audit.Options{Store: st, File: cfg.AuditLog, Log: cfg.Log, Registry: reg})
	if err != nil {
		st.Close()
		return nil, err
	}
	sweep := newSweeper(st, cmp.Or[clock.Clock](cfg.Clock, clock.Real{}), cfg.Log, region, account,
		retention(cfg.ExecutionRetention, DefaultExecutionRetention), retention(cfg.AuditRetention, DefaultAuditRetention), reg)
	// Consumers new to this data directory start at the end of the outbox,
	// before the engine adds to it. (On a cluster, a member new to the
	// database starts there when its partition is first owned.)
	if !cfg.Cluster {
		if err := bus.Prepare(ctx); err != nil {
			recorder.Close()
			st.Close()
			return nil, fmt.Errorf("the event bus: %w", err)
		}
	}
	if err := eng.Run(ctx); err != nil {
		recorder.Close()
		st.Close()
		if errors.Is(err, store.ErrDamaged) { // met by recovery with --db-check off
			return nil, opened.openError(err)
		}
		return nil, err
	}
	if ln == nil {
		if ln, err = listen(cfg); err != nil {
			eng.Close()
			recorder.Close()
			st.Close()
			return nil, err
		}
	}
	s := &Server{cfg: cfg, log: cfg.Log, store: st, eng: eng, svc: svc, ln: ln, errc: errc, unlock: unlock, groups: groups, resolver: resolver, certs: certs, audit: recorder,
		router: router}
	started = true
	// The event bus and its consumers run on every server: on a node of a
	// cluster, the members of the partitions it owns.
	busCtx, busStop := context.WithCancel(context.Background())
	busDone := make(chan struct{})
	go func() {
		defer close(busDone)
		done := make(chan struct{})
		go func() {
			defer close(done)
			notifier.d.Run(busCtx)
		}()
		bus.Run(busCtx)
		<-done
	}()
	stopConsumers := func() { busStop(); <-busDone }
	// The sweeps (retention, the outbox's trimming) run on one server:
	// this one, or on a cluster the owner of sweepPartition.
	startSweeps := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		var retired []string
		if cfg.Cluster {
			retired = []string{events.TriggersConsumer, events.RulesConsumer, events.ArrivalsConsumer, notify.ConsumerName}
		}
		go trimOutbox(ctx, st, cmp.Or(cfg.EventRetention, 7*24*time.Hour), retired, cfg.Log)
		sweepDone := make(chan struct{})
		go func() {
			defer close(sweepDone)
			sweep.run(ctx)
		}()
		return func() { cancel(); <-sweepDone }
	}
	if cfg.Cluster {
		sweeps := &sweepLeader{start: startSweeps}
		s.stopBus = func() { sweeps.halt(); stopConsumers() }
		m := cluster.NewManager(opened.holder, opened.member, directory{opened.pg}, eng, 0, cfg.Log)
		// The bus's members new to the database start at the end of the
		// outbox before the engine resumes the partitions: they read the
		// events that resuming commits.
		m.OnTaking = func(parts partition.Set) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := bus.PrepareMembers(ctx, parts); err != nil {
				cfg.Log.Warn("preparing the event bus's members of partitions taken; they start at the end of the outbox when they run", "err", err)
			}
		}
		m.OnTaken = func(parts partition.Set) {
			bus.Own(parts)
			sweeps.took(parts)
		}
		// Before another node can take them: the members stop first.
		m.OnGiving = func(parts partition.Set) {
			sweeps.giving(parts)
			bus.Disown(parts)
		}
		manager.Store(m)
		runCtx, stopRun := context.WithCancel(context.Background())
		runDone := make(chan struct{})
		go func() {
			defer close(runDone)
			m.Run(runCtx)
		}()
		outNotices.Store(newOutboxNotices(runCtx, opened.pg, cfg.Log))
		go func() {
			n := clusterNotices{workflows: workflowsChanged, bucket: arrivals.NotifyBucket, wake: router.Wake, held: router.WakeHeld, paused: triggers.NotePaused, outbox: bus.Notify,
				retried: notifier.d.Reload}
			if err := opened.pg.ListenActivities(runCtx, n.notice); err != nil && runCtx.Err() == nil {
				cfg.Log.Warn("listening for the cluster's activity tasks", "err", err)
			}
		}()
		s.drain = func(ctx context.Context) {
			stopRun()
			<-runDone
			m.Drain(ctx)
		}
	} else {
		stopSweeps := startSweeps()
		s.stopBus = func() { stopSweeps(); stopConsumers() }
	}
	base, stop := context.WithCancelCause(context.Background())
	s.stop = func() { stop(httpx.ErrShuttingDown) }
	hc := cfg.HTTP
	var clusterDB *postgres.Store
	var explain native.TriggerExplainer = explainer{triggerConsumer: triggers, arrivals: arrivals}
	if cfg.Cluster {
		clusterDB = opened.pg
		explain = clusterPauses{explainer: explainer{triggerConsumer: triggers, arrivals: arrivals}, db: opened.pg, router: router, log: cfg.Log}
	}
	// On a node of a cluster, the router's watch has the updates of the
	// executions other nodes run too, relayed by them.
	var watch native.Watcher = eng
	if router != nil {
		watch = router
	}
	var handler http.Handler = surface{cfg: cfg, svc: svc, watch: watch, notReady: s.notReady, reg: reg, log: cfg.Log,
		triggers: explain, arrivals: arrivals, notify: notifier,
		auth: authr, authOn: authOn, region: region, audit: recorder, cluster: opened.cluster, clusterDB: clusterDB}.handler()
	if cfg.Cluster {
		queries := clusterQueries(explainer{triggerConsumer: triggers, arrivals: arrivals}, notifier)
		handler = withClusterRoute(handler, cluster.Handler(eng, clusterKey, cfg.AdvertiseURL, queries))
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, hc.ReadTimeout),
		ReadTimeout:       hc.ReadTimeout,
		WriteTimeout:      hc.WriteTimeout,
		IdleTimeout:       hc.IdleTimeout,
		MaxHeaderBytes:    hc.MaxHeaderBytes,
		// net/http's own messages (bad TLS, panics, accept errors) keep
		// the log's format.
		ErrorLog:    slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return base },
		ConnContext: withOverCap,
		ConnState:   connState,
	}
	var serveLn net.Listener = &capListener{Listener: ln, max: int64(hc.MaxConnections)}
	if certs != nil {
		s.http.TLSConfig = certs.tlsConfig()
		serveLn = tls.NewListener(serveLn, s.http.TLSConfig)
	}
	go func() {
		err := s.http.Serve(serveLn)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		select {
		case s.errc <- err:
		default: // the node lock's loss came first
		}
	}()
	cfg.Log.Info("baton server listening", "addr", ln.Addr().String(), "tls", certs != nil, "data", dir,
		"max_connections", hc.MaxConnections, "max_streams", hc.MaxStreams)
	if nonLoopback(ln.Addr()) && !authOn {
		cfg.Log.Warn("INSECURE: LISTENING ON A NETWORK ADDRESS WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach "+ln.Addr().String()+
			" can deploy and start workflows, and through baton:shell tasks and --resource commands run commands on this machine "+
			"as this user. Only do this behind a proxy that authenticates every request; otherwise drop --insecure-no-auth",
			"addr", ln.Addr().String())
	}
	return s, nil
}

// languages are the workflow languages the engine runs, with the server's
// limits.
func languages(cfg Config) map[string]workflow.Language {
	opts := asl.Options{MaxPayloadBytes: cfg.MaxPayloadBytes, Limits: cfg.Limits, MaxHistoryEvents: asl.DefaultMaxHistoryEvents}
	if cfg.MaxHistoryEvents != 0 {
		opts.MaxHistoryEvents = max(cfg.MaxHistoryEvents, 0) // negative: no limit
	}
	return map[string]workflow.Language{
		asl.LanguageName: asl.NewLanguage(asl.LanguageOptions{Options: opts, Region: cmp.Or(cfg.Region, service.DefaultRegion)}),
		pipeline.LanguageName: pipeline.NewLanguage(pipeline.Options{MaxPayloadBytes: cfg.MaxPayloadBytes,
			MaxHistoryEvents: cfg.MaxPipelineHistoryEvents, Env: cfg.PipelineEnv, JSONata: asl.JSONataLimits{Timeout: cfg.Limits.JSONataTimeout, MaxBytes: cfg.Limits.JSONataMaxBytes}}),
	}
}

// stillRunning tells the workspaces which runs go on: those the store
// holds as RUNNING.
func stillRunning(st store.Store) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, arn string) (bool, error) {
		x, err := st.GetExecution(ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return x.Status == workflow.StatusRunning, nil
	}
}

// originSet normalises the allowed origins.
func originSet(origins []string) map[string]bool {
	set := map[string]bool{}
	for _, o := range origins {
		if n, ok := normalizeOrigin(o); ok {
			set[n] = true
		} else if o = strings.TrimSpace(o); o != "" {
			set[o] = true // such as "null"
		}
	}
	return set
}

// surface is what the server's HTTP handler serves.
type surface struct {
	cfg      Config // Listen and HTTP
	svc      *service.Service
	watch    native.Watcher
	notReady func(context.Context) error // nil when ready
	reg      *prometheus.Registry
	log      *slog.Logger
	triggers native.TriggerExplainer
	arrivals arrivalConsumer // nil: no bucket notifications
	notify   notifications
	auth     *auth.Authenticator
	authOn   bool
	region   string
	audit    *audit.Recorder // nil: no audit log (tests of the handler)
	cluster  clusterStatus   // zero: no /api/v1/cluster (tests of the handler)
	// clusterDB, on a node of a cluster, passes bucket notifications to
	// the other nodes (nil otherwise).
	clusterDB *postgres.Store
}

// handler is the server's HTTP handler: the routes behind the guard.
func (x surface) handler() http.Handler {
	hc := x.cfg.HTTP
	maxPayload := cmp.Or(x.cfg.MaxPayloadBytes, service.DefaultMaxPayloadBytes)
	authn := &authn{on: x.authOn, a: x.auth, openMetrics: x.cfg.Auth.OpenMetrics, log: x.log, next: x.routes(),
		verifier:   sigv4.Verifier{Region: x.region, Services: map[string]bool{"states": true, "events": true}, Now: x.cfg.Auth.Now},
		bodyLimit:  int64(max(2*maxPayload+64<<10, 4<<20)),
		maxPayload: maxPayload}
	var h http.Handler = &guard{hosts: newHostPolicy(x.cfg.Listen, hc.AllowedHosts), origins: originSet(hc.AllowedOrigins),
		bodies: httpx.NewBodyBudget(hc.MaxBodyMemory), next: authn}
	if x.audit != nil {
		h = &auditor{rec: x.audit, next: h, now: time.Now}
	}
	return h
}

// routes is the server's HTTP mux.
func (x surface) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", native.Handler(x.svc, x.watch, x.log, native.Options{MaxStreams: x.cfg.HTTP.MaxStreams, Triggers: x.triggers, Recheck: x.cfg.streamRecheck}))
	if x.arrivals != nil {
		// A bucket notification only wakes the checks of data arrival,
		// which list the bucket themselves: any operator may send one.
		var buckets interface{ NotifyBucket(string) } = x.arrivals
		if x.clusterDB != nil {
			buckets = clusterBuckets{local: x.arrivals, db: x.clusterDB, log: x.log}
		}
		mux.Handle("/api/v1/events/s3", requireRole(auth.AllNamespaces, auth.Operator, bucketNotifications{arrivals: buckets}))
	}
	credentialRoutes{a: x.auth}.register(mux)
	if x.cluster.nodes != nil {
		x.cluster.register(mux)
	}
	ui := uiHandler(web.Assets())
	mux.Handle("/ui/", ui)
	mux.Handle("/ui", http.RedirectHandler("/ui/", http.StatusSeeOther))
	// Metrics name workflows of every namespace: a viewer of every
	// namespace (the platform's scraper) reads them, or anyone with
	// --open-metrics.
	metrics := promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{})
	if !x.cfg.Auth.OpenMetrics {
		metrics = requireRole(everyNamespace, auth.Viewer, metrics)
	}
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := x.notReady(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		insecure := ""
		if !x.authOn && nonLoopbackListen(x.cfg.Listen) {
			insecure = "INSECURE: authentication is off on a network address (--insecure-no-auth)\n"
		}
		w.Write([]byte("ready\n" + insecure + readinessDetail(x.notify.d.Status())))
	})
	sfn := sfnapi.Handler(x.svc, x.log)
	ebAPI := eventsapi.Handler(x.svc, x.log)
	// The Step Functions and EventBridge APIs: POST / (SDKs post to the
	// root path), told apart by X-Amz-Target.
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), eventsapi.TargetPrefix) {
			ebAPI.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost {
			sfn.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && wantsHTML(r) {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
			return
		}
		fmt.Fprintf(w, "Baton server. Step Functions API: POST / with X-Amz-Target; native API: /api/v1; metrics: /metrics\n")
	})
	return mux
}

// notReady says why the server cannot serve, or nil: the engine is not
// running, or the store cannot write (a full disk: it passes by itself) or
// found the database damaged.
func (s *Server) notReady(ctx context.Context) error {
	if h, ok := s.store.(store.Health); ok {
		if err := h.Health(ctx); err != nil {
			return err
		}
	}
	if err := s.eng.StoreError(); err != nil {
		return err
	}
	if !s.eng.Ready() {
		return errors.New("the engine is not running")
	}
	return nil
}

// openError says what to do when the database cannot be opened.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, sqlite.ErrEmptyFile):
		return fmt.Errorf("%s is empty (0 bytes): it is not a Baton database, and Baton does not take it for a new one. "+
			"If you mean to start afresh, delete it (and %[1]s-wal, %[1]s-shm if present); if it should hold your executions, "+
			"restore a backup (see \"Backup and restore\" in docs/server.md)", path)
	case errors.Is(err, store.ErrDamaged):
		return fmt.Errorf("the database is damaged: %w.\nBaton does not start on a damaged database. Stop here and restore "+
			"the last backup made with `baton backup`: copy it to %s and remove %[2]s-wal and %[2]s-shm (see \"Backup and restore\" "+
			"in docs/server.md). To start on it anyway (damaged executions then fail when read), use --db-check off", err, path)
	}
	return fmt.Errorf("opening the store %s: %w", path, err)
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Engine returns the server's engine (tests and benchmarks).
func (s *Server) Engine() *engine.Engine { return s.eng }

// Service returns the server's service layer.
func (s *Server) Service() *service.Service { return s.svc }

// Done receives the error that stopped serving, if any.
func (s *Server) Done() <-chan error { return s.errc }

// Shutdown stops accepting requests, lets in-flight requests finish (until
// ctx ends), stores the transitions in flight and closes the store. Running
// executions stay RUNNING and resume on the next start.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.drain != nil {
		// The other nodes take this node's partitions while it still
		// answers their calls.
		s.drain(ctx)
	}
	s.stop()
	herr := s.http.Shutdown(ctx)
	if herr != nil {
		s.http.Close() // long polls and event streams
	}
	s.stopBus()
	aerr := s.audit.Close()
	eerr := s.eng.Close()
	if err := s.resolver.Close(); err != nil {
		s.log.Warn("closing the connections of pipeline steps", "err", err)
	}
	// The engine told running commands to stop (SIGTERM, then SIGKILL after
	// tasks.StopGrace); wait for that, then kill what is left, so that no
	// task process outlives a graceful stop either.
	if !tasks.AwaitGroups(s.groups, tasks.StopGrace+time.Second) {
		if _, err := tasks.KillOrphanGroups(s.groups, 5*time.Second); err != nil {
			s.log.Warn("task processes left at shutdown", "err", err)
		}
	}
	serr := s.store.Close()
	s.unlock()
	return errors.Join(eerr, aerr, serr)
}

// retention is a configured retention: the default for 0, none (-1) for
// a negative one.
func retention(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return -1
	}
	return d
}

// stepPaths are the directories steps' file:// locations may use: those
// given, else anywhere on a laptop (authentication off) and only the
// run's own directory on a shared server.
func stepPaths(given []string, authOn bool) []string {
	if given == nil && authOn {
		return []string{}
	}
	return given
}

// listen opens the server's listener.
func listen(cfg Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w (is another server running? choose another address with --listen)", cfg.Listen, err)
	}
	return ln, nil
}

// nestedStarter starts nested executions (the engine, or on a cluster the
// router, which starts them on the node owning them).
type nestedStarter interface {
	StartNested(ctx context.Context, req engine.StartRequest, parentToken string) (*store.Execution, error)
}
