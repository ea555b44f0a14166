package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/cluster"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/postgres"
)

// The server as a node of a cluster (--cluster, PostgreSQL only): every
// node serves every API and runs the executions of the partitions it owns
// (package cluster).

// directory is the cluster's directory in a PostgreSQL store.
type directory struct{ db *postgres.Store }

func (d directory) Nodes(ctx context.Context) ([]cluster.Node, error) {
	ns, err := d.db.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]cluster.Node, len(ns))
	for i, n := range ns {
		out[i] = cluster.Node{Holder: n.Holder, Addr: n.Addr}
	}
	return out, nil
}

func (d directory) Owners(ctx context.Context) ([]cluster.Owner, error) {
	os, err := d.db.PartitionOwners(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]cluster.Owner, len(os))
	for i, o := range os {
		out[i] = cluster.Owner{Part: o.Part, Holder: o.Holder}
	}
	return out, nil
}

func (d directory) GetTask(ctx context.Context, token string) (*store.Task, error) {
	return d.db.GetTask(ctx, token)
}

func (d directory) QueuedActivityTasks(ctx context.Context, activityArn string, limit int) ([]*store.Task, error) {
	return d.db.QueuedActivityTasks(ctx, activityArn, limit)
}

// advertiseURL is the base URL the other nodes call this one at: the
// flag's, else the listener's address (its host name when it listens on
// every address).
func advertiseURL(cfg Config, ln net.Listener) (string, error) {
	if cfg.AdvertiseURL != "" {
		return strings.TrimRight(cfg.AdvertiseURL, "/"), nil
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		h, err := os.Hostname()
		if err != nil {
			return "", fmt.Errorf("naming this node for the others: %w; set --advertise-url", err)
		}
		host = h
	}
	scheme := "http"
	if cfg.TLS.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// withClusterRoute serves the nodes' internal API ahead of the public
// routes: it has its own authentication (the cluster key) and is never
// audited as a user's call.
func withClusterRoute(public, internal http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == cluster.Path {
			internal.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
}

// sweepLeader runs the sweeps (retention, the outbox's trimming) on the
// node that owns sweepPartition: they move with that partition. They only
// delete what has expired, so a second sweeper in a hand-over is
// harmless; the bus's consumers are split by partition instead.
type sweepLeader struct {
	mu      sync.Mutex
	start   func() (stop func())
	stop    func()
	running bool
}

func (b *sweepLeader) took(parts partition.Set) {
	if !parts.Has(sweepPartition) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running {
		b.stop, b.running = b.start(), true
	}
}

func (b *sweepLeader) giving(parts partition.Set) {
	if !parts.Has(sweepPartition) {
		return
	}
	b.halt()
}

func (b *sweepLeader) halt() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		b.stop()
		b.running = false
	}
}

// sweepPartition is the partition whose owner runs the cluster's sweeps.
const sweepPartition = 0

// errNotCluster refuses --cluster without PostgreSQL.
var errNotCluster = errors.New("--cluster needs a PostgreSQL store (--store postgres://...): with SQLite one server runs everything")

// clusterNotices acts on a node of a cluster on the store's notifications
// (postgres.ListenActivities).
type clusterNotices struct {
	workflows func()                        // workflows changed: read them again
	bucket    func(bucket string)           // a bucket notification came to some node
	wake      func(activityArn string)      // a task of the activity was queued ("": of any)
	paused    func(arn string, paused bool) // a workflow's schedules were paused or resumed
	outbox    func()                        // events were committed to the outbox
	retried   func()                        // failed notifications were stored again to be delivered
	held      func(activityArn string)      // a node's engine holds a task of the activity in memory
}

func (n clusterNotices) notice(what string) {
	switch {
	case what == postgres.WorkflowsChanged:
		n.workflows()
	case what == postgres.OutboxChanged:
		if n.outbox != nil {
			n.outbox()
		}
	case what == postgres.NotificationsRetried:
		if n.retried != nil {
			n.retried()
		}
	case strings.HasPrefix(what, postgres.ActivityHeld):
		if n.held != nil {
			n.held(strings.TrimPrefix(what, postgres.ActivityHeld))
		}
	case strings.HasPrefix(what, postgres.BucketChanged):
		n.bucket(strings.TrimPrefix(what, postgres.BucketChanged))
	case strings.HasPrefix(what, postgres.PausedChanged):
		v, arn, ok := strings.Cut(strings.TrimPrefix(what, postgres.PausedChanged), ":")
		if ok && n.paused != nil {
			n.paused(arn, v == "1")
		}
	case what == "": // notifications may have been missed
		n.workflows()
		n.wake("")
		if n.retried != nil {
			n.retried()
		}
	default:
		n.wake(what)
	}
}

// clusterBuckets passes the bucket notifications a node receives to every
// node: each watches the data of its partitions' workflows.
type clusterBuckets struct {
	local interface{ NotifyBucket(bucket string) }
	db    *postgres.Store
	log   *slog.Logger
}

func (c clusterBuckets) NotifyBucket(bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.db.NotifyBucket(ctx, bucket); err != nil {
		c.log.Warn("telling the cluster's nodes of a bucket notification", "bucket", bucket, "err", err)
		c.local.NotifyBucket(bucket)
	}
}

// clusterPauses passes the pauses and resumes of schedules a node makes to
// every node: the workflow's partition may be another's.
type clusterPauses struct {
	explainer
	db     *postgres.Store
	router *cluster.Router
	log    *slog.Logger
}

// Explain explains a workflow's triggers from the node running its
// partition, which knows more than what it stored.
func (c clusterPauses) Explain(ctx context.Context, arn string, now time.Time) (*events.Explanation, error) {
	return askOwnerExplain(ctx, c.router, arn, now, func(ctx context.Context) (*events.Explanation, error) {
		return c.explainer.Explain(ctx, arn, now)
	})
}

func (c clusterPauses) SetPaused(ctx context.Context, arn string, paused bool) error {
	if err := c.explainer.SetPaused(ctx, arn, paused); err != nil {
		return err
	}
	if err := c.db.NotifyPaused(ctx, arn, paused); err != nil {
		c.log.Warn("telling the cluster's nodes of a pause of schedules; it takes effect when the workflow's partition moves or its node restarts", "workflow", arn, "err", err)
	}
	return nil
}

// outboxNotices tells the cluster that this node committed events to the
// outbox (postgres.NotifyOutbox), at most once per outboxNoticeGap: the
// bus of every node reads them at once instead of at its rescan.
type outboxNotices struct {
	kick chan struct{}
}

// outboxNoticeGap bounds the notifications a node sends for its events.
const outboxNoticeGap = 50 * time.Millisecond

func newOutboxNotices(ctx context.Context, db *postgres.Store, log *slog.Logger) *outboxNotices {
	o := &outboxNotices{kick: make(chan struct{}, 1)}
	go func() {
		t := time.NewTimer(0)
		<-t.C
		for {
			select {
			case <-ctx.Done():
				return
			case <-o.kick:
			}
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := db.NotifyOutbox(c); err != nil && ctx.Err() == nil {
				log.Warn("telling the cluster's nodes of new events", "err", err)
			}
			cancel()
			// Events committed meanwhile wait for the gap: one notice
			// carries them all.
			t.Reset(outboxNoticeGap)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return o
}

// notify asks for a notice (never blocks).
func (o *outboxNotices) notify() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}
