// Package cluster runs a Baton server as one node of a cluster: several
// servers on one PostgreSQL database, each running the executions of the
// partitions it owns (package partition), every one serving every API.
//
// The Manager decides which partitions this node owns (rendezvous hashing
// over the live nodes), takes and gives back their leases, and hands them
// to the engine. The Router is the engine the service layer sees: a call
// for an execution of a partition this node owns goes to its engine, any
// other to the owner's, over the nodes' internal API (rpc.go),
// authenticated with the cluster's key. Its Watch is the live updates the
// API streams: this node's, and those other nodes relay (watch.go).
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// Engine is this node's engine, run with engine.Config.Partitioned.
type Engine interface {
	Start(ctx context.Context, req engine.StartRequest) (*store.Execution, error)
	StartSync(ctx context.Context, req engine.StartRequest) (*store.Execution, error)
	StartNested(ctx context.Context, req engine.StartRequest, parentToken string) (*store.Execution, error)
	Stop(ctx context.Context, executionArn, errName, cause string) (*store.Execution, error)
	Redrive(ctx context.Context, executionArn string) (*store.Execution, error)
	RetryFrom(ctx context.Context, executionArn, step string) (*store.Execution, error)
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
	TokenExecution(ctx context.Context, token string) (string, error)
	GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error)
	// TakeActivityTask hands out a task of the activity the engine holds
	// now, or nil at once.
	TakeActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error)
	RunTestTask(ctx context.Context, t workflow.RunTask) engine.TaskOutcome
	DeliverResult(ctx context.Context, token string, outcome engine.TaskOutcome) error
	ClaimActivityTask(ctx context.Context, token, worker string) (*store.Task, error)
	Acquire(ctx context.Context, parts partition.Set) error
	Release(ctx context.Context, parts partition.Set) error
	// ReleaseIdle releases those of parts with no built-in task running
	// or scheduled, and returns them.
	ReleaseIdle(ctx context.Context, parts partition.Set) (partition.Set, error)
	Owned() partition.Set
	Busy() partition.Set
	// Watch is engine.Engine's: the updates its commits make, from now
	// until ctx ends (when the channel closes).
	Watch(ctx context.Context, arn string) <-chan engine.Update
}

// Directory is what the cluster's store says of its nodes, partitions and
// queued activity tasks.
type Directory interface {
	// Nodes are the live nodes.
	Nodes(ctx context.Context) ([]Node, error)
	// Owners are the partitions' owners, Holder "" when no live node
	// holds it.
	Owners(ctx context.Context) ([]Owner, error)
	GetTask(ctx context.Context, token string) (*store.Task, error)
	// QueuedActivityTasks are the QUEUED tasks of an activity, in every
	// partition, oldest first.
	QueuedActivityTasks(ctx context.Context, activityArn string, limit int) ([]*store.Task, error)
}

// Node is a live node: its name and the base URL other nodes call it at.
type Node struct{ Holder, Addr string }

// Owner is the live holder of a partition's lease.
type Owner struct {
	Part   int
	Holder string
}

// Router implements the service layer's engine on a node of a cluster, and
// engine.Remote for its engine's calls on executions of other partitions.
type Router struct {
	eng  Engine
	dir  Directory
	self string // this node's holder name
	rpc  *client
	log  *slog.Logger

	// MaxWait bounds how long a call waits for a partition that no live
	// node owns (during a takeover) before it is answered 503.
	MaxWait time.Duration

	// relayWarned is when a relay's failure was last logged at Warn (Unix
	// nanoseconds; watch.go).
	relayWarned atomic.Int64

	// activityRecheck is how often a waiting activity poll reads the
	// queued tasks of the other nodes and asks them for the tasks their
	// engines hold, without a notification (recheckActivities).
	activityRecheck time.Duration
	waiting         atomic.Int64 // polls waiting on the engine (WaitingPolls)

	// tokens remembers which node runs the tasks of tokens only its
	// memory holds (tokens.go).
	tokens tokenCache

	mu      sync.Mutex
	owners  [partition.Count]string // address of each partition's owner ("": none, or this node)
	readAt  time.Time
	reading chan struct{} // closed when the read in progress ends

	wakeMu  sync.Mutex
	wakers  map[string]map[chan struct{}]bool // activity ARN -> polls to wake, true: chosen by WakeHeld
	started time.Time

	// The relays of other nodes' updates (watch.go).
	relayCfg relayConfig
	relays   atomic.Int64 // relays of one execution's updates, at most relayCfg.max
	running  atomic.Int64 // goroutines of relays running, for the tests
	allMu    sync.Mutex
	all      *fanout               // the relays of every execution's updates; nil while nobody watches them
	execs    map[string]*execRelay // the relay of each execution watched here
}

// NewRouter returns the router of this node (self: its holder name in the
// store) with the cluster's key.
func NewRouter(eng Engine, dir Directory, self string, key []byte, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	return &Router{eng: eng, dir: dir, self: self, rpc: newClient(key), log: log, MaxWait: 15 * time.Second, activityRecheck: recheckActivities,
		wakers: map[string]map[chan struct{}]bool{}, started: time.Now(), relayCfg: defaultRelay}
}

// owner is the address of the node owning p ("" when none, or this node),
// read from the store at most every ownersTTL, or at once (at most every
// ownersMinGap) when fresh is set (the cached owner refused the call).
func (r *Router) owner(ctx context.Context, p int, fresh bool) string {
	r.mu.Lock()
	age := time.Since(r.readAt)
	if age < ownersMinGap || (!fresh && age < ownersTTL) {
		addr := r.owners[p]
		r.mu.Unlock()
		return addr
	}
	if r.reading != nil {
		wait := r.reading
		r.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
		}
		r.mu.Lock()
		addr := r.owners[p]
		r.mu.Unlock()
		return addr
	}
	done := make(chan struct{})
	r.reading = done
	r.mu.Unlock()
	owners, err := r.readOwners(ctx)
	r.mu.Lock()
	if err == nil {
		r.owners, r.readAt = owners, time.Now()
	} else {
		r.log.Warn("reading the owners of the cluster's partitions", "err", err)
	}
	r.reading = nil
	close(done)
	addr := r.owners[p]
	r.mu.Unlock()
	return addr
}

const (
	ownersTTL    = 2 * time.Second
	ownersMinGap = 100 * time.Millisecond
)

func (r *Router) readOwners(ctx context.Context) ([partition.Count]string, error) {
	var out [partition.Count]string
	nodes, err := r.dir.Nodes(ctx)
	if err != nil {
		return out, err
	}
	addr := map[string]string{}
	for _, n := range nodes {
		addr[n.Holder] = n.Addr
	}
	owners, err := r.dir.Owners(ctx)
	if err != nil {
		return out, err
	}
	for _, o := range owners {
		if o.Part >= 0 && o.Part < partition.Count && o.Holder != "" && o.Holder != r.self {
			out[o.Part] = addr[o.Holder]
		}
	}
	return out, nil
}

// route runs a call on the execution arn: on this node's engine when it
// owns the execution's partition, else on its owner's (forward). A call
// refused because the partition moved meanwhile is tried again on its new
// owner; a call for a partition that no node owns for now (a takeover in
// progress) waits for one, up to MaxWait.
func (r *Router) route(ctx context.Context, arn string, local func() error, forward func(addr string) error) error {
	p := partition.Of(arn)
	deadline := time.Now().Add(r.MaxWait)
	wait := 20 * time.Millisecond
	var last error
	for try := 0; ; try++ {
		if r.eng.Owned().Has(p) {
			err := local()
			if !engine.IsNotOwner(err) {
				return err
			}
			last = err
		} else if addr := r.owner(ctx, p, try > 0); addr != "" {
			err := forward(addr)
			if !engine.IsNotOwner(err) && !unreached(err) {
				return err
			}
			last = err
		}
		if time.Now().Add(wait).After(deadline) {
			if last == nil {
				last = fmt.Errorf("no server of the cluster runs it")
			}
			return apierr.New(apierr.ServiceUnavailable, "the partition of %s (%d) is moving between the cluster's servers (%v); retry in a few seconds", arn, p, last)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}

// unreached reports whether a forwarded call did not reach its node (it
// was not sent: trying another node cannot do it twice).
func unreached(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Start implements service.Engine.
func (r *Router) Start(ctx context.Context, req engine.StartRequest) (x *store.Execution, err error) {
	err = r.route(ctx, req.ExecutionArn, func() (err error) {
		x, err = r.eng.Start(ctx, req)
		return err
	}, func(addr string) (err error) {
		x, err = r.rpc.start(ctx, addr, req, "", false)
		return err
	})
	return x, err
}

// StartNested starts a nested execution on the node that owns it.
func (r *Router) StartNested(ctx context.Context, req engine.StartRequest, parentToken string) (x *store.Execution, err error) {
	err = r.route(ctx, req.ExecutionArn, func() (err error) {
		x, err = r.eng.StartNested(ctx, req, parentToken)
		return err
	}, func(addr string) (err error) {
		x, err = r.rpc.start(ctx, addr, req, parentToken, true)
		return err
	})
	return x, err
}

// StartSync runs an Express execution here: it is not stored until it
// ends, so it belongs to no partition's owner.
func (r *Router) StartSync(ctx context.Context, req engine.StartRequest) (*store.Execution, error) {
	return r.eng.StartSync(ctx, req)
}

// Stop implements service.Engine and engine.Remote.
func (r *Router) Stop(ctx context.Context, arn, errName, cause string) (x *store.Execution, err error) {
	err = r.route(ctx, arn, func() (err error) {
		x, err = r.eng.Stop(ctx, arn, errName, cause)
		return err
	}, func(addr string) (err error) {
		x, err = r.rpc.call(ctx, addr, &request{Op: opStop, Arn: arn, Error: errName, Cause: cause})
		return err
	})
	return x, err
}

// Redrive implements service.Engine.
func (r *Router) Redrive(ctx context.Context, arn string) (x *store.Execution, err error) {
	err = r.route(ctx, arn, func() (err error) {
		x, err = r.eng.Redrive(ctx, arn)
		return err
	}, func(addr string) (err error) {
		x, err = r.rpc.call(ctx, addr, &request{Op: opRedrive, Arn: arn})
		return err
	})
	return x, err
}

// RetryFrom implements the service's optional step retrier.
func (r *Router) RetryFrom(ctx context.Context, arn, step string) (x *store.Execution, err error) {
	err = r.route(ctx, arn, func() (err error) {
		x, err = r.eng.RetryFrom(ctx, arn, step)
		return err
	}, func(addr string) (err error) {
		x, err = r.rpc.call(ctx, addr, &request{Op: opRetryFrom, Arn: arn, Step: step})
		return err
	})
	return x, err
}

// TokenExecution implements service.Engine: the execution of a token's
// open task, from the store (any node can read it), or from the engine of
// the node running it for the tokens of Express executions (tokens.go).
func (r *Router) TokenExecution(ctx context.Context, token string) (string, error) {
	if t, err := r.dir.GetTask(ctx, token); err == nil {
		return t.ExecutionArn, nil
	}
	arn, err := r.eng.TokenExecution(ctx, token)
	if engine.IsNotOwner(err) && arn != "" {
		return arn, nil
	}
	if unknownToken(err) {
		return r.tokenExecutionElsewhere(ctx, token, err)
	}
	return arn, err
}

// SendTaskSuccess implements service.Engine.
func (r *Router) SendTaskSuccess(ctx context.Context, token, output string) error {
	return r.byToken(ctx, token, func() error { return r.eng.SendTaskSuccess(ctx, token, output) },
		func(ctx context.Context, addr string) error {
			_, err := r.rpc.call(ctx, addr, &request{Op: opTaskSuccess, Token: token, Output: output})
			return err
		})
}

// SendTaskFailure implements service.Engine.
func (r *Router) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return r.byToken(ctx, token, func() error { return r.eng.SendTaskFailure(ctx, token, errName, cause) },
		func(ctx context.Context, addr string) error {
			_, err := r.rpc.call(ctx, addr, &request{Op: opTaskFailure, Token: token, Error: errName, Cause: cause})
			return err
		})
}

// SendTaskHeartbeat implements service.Engine.
func (r *Router) SendTaskHeartbeat(ctx context.Context, token string) error {
	return r.byToken(ctx, token, func() error { return r.eng.SendTaskHeartbeat(ctx, token) },
		func(ctx context.Context, addr string) error {
			_, err := r.rpc.call(ctx, addr, &request{Op: opTaskHeartbeat, Token: token})
			return err
		})
}

// DeliverResult implements engine.Remote: a nested execution's end, for
// its parent's task.
func (r *Router) DeliverResult(ctx context.Context, token string, outcome engine.TaskOutcome) error {
	return r.byToken(ctx, token, func() error { return r.eng.DeliverResult(ctx, token, outcome) },
		func(ctx context.Context, addr string) error {
			_, err := r.rpc.call(ctx, addr, &request{Op: opDeliver, Token: token, Outcome: wireOutcome(outcome)})
			return err
		})
}

// RunTestTask implements service.Engine: TestState runs here.
func (r *Router) RunTestTask(ctx context.Context, t workflow.RunTask) engine.TaskOutcome {
	return r.eng.RunTestTask(ctx, t)
}
