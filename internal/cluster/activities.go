package cluster

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// GetActivityTask implements service.Engine: a worker polling any node
// gets the tasks of every partition. It takes a task queued in a partition
// of another node by asking that node to claim it for the worker (the
// owner stores the task's start first, so that two polls never get one
// task), and otherwise waits on this node's engine until a task comes to
// it, one is queued on another node (the store notifies the activity's
// ARN), another node's engine holds one (WakeHeld), or the recheck passes.
func (r *Router) GetActivityTask(ctx context.Context, activityArn, worker string) (*store.Task, error) {
	soon := claimAgainFirst
	var polledAt time.Time
	sweep := false // WakeHeld chose this poll to ask the other nodes
	for {
		wake := r.subscribe(activityArn)
		t, missed, err := r.claimElsewhere(ctx, activityArn, worker)
		if t == nil && err == nil && (sweep || time.Since(polledAt) >= r.activityRecheck) {
			// The tasks no store notification tells of: Express runs'.
			polledAt = time.Now()
			t = r.pollElsewhere(ctx, activityArn, worker)
		}
		if t != nil || err != nil {
			r.unsubscribe(activityArn, wake)
			return t, err
		}
		// A task the store holds as queued that its owner does not hand
		// out yet (the notification of its commit came before the owner's
		// engine took the task in) is claimed again soon, not at the
		// recheck.
		recheck := r.activityRecheck
		if missed {
			recheck, soon = soon, min(2*soon, r.activityRecheck)
		} else {
			soon = claimAgainFirst
		}
		pctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-wake:
			case <-time.After(recheck):
			case <-pctx.Done():
			}
			cancel()
		}()
		// A task claimed for this poll as it is withdrawn still comes back.
		r.waiting.Add(1)
		t, err = r.eng.GetActivityTask(pctx, activityArn, worker)
		r.waiting.Add(-1)
		cancel()
		sweep = r.unsubscribe(activityArn, wake)
		if t != nil || err != nil || ctx.Err() != nil {
			return t, err
		}
	}
}

// WaitingPolls is the number of activity polls of this node waiting for a
// task, having asked the other nodes for theirs (tests).
func (r *Router) WaitingPolls() int64 { return r.waiting.Load() }

// SetActivityRecheck sets how often a waiting poll reads the queued tasks
// of the other nodes and asks them for those their engines hold without a
// notification (recheckActivities by default; tests set a long one).
func (r *Router) SetActivityRecheck(d time.Duration) { r.activityRecheck = d }

// recheckActivities is how often a waiting poll reads the queued tasks of
// other nodes even without a notification (one lost with a connection):
// Router.activityRecheck's default.
const recheckActivities = 5 * time.Second

// claimAgainFirst is the first wait before claiming again a task its owner
// did not hand out though the store holds it as queued; it doubles up to
// recheckActivities.
const claimAgainFirst = 20 * time.Millisecond

// claimTimeout bounds the wait for another node's answer to a claim.
const claimTimeout = 30 * time.Second

// claimElsewhere claims for worker a task of the activity queued in a
// partition another node owns; nil when there is none. missed says that
// an owner answered that a task the store holds as queued is not queued
// there (yet, or any more). The tasks of this node's partitions are its
// engine's to hand out.
func (r *Router) claimElsewhere(ctx context.Context, activityArn, worker string) (_ *store.Task, missed bool, _ error) {
	queued, err := r.dir.QueuedActivityTasks(ctx, activityArn, 16)
	if err != nil {
		r.log.Warn("reading the queued tasks of an activity", "activity", activityArn, "err", err)
		return nil, false, nil // the local engine's tasks still come
	}
	owned := r.eng.Owned()
	for _, t := range queued {
		if ctx.Err() != nil {
			return nil, false, nil
		}
		p := partition.Of(t.ExecutionArn)
		if owned.Has(p) {
			continue
		}
		addr := r.owner(ctx, p, false)
		if addr == "" {
			continue
		}
		// A claim that reached the owner stores the task as started by
		// worker: its answer is awaited even if the poll ends meanwhile
		// (the task then still goes to the poll), else nobody would have
		// the task.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
		got, err := r.rpc.claim(cctx, addr, t.Token, worker)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, nil
			}
			r.log.Warn("claiming an activity task on its node", "node", addr, "err", err)
			continue
		}
		if got != nil {
			return got, false, nil
		}
		missed = true
	}
	return nil, missed, nil
}

// pollElsewhere asks the other nodes, one after another, for a task of
// the activity that their engine holds: an Express run's task, which the
// store does not hold (an Express run is stored once it ends), so that a
// worker polling any node gets it, at once when it polls and else within
// recheckActivities. A node hands one out at once or answers none; one
// after another, so that a poll gets one task at most. As with a claim,
// the answer is awaited even if the poll ends meanwhile.
func (r *Router) pollElsewhere(ctx context.Context, activityArn, worker string) *store.Task {
	nodes, err := r.dir.Nodes(ctx)
	if err != nil {
		r.log.Warn("reading the cluster's nodes", "err", err)
		return nil
	}
	rand.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] }) // no node always asked first
	for _, n := range nodes {
		if n.Holder == r.self || n.Addr == "" {
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
		rep, err := r.rpc.do(cctx, n.Addr, &request{Op: opPollNow, Arn: activityArn, Worker: worker})
		cancel()
		if err != nil {
			r.log.Debug("asking a node for an activity task", "node", n.Holder, "err", err)
			continue
		}
		if rep.Task != nil {
			return rep.Task
		}
	}
	return nil
}

// Wake tells the polls of an activity that a task of it was queued
// somewhere in the cluster (the store's notification); "" wakes the polls
// of every activity (notifications may have been missed).
func (r *Router) Wake(activityArn string) {
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	wake := func(set map[chan struct{}]bool) {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	if activityArn != "" {
		wake(r.wakers[activityArn])
		return
	}
	for _, set := range r.wakers {
		wake(set)
	}
}

func (r *Router) subscribe(activityArn string) chan struct{} {
	ch := make(chan struct{}, 1)
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	set := r.wakers[activityArn]
	if set == nil {
		set = map[chan struct{}]bool{}
		r.wakers[activityArn] = set
	}
	set[ch] = false // not chosen by WakeHeld (yet)
	return ch
}

// unsubscribe ends a poll's subscription; true when WakeHeld chose it.
func (r *Router) unsubscribe(activityArn string, ch chan struct{}) bool {
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	chosen := r.wakers[activityArn][ch]
	delete(r.wakers[activityArn], ch)
	if len(r.wakers[activityArn]) == 0 {
		delete(r.wakers, activityArn)
	}
	return chosen
}

// WakeHeld tells the polls of an activity that another node's engine
// holds a task of it that no row of the store tells of (an Express run's:
// postgres.ActivityHeld). One waiting poll of this node not chosen yet is
// woken to ask the other nodes at once (pollElsewhere), one per notice,
// not every poll: the first to ask gets the task, and the others would
// only add calls.
func (r *Router) WakeHeld(activityArn string) {
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	set := r.wakers[activityArn]
	for ch, chosen := range set {
		if chosen {
			continue
		}
		set[ch] = true
		select {
		case ch <- struct{}{}:
		default:
		}
		return
	}
}
