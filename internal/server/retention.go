package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
)

// Retention's defaults (docs/server.md, flags).
const (
	// DefaultExecutionRetention is how long closed executions are kept, as
	// Step Functions keeps them.
	DefaultExecutionRetention = 90 * 24 * time.Hour
	// DefaultAuditRetention is how long audit entries are kept.
	DefaultAuditRetention = 400 * 24 * time.Hour
)

// sweeper deletes what is past its retention: closed executions with
// their history and logs, per namespace, and old audit entries. It works
// in small batches, each its own short transaction, with a pause between
// them, so that the engine's commits are never held up: the store only
// deletes executions in a closed status, which the engine no longer
// holds (a redrive that makes one RUNNING again is checked in the
// delete's own transaction), and their events left the outbox long ago.
type sweeper struct {
	st      store.Store
	clock   clock.Clock
	log     *slog.Logger
	region  string
	account string // the default namespace's
	// executions is the default retention of closed executions (<0:
	// forever); audit, of audit entries (<0: forever).
	executions, audit time.Duration
	every             time.Duration // between sweeps
	batch             int
	pause             time.Duration // between batches
	deleted           prometheus.Counter
}

func newSweeper(st store.Store, clk clock.Clock, log *slog.Logger, region, account string, executions, audit time.Duration, reg prometheus.Registerer) *sweeper {
	s := &sweeper{st: st, clock: clk, log: log, region: region, account: account, executions: executions, audit: audit,
		every: 5 * time.Minute, batch: 500, pause: 100 * time.Millisecond,
		deleted: prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_executions_deleted_total",
			Help: "Closed executions deleted by retention, with their history and logs."})}
	if reg != nil {
		reg.MustRegister(s.deleted)
	}
	return s
}

// run sweeps every s.every until ctx ends.
func (s *sweeper) run(ctx context.Context) {
	for {
		t := s.clock.NewTimer(s.every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		s.sweep(ctx)
	}
}

// sweep deletes what is past its retention now.
func (s *sweeper) sweep(ctx context.Context) {
	now := s.clock.Now()
	type target struct {
		name, account string
		keep          time.Duration
	}
	targets := []target{{"default", s.account, s.executions}}
	nss, err := s.st.ListNamespaces(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("retention: listing the namespaces", "err", err)
		}
		return
	}
	for _, n := range nss {
		keep := n.ExecutionRetention
		if keep == 0 {
			keep = s.executions
		}
		targets = append(targets, target{n.Name, n.AccountID, keep})
	}
	for _, t := range targets {
		if t.keep <= 0 {
			continue // kept forever
		}
		prefix := "arn:aws:states:" + s.region + ":" + t.account + ":"
		n, err := s.batches(ctx, func() (int, error) {
			return s.st.DeleteClosedExecutions(ctx, prefix, now.Add(-t.keep), s.batch)
		})
		s.deleted.Add(float64(n))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention: deleting closed executions", "namespace", t.name, "err", err)
		}
		if n > 0 {
			s.log.Info("retention: deleted closed executions with their history and logs", "namespace", t.name, "executions", n, "retention", t.keep)
		}
	}
	if s.audit > 0 {
		n, err := s.batches(ctx, func() (int, error) { return s.st.TrimAudit(ctx, now.Add(-s.audit), s.batch) })
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention: trimming the audit log", "err", err)
		}
		if n > 0 {
			s.log.Info("retention: trimmed the audit log", "entries", n)
		}
	}
}

// batches calls del until it deletes less than a batch, pausing between
// calls, and returns the total.
func (s *sweeper) batches(ctx context.Context, del func() (int, error)) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := del()
		total += n
		if err != nil || n < s.batch {
			return total, err
		}
		if s.pause > 0 {
			t := s.clock.NewTimer(s.pause)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C():
			}
		}
	}
	return total, ctx.Err()
}
