// Package events is Baton's event bus: it feeds the events of the outbox
// (executions' status changes, stored with the transitions that made them,
// and custom events) to consumers (rules, triggers, schedules), each with
// its own stored cursors, and carries out the intents they decide.
//
// Delivery is at least once and effects are exactly once: a consumer's
// decisions (its state and its intents) are stored with its cursors in one
// transaction before any is carried out, and an intent is named (a start's
// execution name) so that carrying it out again after a crash changes
// nothing. The outbox, not memory, is the source: a consumer that falls
// behind reads on, and one that restarts resumes at its cursors.
package events

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// Consumer is one reader of the bus.
type Consumer struct {
	// Name keys the consumer's cursors, state and intents in the store.
	Name string
	// Load (optional) reads the consumer's state from the store: at start,
	// and again when a commit of its decisions failed, so that its memory
	// never runs ahead of what is stored.
	Load func(ctx context.Context) error
	// Handle (optional) reads a batch of events, in Seq order (of one or
	// several partitions), and adds what it decides to c (State, Intents,
	// Events). The bus then stores c with the new cursors in one
	// transaction. An error leaves the cursors where they were: the batch
	// is read again later, in the same order.
	Handle func(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error
	// Tick (optional) is called at the time it last returned (and at
	// start): it adds what is due at now to c and returns when it is next
	// due (zero: only when woken by Bus.Wake).
	Tick func(ctx context.Context, now time.Time, c *store.ConsumerCommit) (time.Time, error)
	// Act carries out an intent. nil: done. An error wrapped by Permanent:
	// given up (logged). Any other error: tried again with back-off.
	Act func(ctx context.Context, in *store.Intent) error
	// Committed (optional) is told of each commit of the consumer's
	// decisions once it is stored: a consumer whose intents another part
	// carries out (Act nil) hands them over here.
	Committed func(c *store.ConsumerCommit)
	// Unload (optional) is told that Run stopped running the consumer:
	// its state in memory is no longer kept up to date (on a cluster,
	// another server runs the bus from then on).
	Unload func()
}

// Permanent marks an error of Act that trying again cannot mend (the
// workflow was deleted, its input is refused): the intent is dropped.
func Permanent(err error) error { return permanent{err} }

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Bus runs the consumers of the outbox.
//
// On a cluster, a consumer is a group (RegisterGroup) of a member per
// cluster partition, each with its own consumer name, cursors, state and
// intents; a node runs the members of the partitions it owns (Own, Disown)
// and their commits are fenced by the partition's lease.
type Bus struct {
	st     store.Store
	log    *slog.Logger
	clk    clock.Clock
	batch  int
	onLost func(partition.Set)
	// reader reads the outbox for every runner.
	reader *reader

	mu        sync.Mutex
	consumers []*runner
	groups    []*group
	// owned are the partitions whose members run (while Run runs); lost,
	// those told to OnLost since they were last owned or disowned.
	owned, lost partition.Set
	// runCtx is Run's while it runs; members is the members' goroutines.
	runCtx  context.Context
	members sync.WaitGroup
}

// Options configure a Bus.
type Options struct {
	Log   *slog.Logger // default slog.Default()
	Clock clock.Clock  // default clock.Real
	Batch int          // most events read at once from a partition; default 256
	// OnLost (optional) is told that a member's commit was refused by the
	// fence (*store.PartitionsLostError): this node no longer holds the
	// partition's lease. The member stopped; the server hands the
	// partition back (Disown). Told once per partition until it is owned
	// or disowned again; called from the member's goroutine once it has
	// stopped.
	OnLost func(partition.Set)
}

// New returns a bus over st's outbox.
func New(st store.Store, o Options) *Bus {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	return &Bus{st: st, log: o.Log, clk: o.Clock, batch: o.Batch, onLost: o.OnLost, reader: newReader(st, o.Clock, o.Batch)}
}

// Register adds a consumer; call it before Run.
func (b *Bus) Register(c Consumer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consumers = append(b.consumers, &runner{bus: b, c: c, wake: make(chan struct{}, 1)})
}

// Notify tells the consumers that read the outbox (members included) that
// it has new events.
func (b *Bus) Notify() {
	b.reader.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running(func(r *runner) {
		if r.c.Handle != nil {
			r.poke()
		}
	})
}

// Wake makes a consumer tick now (its schedules changed) and read the
// outbox: a consumer registered under name, or every running member of
// the group name.
func (b *Bus) Wake(name string) {
	b.reader.changed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running(func(r *runner) {
		if r.c.Name == name || r.group == name {
			r.tickNow.Store(true)
			r.poke()
		}
	})
}

func (r *runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Put appends events to the outbox (PutEvents) and wakes the consumers.
func (b *Bus) Put(ctx context.Context, evs []*store.OutboxEvent) error {
	if err := b.st.AppendEvents(ctx, evs); err != nil {
		return err
	}
	b.Notify()
	return nil
}

// Prepare gives each registered consumer that has never read the outbox
// cursors at its end: a new consumer reads what comes from now on, not the
// events kept from before it existed (a rule created today does not fire
// on last week's events). Call it before anything appends events that the
// consumers must see (before the engine runs), and before Run. Groups are
// left out: their members get their cursors when they first start.
func (b *Bus) Prepare(ctx context.Context) error {
	b.mu.Lock()
	rs := append([]*runner(nil), b.consumers...)
	b.mu.Unlock()
	var last int64 = -1
	for _, r := range rs {
		if r.c.Handle == nil {
			continue
		}
		cur, err := b.st.Cursors(ctx, r.c.Name)
		if err != nil {
			return err
		}
		if len(cur) > 0 {
			continue
		}
		if last < 0 {
			if last, err = b.st.LastOutboxSeq(ctx); err != nil {
				return err
			}
		}
		c := &store.ConsumerCommit{Consumer: r.c.Name, Cursors: map[int]int64{}}
		for p := 0; p < store.OutboxPartitions; p++ {
			c.Cursors[p] = last
		}
		if err := b.st.CommitConsumer(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// Run runs every consumer, and the members of the partitions owned, until
// ctx ends.
func (b *Bus) Run(ctx context.Context) {
	b.mu.Lock()
	rs := append([]*runner(nil), b.consumers...)
	groups := len(b.groups) > 0
	b.runCtx = ctx
	for _, p := range b.owned.List() {
		for _, g := range b.groups {
			b.startMember(g, p)
		}
	}
	b.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx)
		}()
	}
	wg.Wait()
	if groups {
		<-ctx.Done()
	}
	b.mu.Lock()
	b.runCtx = nil
	for _, g := range b.groups {
		g.run = [partition.Count]*runner{}
	}
	b.mu.Unlock()
	b.members.Wait()
}

// Behind returns, for each consumer that reads events, how many outbox
// sequence numbers lie past what it has handled: the backlog an operator
// watches (a consumer that cannot keep up, or is stuck on a failing
// store), and what a benchmark waits on before it measures. A group is
// reported under its name: the largest backlog of its running members
// (left out while none runs).
func (b *Bus) Behind(ctx context.Context) (map[string]int64, error) {
	head, err := b.st.LastOutboxSeq(ctx)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int64, len(b.consumers))
	b.running(func(r *runner) {
		if r.c.Handle == nil {
			return
		}
		name := r.c.Name
		if r.group != "" {
			name = r.group
		}
		out[name] = max(out[name], head-r.readUpTo.Load())
	})
	return out, nil
}

// Back-off of a consumer whose store calls or intents fail.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 30 * time.Second
	// rescan is how often a consumer reads the outbox with no wake-up: a
	// safety net (wake-ups are not stored).
	rescan = 5 * time.Second
)

// runner runs one consumer.
type runner struct {
	bus  *Bus
	c    Consumer
	wake chan struct{}
	// A group's member: its group, its partition, whose lease fences its
	// commits (lost: one was refused, the member stops), and how Disown
	// stops it and waits.
	group  string
	part   int
	fenced bool
	lost   bool
	cancel context.CancelFunc
	done   chan struct{}
	// unsaved says that the cursors moved past what is stored (over
	// events that decided nothing); savedAt is when they were last stored.
	unsaved  bool
	savedAt  time.Time
	tickNow  atomic.Bool
	cursors  map[int]int64
	nextTick time.Time
	ticks    bool
	// pending are intents not carried out yet, with when to try again.
	pending []*pendingIntent
	// readUpTo is the Seq up to which every partition has been handled:
	// read by Behind from other goroutines.
	readUpTo atomic.Int64
}

type pendingIntent struct {
	in      *store.Intent
	at      time.Time
	backoff time.Duration
}

func (r *runner) run(ctx context.Context) {
	if r.c.Unload != nil {
		defer r.c.Unload()
	}
	b := r.bus
	backoff := retryFirst
	for !r.start(ctx) {
		if r.lost || !r.sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, retryMax)
	}
	r.ticks = r.c.Tick != nil
	r.nextTick = b.clk.Now()
	defer func() {
		if r.unsaved && !r.lost { // best effort: else these events are read again
			c, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			r.saveCursors(c)
		}
	}()
	for ctx.Err() == nil && !r.lost {
		progressed, ok := r.round(ctx)
		if !ok {
			// The store failed: reload and wait before trying again.
			if r.lost || !r.sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, retryMax)
			for !r.start(ctx) {
				if r.lost || !r.sleep(ctx, backoff) {
					return
				}
				backoff = min(2*backoff, retryMax)
			}
			continue
		}
		backoff = retryFirst
		if progressed {
			continue
		}
		r.wait(ctx)
	}
}

// start reads the consumer's cursors, state and stored intents.
func (r *runner) start(ctx context.Context) bool {
	b := r.bus
	cur, err := b.st.Cursors(ctx, r.c.Name)
	if err == nil && len(cur) == 0 && r.fenced && r.c.Handle != nil {
		// A member new to the store reads from the end of the outbox (as
		// Prepare has a consumer do); its partition's lease makes it the
		// only one to decide so.
		cur, err = r.startAtEnd(ctx)
	}
	if err == nil && r.c.Load != nil {
		err = r.c.Load(ctx)
	}
	var ins []*store.Intent
	if err == nil && r.c.Act != nil {
		ins, err = b.st.Intents(ctx, r.c.Name)
	}
	if err != nil {
		if !r.refused(err) && ctx.Err() == nil {
			b.log.Warn("event bus: a consumer cannot read its state; trying again", "consumer", r.c.Name, "err", err)
		}
		return false
	}
	r.cursors = cur
	low := int64(-1)
	for p := 0; p < store.OutboxPartitions; p++ {
		if c := cur[p]; low < 0 || c < low {
			low = c
		}
	}
	r.readUpTo.Store(low)
	now := b.clk.Now()
	r.pending = r.pending[:0]
	for _, in := range ins {
		r.pending = append(r.pending, &pendingIntent{in: in, at: now, backoff: retryFirst})
	}
	return true
}

// round reads each partition once, ticks when due and acts on the intents
// due; progressed reports whether anything was read or done.
func (r *runner) round(ctx context.Context) (progressed, ok bool) {
	b := r.bus
	if r.c.Handle != nil {
		// One read of every partition from the lowest cursor: the events
		// a partition's cursor passed already are left out.
		low := int64(-1)
		for p := 0; p < store.OutboxPartitions; p++ {
			if c := r.cursors[p]; low < 0 || c < low {
				low = c
			}
		}
		// At most maxBatches per round: a steady stream of events must not
		// hold up the schedules' ticks and the starts decided.
		for after, n := low, 0; n < maxBatches; n++ {
			// Through the bus's reader: shared with the other runners.
			evs, err := b.reader.read(ctx, after)
			if err != nil {
				r.failed(ctx, "read the outbox", err)
				return false, false
			}
			if len(evs) == 0 {
				break
			}
			after = evs[len(evs)-1].Seq
			fresh := evs[:0:0]
			// Seq grows in commit order over the whole outbox (appends take
			// turns, on every node of a cluster): having read up to after,
			// every partition is read up to it.
			c := r.newCommit()
			c.Cursors = map[int]int64{}
			for p := 0; p < store.OutboxPartitions; p++ {
				c.Cursors[p] = max(after, r.cursors[p])
			}
			for _, ev := range evs {
				if ev.Seq > r.cursors[ev.Partition] {
					fresh = append(fresh, ev)
				}
			}
			if len(fresh) > 0 {
				if err := r.c.Handle(ctx, fresh, c); err != nil {
					r.failed(ctx, "handle events", err)
					return false, false
				}
				if len(c.State)+len(c.Intents)+len(c.Events) == 0 {
					// Nothing decided: the cursors are stored later (a
					// write per event would compete with the engine's
					// commits); after a crash these events are read again
					// and decide nothing again.
					r.unsaved = true
				} else {
					if !r.commit(ctx, c) {
						return false, false
					}
					r.unsaved, r.savedAt = false, b.clk.Now()
				}
				progressed = true
			}
			for p, seq := range c.Cursors {
				r.cursors[p] = seq
			}
			r.readUpTo.Store(after)
			if len(evs) < b.batch {
				break
			}
		}
	}
	if r.unsaved && b.clk.Now().Sub(r.savedAt) >= r.saveEvery() {
		if !r.saveCursors(ctx) {
			return false, false
		}
	}
	if r.ticks && r.tickNow.Swap(false) {
		r.nextTick = b.clk.Now()
	}
	if r.ticks && !r.nextTick.IsZero() && !b.clk.Now().Before(r.nextTick) {
		c := r.newCommit()
		next, err := r.c.Tick(ctx, b.clk.Now(), c)
		if err != nil {
			r.failed(ctx, "tick", err)
			return false, false
		}
		if !r.commit(ctx, c) {
			return false, false
		}
		r.nextTick = next
		progressed = progressed || len(c.Intents) > 0
	}
	if r.act(ctx) {
		progressed = true
	}
	return progressed, true
}

// commit stores c and queues its intents.
func (r *runner) commit(ctx context.Context, c *store.ConsumerCommit) bool {
	b := r.bus
	if len(c.Cursors) == 0 && len(c.State) == 0 && len(c.Intents) == 0 && len(c.DoneIntents) == 0 && len(c.Events) == 0 {
		return true
	}
	now := b.clk.Now()
	for _, in := range c.Intents {
		in.Consumer = r.c.Name
		if in.Created.IsZero() {
			in.Created = now
		}
	}
	c.Fenced, c.Partition = r.fenced, r.part
	if err := b.st.CommitConsumer(ctx, c); err != nil {
		r.failed(ctx, "store its decisions", err)
		return false
	}
	if r.c.Act != nil {
		for _, in := range c.Intents {
			r.pending = append(r.pending, &pendingIntent{in: in, at: now, backoff: retryFirst})
		}
	}
	if r.c.Committed != nil {
		r.c.Committed(c)
	}
	if len(c.Events) > 0 {
		b.Notify() // the consumers of the outbox read them now, not at their rescan
	}
	return true
}

// cursorSave is how often a consumer stores cursors that moved over
// events it decided nothing on.
const cursorSave = 2 * time.Second

// memberCursorSave is cursorSave for a group's member: most events are
// for other members' partitions and decide nothing, and the 64 members of
// each group would otherwise store their cursors 32 times a second in all.
// Disown stores them; after a crash, the events since are read again and
// decide nothing again.
const memberCursorSave = 30 * time.Second

// saveEvery is the runner's cursorSave.
func (r *runner) saveEvery() time.Duration {
	if r.fenced {
		return memberCursorSave
	}
	return cursorSave
}

// maxBatches bounds the batches of events a consumer reads in one round,
// before it ticks and carries out its intents.
const maxBatches = 8

// actParallel is how many intents of a consumer are carried out at once:
// starts wait for their commit, which the engine groups.
const actParallel = 128

// act carries out the intents that are due, several at once; it reports
// whether any was done.
func (r *runner) act(ctx context.Context) bool {
	b := r.bus
	if r.c.Act == nil || len(r.pending) == 0 {
		return false
	}
	now := b.clk.Now()
	var due []*pendingIntent
	keep := r.pending[:0]
	for _, p := range r.pending {
		if p.at.After(now) || ctx.Err() != nil {
			keep = append(keep, p)
		} else {
			due = append(due, p)
		}
	}
	errs := make([]error, len(due))
	sem := make(chan struct{}, actParallel)
	var wg sync.WaitGroup
	for i, p := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = r.c.Act(ctx, p.in)
		}()
	}
	wg.Wait()
	var done []string
	for i, p := range due {
		err := errs[i]
		switch {
		case err == nil:
			done = append(done, p.in.ID)
		case IsPermanent(err):
			b.log.Error("event bus: an intent cannot be carried out; dropped", "consumer", r.c.Name, "intent", p.in.ID, "err", err)
			done = append(done, p.in.ID)
		default:
			if ctx.Err() == nil {
				b.log.Warn("event bus: an intent failed; trying again", "consumer", r.c.Name, "intent", p.in.ID, "err", err, "in", p.backoff)
			}
			p.at = now.Add(p.backoff)
			p.backoff = min(2*p.backoff, retryMax)
			keep = append(keep, p)
		}
	}
	r.pending = keep
	if len(done) == 0 {
		return false
	}
	// Forgetting done intents may fail: they are then carried out again
	// after a restart, which their names make harmless. Stopping, the
	// runner still records those it has just carried out (best effort).
	c := r.newCommit()
	c.DoneIntents = done
	cctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
	}
	if err := b.st.CommitConsumer(cctx, c); err != nil && !r.refused(err) && ctx.Err() == nil {
		b.log.Warn("event bus: cannot record intents as done", "consumer", r.c.Name, "err", err)
	}
	return true
}

func (r *runner) failed(ctx context.Context, what string, err error) {
	if !r.refused(err) && ctx.Err() == nil {
		r.bus.log.Warn("event bus: a consumer could not "+what+"; trying again", "consumer", r.c.Name, "err", err)
	}
}

// wait sleeps until a wake-up, the next tick, the next intent due, or the
// rescan period.
func (r *runner) wait(ctx context.Context) {
	b := r.bus
	now := b.clk.Now()
	d := rescan
	if r.unsaved {
		d = min(d, r.saveEvery()-now.Sub(r.savedAt))
	}
	if r.ticks && !r.nextTick.IsZero() {
		d = min(d, r.nextTick.Sub(now))
	}
	for _, p := range r.pending {
		d = min(d, p.at.Sub(now))
	}
	if d <= 0 {
		return
	}
	t := b.clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.wake:
	case <-t.C():
	}
}

// sleep waits d on the real clock (store back-off); false when ctx ended.
func (r *runner) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// saveCursors stores the consumer's cursors.
func (r *runner) saveCursors(ctx context.Context) bool {
	c := r.newCommit()
	c.Cursors = map[int]int64{}
	maps.Copy(c.Cursors, r.cursors)
	if err := r.bus.st.CommitConsumer(ctx, c); err != nil {
		r.failed(ctx, "store its cursors", err)
		return false
	}
	r.unsaved, r.savedAt = false, r.bus.clk.Now()
	return true
}

// newCommit is an empty commit of the consumer (fenced by its partition's
// lease when it is a group's member).
func (r *runner) newCommit() *store.ConsumerCommit {
	return &store.ConsumerCommit{Consumer: r.c.Name, Fenced: r.fenced, Partition: r.part}
}

// refused reports whether err is the fence refusing a member's commit
// (its partition's lease is lost), and then marks the member lost: it
// stops instead of trying again.
func (r *runner) refused(err error) bool {
	var lost *store.PartitionsLostError
	if !r.fenced || !errors.As(err, &lost) {
		return false
	}
	if !r.lost {
		r.lost = true
		r.bus.log.Info("event bus: this node lost a partition; its member stops", "consumer", r.c.Name, "partition", r.part)
	}
	return true
}

// startAtEnd stores a new member's cursors at the end of the outbox.
func (r *runner) startAtEnd(ctx context.Context) (map[int]int64, error) {
	last, err := r.bus.st.LastOutboxSeq(ctx)
	if err != nil {
		return nil, err
	}
	c := r.newCommit()
	c.Cursors = map[int]int64{}
	for p := 0; p < store.OutboxPartitions; p++ {
		c.Cursors[p] = last
	}
	if err := r.bus.st.CommitConsumer(ctx, c); err != nil {
		return nil, err
	}
	return c.Cursors, nil
}
