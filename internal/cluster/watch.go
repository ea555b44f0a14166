package cluster

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
)

// Live updates on a node of a cluster. A node's engine publishes the
// updates of the executions it runs only; the event streams and waits a
// node serves need those of every execution. Watch merges the local
// engine's updates with those relayed, over the internal API's watch
// stream (relay.go), from the nodes that run the executions:
//
//   - for one execution, from its partition's owner, through one stream
//     shared by this node's watchers of it, followed when the
//     partition moves (the peer ends the stream once it no longer runs
//     it, and the relay reads the owner again every few seconds);
//   - for every execution, from every other live node, through one
//     stream per node shared by all of this node's watchers (each peer
//     sends only status changes, all that such a watcher reads).
//
// An update missed while a relay reconnects is caught up by the readers
// of one execution, which read the store again on their own every few
// seconds; the stream of every execution (native's sse.go) does not
// reread, and misses the status changes sent meanwhile. A relay
// never holds up the engine nor a reader (updates are dropped, as the
// engine's watch drops them for a reader that falls behind).

// relayConfig bounds the relays (a field of the Router, for the tests).
type relayConfig struct {
	// connect bounds the wait for a peer's first line (connection,
	// request, the peer's engine watching); idle the wait for any line
	// after it (the peer sends a heartbeat every watchBeat).
	connect, idle time.Duration
	// first bounds how long Watch of one execution waits for its relay
	// to start, so that, as with the engine's watch, an update committed
	// after Watch returns is not missed.
	first time.Duration
	// recheck is how often a relay reads again who runs its execution,
	// and how often the relays of every execution read the live nodes.
	recheck time.Duration
	// retryMin and retryMax bound the wait before a relay reconnects.
	retryMin, retryMax time.Duration
	// stable is how long a stream must have lasted for its end to be
	// followed at once by another, rather than after a growing wait.
	stable time.Duration
	// max caps the executions whose updates are relayed at once (the
	// watchers of one share its relay); a watch of another past it has
	// only the local engine's (and its reader's rereads).
	max int64
}

var defaultRelay = relayConfig{
	connect: 5 * time.Second, idle: 2*watchBeat + 5*time.Second, first: 2 * time.Second,
	recheck: 2 * time.Second, retryMin: 50 * time.Millisecond, retryMax: 5 * time.Second,
	stable: 10 * time.Second, max: 256,
}

// watchBuffer is the buffer of a watcher's channel, as the engine's.
const watchBuffer = 1024

// Watch implements the server's native.Watcher on a node of a cluster:
// the updates of the execution arn ("": of every execution) committed on
// any node, from now until ctx ends, when the channel closes. A reader
// that falls watchBuffer updates behind misses some.
func (r *Router) Watch(ctx context.Context, arn string) <-chan engine.Update {
	out := make(chan engine.Update, watchBuffer)
	send := func(u engine.Update) {
		select {
		case out <- u:
		default:
		}
	}
	local := r.eng.Watch(ctx, arn)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for u := range local {
			send(u)
		}
	}()
	if arn == "" {
		r.joinAll(out)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			r.leaveAll(out) // no more sends from the relays once it returns
		}()
	} else {
		up := r.joinExec(arn, out)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			r.leaveExec(arn, out) // no more sends from the relay once it returns
		}()
		t := time.NewTimer(r.relayCfg.first)
		select {
		case <-up:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// execRelay is the relay of one execution's updates, shared by this
// node's watchers of it: one stream from its owner however many watch it
// here (a run on a wall screen, a team following it in the UI).
type execRelay struct {
	cancel context.CancelFunc
	subs   map[chan engine.Update]struct{}
	up     chan struct{} // closed once the relay relays, knows it need not, or failed once
}

// joinExec adds a watcher of the execution arn, starting its relay for
// the first one, and returns what closes once the relay is up.
func (r *Router) joinExec(arn string, ch chan engine.Update) <-chan struct{} {
	r.allMu.Lock()
	defer r.allMu.Unlock()
	x := r.execs[arn]
	if x == nil {
		ctx, cancel := context.WithCancel(context.Background())
		x = &execRelay{cancel: cancel, subs: map[chan engine.Update]struct{}{}, up: make(chan struct{})}
		if r.execs == nil {
			r.execs = map[string]*execRelay{}
		}
		r.execs[arn] = x
		ready := sync.OnceFunc(func() { close(x.up) })
		r.running.Add(1)
		go func() {
			defer r.running.Add(-1)
			r.relay(ctx, arn, func(u engine.Update) { r.sendSubs(x.subs, u) }, ready)
		}()
	}
	x.subs[ch] = struct{}{}
	return x.up
}

// leaveExec removes a watcher of the execution arn, stopping its relay
// with the last one. Nothing is sent to ch once it returns.
func (r *Router) leaveExec(arn string, ch chan engine.Update) {
	r.allMu.Lock()
	defer r.allMu.Unlock()
	x := r.execs[arn]
	delete(x.subs, ch)
	if len(x.subs) == 0 {
		x.cancel()
		delete(r.execs, arn)
	}
}

// sendSubs sends u to the watchers subs of a relay (r.allMu guards them),
// dropping it for those behind.
func (r *Router) sendSubs(subs map[chan engine.Update]struct{}, u engine.Update) {
	r.allMu.Lock()
	defer r.allMu.Unlock()
	for ch := range subs {
		select {
		case ch <- u:
		default:
		}
	}
}

// relay sends the updates of arn that its owner, when another node,
// commits, until ctx ends. It calls ready once it relays, or knows it
// need not (this node runs the execution, or no node does), or failed
// once.
func (r *Router) relay(ctx context.Context, arn string, send func(engine.Update), ready func()) {
	defer ready()
	cfg := r.relayCfg
	p := partition.Of(arn)
	var b backoff
	fresh := false
	for ctx.Err() == nil {
		if r.eng.Owned().Has(p) {
			// The local engine's watch has its updates, until the
			// partition moves.
			ready()
			fresh = true
			sleep(ctx, cfg.recheck)
			continue
		}
		addr := r.owner(ctx, p, fresh)
		fresh = true
		if addr == "" || r.relays.Add(1) > cfg.max {
			if addr != "" {
				r.relays.Add(-1)
			}
			// No node runs it for now (a takeover), or too many relays
			// are open: the reader's rereads have its changes meanwhile.
			ready()
			sleep(ctx, b.next(cfg))
			continue
		}
		began := time.Now()
		err := r.relayFrom(ctx, addr, arn, p, send, ready)
		r.relays.Add(-1)
		ready()
		if ctx.Err() != nil {
			return
		}
		r.relayEnded("relay of an execution's updates ended; following its owner again", began, err, "arn", arn, "node", addr)
		if time.Since(began) > cfg.stable {
			b.reset()
		}
		sleep(ctx, b.next(cfg))
	}
}

// relayFrom relays the updates of arn from the node at addr until the
// stream ends, ctx ends, or the store says that another node (or this
// one) runs its partition now.
func (r *Router) relayFrom(ctx context.Context, addr, arn string, p int, send func(engine.Update), ready func()) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.relayCfg.recheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if r.eng.Owned().Has(p) || r.owner(ctx, p, false) != addr {
				cancel()
				return
			}
		}
	}()
	return r.rpc.watch(ctx, addr, arn, r.relayCfg.connect, r.relayCfg.idle, ready, send)
}

// fanout is the relays of every execution's updates from every other
// node, shared by this node's watchers of every execution: one stream per
// peer however many watch.
type fanout struct {
	cancel context.CancelFunc
	subs   map[chan engine.Update]struct{}
}

// joinAll adds a watcher of every execution, starting the relays for the
// first one.
func (r *Router) joinAll(ch chan engine.Update) {
	r.allMu.Lock()
	defer r.allMu.Unlock()
	if r.all == nil {
		ctx, cancel := context.WithCancel(context.Background())
		f := &fanout{cancel: cancel, subs: map[chan engine.Update]struct{}{}}
		r.all = f
		r.running.Add(1)
		go func() {
			defer r.running.Add(-1)
			r.runFanout(ctx, f)
		}()
	}
	r.all.subs[ch] = struct{}{}
}

// leaveAll removes a watcher of every execution, stopping the relays with
// the last one. Nothing is sent to ch once it returns.
func (r *Router) leaveAll(ch chan engine.Update) {
	r.allMu.Lock()
	defer r.allMu.Unlock()
	f := r.all
	delete(f.subs, ch)
	if len(f.subs) == 0 {
		f.cancel()
		r.all = nil
	}
}

// fanOut sends u to f's watchers, dropping it for those behind.
func (r *Router) fanOut(f *fanout, u engine.Update) { r.sendSubs(f.subs, u) }

// runFanout keeps one relay open to each other live node, reading the
// live nodes every relayCfg.recheck, until ctx ends.
func (r *Router) runFanout(ctx context.Context, f *fanout) {
	relays := map[Node]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range relays {
			stop()
		}
		wg.Wait()
	}()
	t := time.NewTicker(r.relayCfg.recheck)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, r.relayCfg.connect)
		nodes, err := r.dir.Nodes(rctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.log.Warn("reading the cluster's nodes to relay their updates", "err", err)
		}
		if err == nil {
			live := map[Node]bool{}
			for _, n := range nodes {
				if n.Holder == r.self || n.Addr == "" {
					continue
				}
				live[n] = true
				if relays[n] != nil {
					continue
				}
				nctx, stop := context.WithCancel(ctx)
				relays[n] = stop
				wg.Add(1)
				r.running.Add(1)
				go func() {
					defer wg.Done()
					defer r.running.Add(-1)
					r.relayAll(nctx, n.Addr, f)
				}()
			}
			for n, stop := range relays {
				if !live[n] {
					stop()
					delete(relays, n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// relayAll relays the status changes of the node at addr to f's watchers
// until ctx ends, reconnecting when the stream ends.
func (r *Router) relayAll(ctx context.Context, addr string, f *fanout) {
	var b backoff
	for ctx.Err() == nil {
		began := time.Now()
		err := r.rpc.watch(ctx, addr, "", r.relayCfg.connect, r.relayCfg.idle, func() {}, func(u engine.Update) { r.fanOut(f, u) })
		if ctx.Err() != nil {
			return
		}
		r.relayEnded("relay of a node's status changes ended; reconnecting", began, err, "node", addr)
		if time.Since(began) > r.relayCfg.stable {
			b.reset()
		}
		sleep(ctx, b.next(r.relayCfg))
	}
}

// backoff is the growing wait between a relay's attempts.
type backoff struct{ d time.Duration }

// next is the next wait: double the last, within the config's bounds,
// less up to a quarter at random so that the relays of a node that came
// back do not all call at once.
func (b *backoff) next(cfg relayConfig) time.Duration {
	b.d = min(max(2*b.d, cfg.retryMin), cfg.retryMax)
	return b.d - rand.N(b.d/4+1)
}

func (b *backoff) reset() { b.d = 0 }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// relayEnded logs the end of a relay's stream: at Debug when it had lasted
// or ended without an error (the partition moved, the node stopped);
// otherwise at Warn, at most once per relayWarnGap for the whole node, so
// that a peer refusing every relay (at its limit, a skewed clock, an older
// version) shows without filling the log.
func (r *Router) relayEnded(msg string, began time.Time, err error, args ...any) {
	args = append(args, "err", err)
	if err == nil || time.Since(began) > r.relayCfg.stable {
		r.log.Debug(msg, args...)
		return
	}
	now := time.Now().UnixNano()
	last := r.relayWarned.Load()
	if now-last < int64(relayWarnGap) || !r.relayWarned.CompareAndSwap(last, now) {
		r.log.Debug(msg, args...)
		return
	}
	r.log.Warn(msg+" (live updates of the executions that node runs are late or missed here meanwhile; further failures are logged at Debug for a minute)", args...)
}

// relayWarnGap is the least time between two relay failures logged at Warn.
const relayWarnGap = time.Minute
