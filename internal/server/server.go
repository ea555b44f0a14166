// Package server assembles a Baton node: the store, the engine, the service
// layer, and the HTTP surfaces — the Step Functions JSON API at POST /, the
// native REST API under /api/v1, Prometheus metrics on /metrics, and
// /healthz and /readyz.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/sfnapi"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

// Config configures a server.
type Config struct {
	Listen     string // host:port; default 127.0.0.1:7780
	DataDir    string // default ./baton-data
	Durability string // "full" (default) or "relaxed"
	Region     string // default us-east-1
	AccountID  string // default 123456789012
	// MaxPayloadBytes bounds inputs, outputs and task results (default
	// 262144, AWS's limit); raise it for larger payloads.
	MaxPayloadBytes int
	// MaxHistoryEvents fails a Standard execution whose history outgrows it
	// (default 25,000 as on AWS; negative: no limit).
	MaxHistoryEvents int64
	Workers          int               // concurrent built-in tasks; default 64
	Resources        map[string]string // Task resource -> local command (see docs/tasks.md)
	Log              *slog.Logger

	// MaxStepTime stops an execution that computes this long without
	// waiting for a task or a timer (default 10 s).
	MaxStepTime time.Duration
}

// Server is a running Baton node.
type Server struct {
	cfg   Config
	log   *slog.Logger
	store *sqlite.Store
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
	st, err := sqlite.Open(dir, sqlite.Options{Durability: cfg.Durability})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("opening the store in %s: %w", dir, err)
	}
	started := false
	defer func() {
		if !started {
			unlock()
		}
	}()
	resolver, err := tasks.NewResolver(tasks.Options{Mappings: cfg.Resources, MaxResultBytes: cfg.MaxPayloadBytes})
	if err != nil {
		st.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	eng, err := engine.New(engine.Config{
		Store: st, Executors: resolver, Workers: cfg.Workers, Region: cfg.Region, AccountID: cfg.AccountID,
		Log: cfg.Log, Metrics: engine.NewMetrics(reg), MaxPayloadBytes: cfg.MaxPayloadBytes, MaxHistoryEvents: cfg.MaxHistoryEvents,
		MaxStepTime: cfg.MaxStepTime,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := service.New(service.Config{Region: cfg.Region, AccountID: cfg.AccountID, MaxPayloadBytes: cfg.MaxPayloadBytes}, st, eng)
	eng.SetChildren(children{svc: svc, eng: eng, st: st})
	if err := eng.Run(ctx); err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		eng.Close()
		st.Close()
		return nil, fmt.Errorf("listening on %s: %w (is another server running? choose another address with --listen)", cfg.Listen, err)
	}
	s := &Server{cfg: cfg, log: cfg.Log, store: st, eng: eng, svc: svc, ln: ln, errc: make(chan error, 1), unlock: unlock}
	started = true
	base, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.http = &http.Server{Handler: s.routes(reg), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.errc <- err
	}()
	cfg.Log.Info("baton server listening", "addr", ln.Addr().String(), "data", dir)
	return s, nil
}

// routes is the server's HTTP mux.
func (s *Server) routes(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", native.Handler(s.svc, s.eng, s.log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.eng.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	sfn := sfnapi.Handler(s.svc, s.log)
	// The Step Functions API: POST / (SDKs post to the root path).
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sfn.ServeHTTP(w, r)
			return
		}
		fmt.Fprintf(w, "Baton server. Step Functions API: POST / with X-Amz-Target; native API: /api/v1; metrics: /metrics\n")
	})
	return mux
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
	s.stop()
	herr := s.http.Shutdown(ctx)
	if herr != nil {
		s.http.Close() // long polls and event streams
	}
	eerr := s.eng.Close()
	serr := s.store.Close()
	s.unlock()
	return errors.Join(eerr, serr)
}
