package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/store"
)

// Sender delivers notifications of one channel.
type Sender interface {
	// Send delivers n. For Slack, th is the run's thread: zero when the
	// run has none yet, in which case the sender posts the root and sets
	// th. Errors are *channel.Error where the sender can classify them;
	// any other error is taken as transient.
	Send(ctx context.Context, n *Notification, th *Thread) error
}

// Thread is a run's Slack thread in a channel.
type Thread struct {
	Channel string `json:"channel"` // the channel id Slack answered
	TS      string `json:"ts"`      // the root message
}

// DeadLetter is a notification given up, kept until retried or deleted.
type DeadLetter struct {
	Notification *Notification `json:"notification"`
	Error        string        `json:"error"`
	Attempts     int           `json:"attempts"`
	Failed       time.Time     `json:"failed"`
}

// State keys of the delivery.
const (
	keyThread = "t/"
	keyDead   = "d/"
)

// Delivery carries out stored notifications in order per destination.
type Delivery struct {
	st      store.Store
	senders map[string]Sender
	log     *slog.Logger
	clk     clock.Clock
	// GiveUp is how long a notification is tried before it is a dead
	// letter (default 24 h); MaxBackoff the longest wait between tries
	// (default 1 minute); Pace the least time between two messages of
	// one destination, by channel (default: Slack one per second).
	GiveUp     time.Duration
	MaxBackoff time.Duration
	Pace       map[string]time.Duration
	// Timeout bounds one delivery attempt (default 60 s).
	Timeout time.Duration
	// DigestMin is how many mails for the same addresses must wait at
	// once for them to go as one digest (default 5; below 2: never).
	DigestMin int
	// OnResult (optional) is told of each attempt: for metrics.
	OnResult func(channel string, err error, dead bool)

	wake chan struct{}
	// reload asks Run to read the stored notifications again (Reload).
	reload atomic.Bool
	// stored orders what reads the store's notifications into memory
	// (load: held) after the commits that change both (held shared), so
	// that a load sees each such commit with its memory change or neither.
	stored sync.RWMutex
	// slots are the consumers whose notifications it delivers: the
	// notifier's, or the members' of a Group. partitioned: each is
	// delivered from its member's Load to its Unload; else Run loads the
	// only one.
	slots       []*slot
	partitioned bool
	mu          sync.Mutex
	lanes       map[string]*lane // shared by the slots: one pace per destination
}

// slot is the delivery of one consumer's stored notifications.
type slot struct {
	name string // the consumer's: ConsumerName or a member's
	part int    // the member's cluster partition; -1: not partitioned
	// The rest is guarded by Delivery.mu. loaded: its stored notifications
	// were read and are delivered here; until then, and once unloaded, the
	// memory holds nothing of it.
	loaded bool
	gen    int // counts loads and unloads: a reload read before one is dropped
	// loading: a load that activates it reads the store. What its decider
	// commits meanwhile waits in early, queued when the load ends: the
	// read may have begun before that commit (the decider's commits do
	// not take Delivery.stored).
	loading bool
	early   []*store.Intent
	known   map[string]bool // ids queued or in flight
	// forsaken: the fence refused a record of it; until it is unloaded,
	// nothing of it is queued (its partition is another node's).
	forsaken bool
	// sent are the ids of the notifications it delivered lately, oldest
	// first in sentOrder (at most sentMemory): the bus hands a decision
	// over (committed) after storing it, and a load reading the store in
	// between may have queued and delivered it already.
	sent      map[string]bool
	sentOrder []string
	threads   map[string]*Thread
	dead      int
	// stop ends when it is unloaded: its sends in flight then have
	// sendGrace to finish; flying counts its batches in flight.
	stop   context.Context
	cancel context.CancelFunc
	flying sync.WaitGroup
}

func newSlot(name string, part int) *slot {
	return &slot{name: name, part: part, known: map[string]bool{}, threads: map[string]*Thread{}, sent: map[string]bool{}}
}

// sentMemory bounds the ids a slot remembers as delivered: the window it
// covers (a decision stored, then handed over) is a moment.
const sentMemory = 4096

// delivered remembers that s delivered the notification id (d.mu held).
func (s *slot) delivered(id string) {
	if s.sent[id] {
		return
	}
	if len(s.sentOrder) >= sentMemory {
		delete(s.sent, s.sentOrder[0])
		s.sentOrder = s.sentOrder[1:]
	}
	s.sent[id] = true
	s.sentOrder = append(s.sentOrder, id)
}

// commit returns a commit of what s delivered here. A member's is fenced
// by its partition's lease, so that a node that lost the partition
// records nothing. Retry's commits are not: any node of the cluster
// retries.
func (s *slot) commit() *store.ConsumerCommit {
	return &store.ConsumerCommit{Consumer: s.name, State: map[string][]byte{}, Fenced: s.part >= 0, Partition: max(s.part, 0)}
}

// lane is one destination's queue, delivered in order.
type lane struct {
	key     string
	q       []*item
	busy    bool
	next    time.Time // not before: back-off or pace
	lastErr string
	since   time.Time // failing since (zero: not failing)
}

type item struct {
	s        *slot // whose it is
	n        *Notification
	created  time.Time
	attempts int
}

// newDelivery returns the delivery of the notifier's notifications
// (not partitioned).
func newDelivery(st store.Store, senders map[string]Sender, log *slog.Logger, clk clock.Clock) *Delivery {
	return newDeliveryOf(st, senders, log, clk, false, []*slot{newSlot(ConsumerName, -1)})
}

func newDeliveryOf(st store.Store, senders map[string]Sender, log *slog.Logger, clk clock.Clock, partitioned bool, slots []*slot) *Delivery {
	return &Delivery{st: st, senders: senders, log: log, clk: clk, GiveUp: 24 * time.Hour, MaxBackoff: time.Minute,
		Pace: map[string]time.Duration{Slack: time.Second}, Timeout: 60 * time.Second, DigestMin: defaultDigestMin,
		wake: make(chan struct{}, 1), lanes: map[string]*lane{}, slots: slots, partitioned: partitioned}
}

// committed queues the notifications a decider just stored for s.
func (d *Delivery) committed(s *slot, c *store.ConsumerCommit) {
	if len(c.Intents) == 0 {
		return
	}
	d.mu.Lock()
	switch {
	case s.loaded:
		for _, in := range c.Intents {
			d.queue(s, in)
		}
	case s.loading:
		s.early = append(s.early, c.Intents...)
	}
	d.mu.Unlock()
	d.poke()
}

func (d *Delivery) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// queue adds a stored notification of s to its lane (d.mu held).
func (d *Delivery) queue(s *slot, in *store.Intent) {
	if s.known[in.ID] || s.sent[in.ID] || s.forsaken {
		return
	}
	var n Notification
	if err := json.Unmarshal(in.Body, &n); err != nil {
		d.log.Error("notifications: a stored notification cannot be read; dropped", "id", in.ID, "err", err)
		return
	}
	s.known[in.ID] = true
	key := n.lane()
	l := d.lanes[key]
	if l == nil {
		l = &lane{key: key}
		d.lanes[key] = l
	}
	it := &item{s: s, n: &n, created: in.Created}
	if it.created.IsZero() {
		it.created = d.clk.Now()
	}
	// In decision order; a retried dead letter goes where it was.
	i, _ := slices.BinarySearchFunc(l.q, it, func(a, b *item) int { return cmp.Compare(a.n.Order, b.n.Order) })
	if l.busy && i == 0 {
		i = min(1, len(l.q)) // the head is being delivered
	}
	l.q = slices.Insert(l.q, i, it)
}

// sendGrace is how long a send in flight may go on once the server stops.
const sendGrace = 5 * time.Second

// graceAfter returns a context that ends grace after ctx or any of also
// does.
func graceAfter(ctx context.Context, grace time.Duration, also ...context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var stops []func() bool
	for _, p := range append([]context.Context{ctx}, also...) {
		stops = append(stops, context.AfterFunc(p, func() { time.AfterFunc(grace, cancel) }))
	}
	return c, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// recordTimeout bounds the recording of a delivery made, which outlives
// the server's stop.
const recordTimeout = 5 * time.Second

// Run delivers until ctx ends: the notifier's notifications, or those of
// the members loaded here (partitioned).
func (d *Delivery) Run(ctx context.Context) {
	d.reload.Store(false) // it loads now
	if !d.partitioned {
		s := d.slots[0]
		backoff := 100 * time.Millisecond
		for d.load(ctx, s, true) != nil {
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, 30*time.Second)
		}
		defer d.unload(s)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		if d.reload.Swap(false) && !d.reloadAll(ctx) {
			d.reload.Store(true) // at the next wake-up
		}
		now := d.clk.Now()
		wait := 5 * time.Second
		d.mu.Lock()
		for _, l := range d.lanes {
			if l.busy || len(l.q) == 0 {
				if !l.busy && len(l.q) == 0 && l.since.IsZero() {
					delete(d.lanes, l.key)
				}
				continue
			}
			if l.next.After(now) {
				wait = min(wait, l.next.Sub(now))
				continue
			}
			l.busy = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.deliverHead(ctx, l)
				d.poke()
			}()
		}
		d.mu.Unlock()
		t := d.clk.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-t.C():
		}
		t.Stop()
	}
}

// Reload makes Run read the stored notifications again soon, queueing
// those it does not know, and count the dead letters again: another
// server of a cluster retried some (Retry stored them there). It does not
// wait.
func (d *Delivery) Reload() {
	d.reload.Store(true)
	d.poke()
}

// reloadAll reads again the stored notifications of the slots loaded.
func (d *Delivery) reloadAll(ctx context.Context) bool {
	ok := true
	for _, s := range d.slots {
		d.mu.Lock()
		loaded := s.loaded
		d.mu.Unlock()
		if loaded && d.load(ctx, s, false) != nil {
			ok = false
		}
	}
	return ok
}

// Running says whether the notifications are delivered here: Run read
// them; partitioned, every member's (when false, a Retry may have stored
// some that another server of the cluster delivers).
func (d *Delivery) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.slots {
		if !s.loaded {
			return false
		}
	}
	return true
}

// unload stops delivering the notifications of s here and forgets what
// was kept of them in memory: another server (of a cluster) delivers them
// from then on, and this one reads the store afresh if it loads them
// again. Its sends in flight have sendGrace to finish; it returns once
// they ended and what they sent was recorded (or not, bounded by
// recordTimeout: then they are sent again).
func (d *Delivery) unload(s *slot) {
	d.mu.Lock()
	if !s.loaded {
		d.mu.Unlock()
		return
	}
	s.loaded = false
	s.gen++
	s.cancel()
	for key, l := range d.lanes {
		l.q = slices.DeleteFunc(l.q, func(it *item) bool { return it.s == s })
		if len(l.q) == 0 && !l.busy {
			delete(d.lanes, key)
		}
	}
	d.mu.Unlock()
	s.flying.Wait()
	d.mu.Lock()
	s.known, s.threads, s.dead, s.forsaken = map[string]bool{}, map[string]*Thread{}, 0, false
	s.sent, s.sentOrder = map[string]bool{}, nil
	d.mu.Unlock()
}

// forsake drops what s has queued and queues nothing more of it until it
// is unloaded: the fence refused its record, so its partition is another
// node's. Its sends in flight end by themselves.
func (d *Delivery) forsake(s *slot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s.forsaken = true
	for key, l := range d.lanes {
		l.q = slices.DeleteFunc(l.q, func(it *item) bool { return it.s == s })
		if len(l.q) == 0 && !l.busy {
			delete(d.lanes, key)
		}
	}
}

// load reads the stored notifications, threads and dead letters of s, and
// queues the notifications it does not know. activate: s is delivered
// from now on; else (a reload) what was read is dropped unless s stayed
// loaded meanwhile.
func (d *Delivery) load(ctx context.Context, s *slot, activate bool) error {
	d.stored.Lock()
	defer d.stored.Unlock()
	d.mu.Lock()
	gen := s.gen
	if activate && !s.loaded {
		s.loading = true
	}
	d.mu.Unlock()
	ins, err := d.st.Intents(ctx, s.name)
	threads := map[string]*Thread{}
	dead := 0
	if err == nil {
		err = d.st.ConsumerState(ctx, s.name, func(k string, v []byte) error {
			switch {
			case strings.HasPrefix(k, keyThread):
				var t Thread
				if json.Unmarshal(v, &t) == nil {
					threads[k[len(keyThread):]] = &t
				}
			case strings.HasPrefix(k, keyDead):
				dead++
			}
			return nil
		})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	early := s.early
	if activate {
		s.loading, s.early = false, nil // on failure, the next load reads them
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("notifications: cannot read the stored notifications; trying again", "consumer", s.name, "err", err)
		}
		return err
	}
	if s.gen != gen || (!activate && !s.loaded) {
		return nil // unloaded meanwhile
	}
	defer d.poke() // Run may be waiting (a member's Load)
	if !s.loaded {
		s.loaded = true
		s.gen++
		s.stop, s.cancel = context.WithCancel(context.Background())
	}
	s.threads, s.dead = threads, dead
	for _, in := range append(ins, early...) {
		d.queue(s, in) // once each: queue knows the ids
	}
	return nil
}

// deliverHead tries the first notification of a lane once, and then those
// after it while they succeed and the lane's pace allows.
func (d *Delivery) deliverHead(ctx context.Context, l *lane) {
	defer func() {
		d.mu.Lock()
		l.busy = false
		d.mu.Unlock()
	}()
	for ctx.Err() == nil {
		d.mu.Lock()
		if len(l.q) == 0 || l.next.After(d.clk.Now()) {
			d.mu.Unlock()
			return
		}
		batch := d.batch(l)
		n := batch[0].n
		if len(batch) > 1 {
			n = digest(batch)
		}
		// The slots of the batch, the head's first: each records its own.
		var slots []*slot
		var stops []context.Context
		for _, it := range batch {
			if !slices.Contains(slots, it.s) {
				slots = append(slots, it.s)
				stops = append(stops, it.s.stop)
				it.s.flying.Add(1)
			}
		}
		var th *Thread
		tkey := ""
		if n.Channel == Slack && n.Run != "" {
			tkey = l.key + "\x00" + n.Run
			th = &Thread{}
			if t := batch[0].s.threads[tkey]; t != nil {
				*th = *t
			}
		}
		d.mu.Unlock()
		if !d.attempt(ctx, l, batch, n, th, tkey, slots, stops) {
			return
		}
	}
}

// attempt sends a batch once and records the outcome; it reports whether
// the lane may go on.
func (d *Delivery) attempt(ctx context.Context, l *lane, batch []*item, n *Notification, th *Thread, tkey string, slots []*slot, stops []context.Context) bool {
	defer func() {
		for _, s := range slots {
			s.flying.Done()
		}
	}()
	hadRoot := th != nil && th.TS != ""
	// A send in flight when the server stops, or the member is unloaded,
	// may finish: cut off, it may have reached the receiver without this
	// side knowing, and would be sent again after the restart.
	sctx, scancel := graceAfter(ctx, sendGrace, stops...)
	err := d.send(sctx, n, th)
	scancel()
	for _, it := range batch {
		it.attempts++
	}
	head := batch[0]
	now := d.clk.Now()
	deadNow := false
	if err != nil && (channel.IsPermanent(err) || now.Sub(head.created) >= d.GiveUp) {
		deadNow = true
		d.log.Error("notifications: a notification cannot be delivered; it is in the failed list (baton notifications failed)",
			"channel", strings.ToLower(n.Channel), "to", strings.Join(n.Addresses, ","), "kind", n.Kind, "id", n.ID, "notifications", len(batch), "attempts", head.attempts, "err", err)
	}
	if d.OnResult != nil {
		for range batch {
			d.OnResult(n.Channel, err, deadNow)
		}
	}
	if err != nil && !deadNow {
		wait := channel.RetryAfterOf(err)
		if wait <= 0 {
			wait = min(d.MaxBackoff, time.Second<<min(head.attempts-1, 20))
		}
		d.mu.Lock()
		l.next, l.lastErr = now.Add(wait), err.Error()
		if l.since.IsZero() {
			l.since = now
		}
		d.mu.Unlock()
		if ctx.Err() == nil {
			d.log.Warn("notifications: a delivery failed; trying again", "channel", strings.ToLower(n.Channel),
				"to", strings.Join(n.Addresses, ","), "id", n.ID, "attempt", head.attempts, "in", wait, "err", err)
		}
		return false
	}
	recorded := true
	for _, s := range slots {
		var items []*item
		c := s.commit()
		for _, it := range batch {
			if it.s != s {
				continue
			}
			items = append(items, it)
			c.DoneIntents = append(c.DoneIntents, it.n.ID)
			if deadNow {
				b, _ := json.Marshal(&DeadLetter{Notification: it.n, Error: err.Error(), Attempts: it.attempts, Failed: now})
				c.State[keyDead+it.n.ID] = b
			}
		}
		ownThread := th != nil && s == head.s // Slack: never a batch
		if ownThread && !deadNow && runEnded(n.Kind) {
			c.State[keyThread+tkey] = nil
		} else if ownThread && !deadNow && th.TS != "" && !hadRoot {
			b, _ := json.Marshal(th)
			c.State[keyThread+tkey] = b
		}
		if !d.record(ctx, l, c, s, items, deadNow) {
			recorded = false
			continue
		}
		if ownThread {
			d.mu.Lock()
			if runEnded(n.Kind) {
				delete(s.threads, tkey)
			} else if th.TS != "" {
				s.threads[tkey] = th
			}
			d.mu.Unlock()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !recorded {
		l.next = now.Add(time.Second)
		return false
	}
	if !deadNow {
		l.lastErr, l.since = "", time.Time{}
	}
	l.next = now.Add(d.Pace[n.Channel])
	return true
}

// record stores the outcome c of the items of s just attempted, and then
// takes them from the lane.
func (d *Delivery) record(ctx context.Context, l *lane, c *store.ConsumerCommit, s *slot, items []*item, dead bool) bool {
	// Recorded even when the server is stopping: it was sent, and a
	// record lost here sends it again after the restart.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	d.stored.RLock()
	defer d.stored.RUnlock()
	if err := d.st.CommitConsumer(rctx, c); err != nil {
		var lost *store.PartitionsLostError
		if errors.As(err, &lost) {
			// Another node owns the member's partition now and sends what
			// is not recorded: this node stops sending for it at once
			// rather than each second until the member is disowned.
			d.log.Warn("notifications: the partition moved to another node, which sends its notifications now", "consumer", s.name, "id", items[0].n.ID)
			d.forsake(s)
			return true
		}
		// Sent but not recorded: it is sent again later (at least once).
		if ctx.Err() == nil {
			d.log.Warn("notifications: cannot record a delivery", "id", items[0].n.ID, "err", err)
		}
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// By identity: a retried dead letter may have been put in between.
	l.q = slices.DeleteFunc(l.q, func(it *item) bool { return slices.Contains(items, it) })
	for _, it := range items {
		delete(s.known, it.n.ID)
		if !dead {
			s.delivered(it.n.ID)
		}
	}
	if dead {
		s.dead += len(items)
	}
	return true
}

// E-mail digests: when at least DigestMin mails for the same addresses
// wait on one mail server (a burst of failures), up to digestMax of them go
// as one mail, so that a hundred failing runs are two mails, not a
// hundred. Other channels keep one message per notification (Slack
// threads, OpsGenie alerts and webhook ids are per run).
const (
	defaultDigestMin = 5
	digestMax        = 50
	// digestScan bounds how far into a lane the same addresses are looked
	// for, so that a long queue costs little to scan.
	digestScan = 500
)

// batch returns what to deliver next from l (d.mu held, l.q not empty):
// its head, or a digest's mails.
func (d *Delivery) batch(l *lane) []*item {
	head := l.q[0]
	if head.n.Channel != Email || head.n.Kind == KindTest || d.DigestMin < 2 {
		return []*item{head}
	}
	key := strings.Join(head.n.Addresses, ",")
	var out []*item
	for _, it := range l.q[:min(len(l.q), digestScan)] {
		if it.n.Kind == KindTest || strings.Join(it.n.Addresses, ",") != key {
			continue
		}
		out = append(out, it)
		if len(out) == digestMax {
			break
		}
	}
	if len(out) < d.DigestMin {
		return []*item{head}
	}
	return out
}

// digest is one mail telling the notifications of batch, in their order.
func digest(batch []*item) *Notification {
	head := batch[0].n
	counts := map[string]int{}
	workflows := map[string]bool{}
	var order []string
	for _, it := range batch {
		if counts[it.n.Kind] == 0 {
			order = append(order, it.n.Kind)
		}
		counts[it.n.Kind]++
		workflows[it.n.Workflow] = true
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], strings.ReplaceAll(k, "_", " ")))
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%d notifications of %d workflow(s), sent together because they came at once:\n\n", len(batch), len(workflows))
	for i, it := range batch {
		fmt.Fprintf(&text, "%d. %s\n%s\n\n", i+1, it.n.Title, strings.TrimRight(it.n.Text, "\n"))
	}
	last := batch[len(batch)-1].n
	return &Notification{
		// The same mails make the same Message-ID if sent again.
		ID: "digest-" + head.ID + "-" + last.ID, Order: head.Order, Channel: Email, Connection: head.Connection,
		Addresses: head.Addresses, Kind: KindDigest, Workflow: head.Workflow, Failure: slices.ContainsFunc(batch, func(it *item) bool { return it.n.Failure }),
		Title: fmt.Sprintf("%d notifications: %s", len(batch), strings.Join(parts, ", ")),
		Text:  text.String(), Time: last.Time,
	}
}

// runEnded says whether a kind is a run's last message.
func runEnded(kind string) bool {
	switch kind {
	case KindRunSucceeded, KindRunFailed, KindRunTimedOut, KindRunAborted, KindRecovered:
		return true
	}
	return false
}

func (d *Delivery) send(ctx context.Context, n *Notification, th *Thread) (err error) {
	s := d.senders[n.Channel]
	if s == nil {
		return &channel.Error{Channel: strings.ToLower(n.Channel), Code: "not_configured", Permanent: true,
			Msg: fmt.Sprintf("no %s connection is configured on the server; add one to its --config file (see docs/notifications.md)", strings.ToLower(n.Channel))}
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the %s sender failed: %v", strings.ToLower(n.Channel), r)
		}
	}()
	return s.Send(ctx, n, th)
}

// Failed returns the dead letters, oldest first (partitioned: of every
// member).
func (d *Delivery) Failed(ctx context.Context) ([]*DeadLetter, error) {
	var out []*DeadLetter
	for _, s := range d.slots {
		dls, err := d.failed(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, dls...)
	}
	slices.SortFunc(out, func(a, b *DeadLetter) int { return a.Failed.Compare(b.Failed) })
	return out, nil
}

// failed returns the dead letters of s.
func (d *Delivery) failed(ctx context.Context, s *slot) ([]*DeadLetter, error) {
	var out []*DeadLetter
	err := d.st.ConsumerState(ctx, s.name, func(k string, v []byte) error {
		if !strings.HasPrefix(k, keyDead) {
			return nil
		}
		var dl DeadLetter
		if json.Unmarshal(v, &dl) == nil && dl.Notification != nil {
			out = append(out, &dl)
		}
		return nil
	})
	return out, err
}

// ErrNoDeadLetter is returned by Retry for an id not in the failed list.
var ErrNoDeadLetter = errors.New("no failed notification has this id")

// Retry queues dead letters again (all when ids is empty) and returns how
// many. Partitioned, each goes back to the member that holds it.
func (d *Delivery) Retry(ctx context.Context, ids []string) (int, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	now := d.clk.Now()
	commits := make([]*store.ConsumerCommit, len(d.slots))
	for i, s := range d.slots {
		dls, err := d.failed(ctx, s)
		if err != nil {
			return 0, err
		}
		c := &store.ConsumerCommit{Consumer: s.name, State: map[string][]byte{}}
		for _, dl := range dls {
			if len(ids) > 0 && !want[dl.Notification.ID] {
				continue
			}
			delete(want, dl.Notification.ID)
			body, _ := json.Marshal(dl.Notification)
			c.State[keyDead+dl.Notification.ID] = nil
			c.Intents = append(c.Intents, &store.Intent{ID: dl.Notification.ID, Body: body, Created: now})
		}
		commits[i] = c
	}
	for id := range want {
		return 0, fmt.Errorf("%w: %s (list them with baton notifications failed)", ErrNoDeadLetter, id)
	}
	total := 0
	for i, c := range commits {
		if len(c.Intents) == 0 {
			continue
		}
		if err := d.requeue(ctx, d.slots[i], c); err != nil {
			return total, err
		}
		total += len(c.Intents)
	}
	d.poke()
	return total, nil
}

// requeue stores c, dead letters of s given back as notifications, and
// queues them where s is delivered.
func (d *Delivery) requeue(ctx context.Context, s *slot, c *store.ConsumerCommit) error {
	d.stored.RLock()
	defer d.stored.RUnlock()
	if err := d.st.CommitConsumer(ctx, c); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.loaded {
		s.dead -= len(c.Intents)
		for _, in := range c.Intents {
			delete(s.sent, in.ID) // a dead letter given back: not delivered, but to be sure
			d.queue(s, in)
		}
	}
	return nil
}

// Test sends a test message to a target now and returns the error of each
// address ("" when delivered).
func (d *Delivery) Test(ctx context.Context, t Target) map[string]string {
	data := &Data{Kind: KindTest}
	title, text := render(data, t.Template)
	out := map[string]string{}
	for _, addrs := range split(t) {
		n := &Notification{ID: "test-" + notificationID(d.clk.Now().String(), KindTest, 0, addrs), Channel: t.Channel,
			Connection: t.Connection, Addresses: addrs, Kind: KindTest, Title: title, Text: text, Time: d.clk.Now(),
			Event: map[string]any{"test": true}}
		var th *Thread
		if t.Channel == Slack {
			th = &Thread{}
		}
		err := d.send(ctx, n, th)
		out[strings.Join(addrs, ",")] = ""
		if err != nil {
			out[strings.Join(addrs, ",")] = err.Error()
		}
	}
	return out
}

// Status is the delivery's health, for readiness and metrics.
type Status struct {
	Queued  int           `json:"queued"`
	Failed  int           `json:"failed"` // dead letters
	Failing []LaneFailing `json:"failing,omitempty"`
	// Unreached are the nodes of a cluster that did not say which of
	// their destinations fail (with why): Failing lacks theirs.
	Unreached []string `json:"unreached,omitempty"`
}

// LaneFailing is a destination whose deliveries fail at the moment.
type LaneFailing struct {
	Destination string    `json:"destination"`
	Since       time.Time `json:"since"`
	Error       string    `json:"error"`
	Queued      int       `json:"queued"`
}

// Current returns the delivery's health: Status of the notifications
// delivered here, plus what the store holds of the others (what is
// queued, how many were given up; which destinations fail only the server
// delivering them knows).
func (d *Delivery) Current(ctx context.Context) (Status, error) {
	d.mu.Lock()
	s := d.status()
	var elsewhere []*slot
	for _, sl := range d.slots {
		if !sl.loaded {
			elsewhere = append(elsewhere, sl)
		}
	}
	d.mu.Unlock()
	for _, sl := range elsewhere {
		ins, err := d.st.Intents(ctx, sl.name)
		if err != nil {
			return Status{}, err
		}
		s.Queued += len(ins)
		err = d.st.ConsumerState(ctx, sl.name, func(k string, _ []byte) error {
			if strings.HasPrefix(k, keyDead) {
				s.Failed++
			}
			return nil
		})
		if err != nil {
			return Status{}, err
		}
	}
	return s, nil
}

// Status returns the delivery's health as known of the notifications
// delivered here (nothing where Run does not run, or no member is loaded).
func (d *Delivery) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status()
}

func (d *Delivery) status() Status {
	var s Status
	for _, sl := range d.slots {
		s.Failed += sl.dead
	}
	for _, l := range d.lanes {
		s.Queued += len(l.q)
		if !l.since.IsZero() {
			s.Failing = append(s.Failing, LaneFailing{Destination: strings.ReplaceAll(strings.ToLower(l.key), "|", " "), Since: l.since, Error: l.lastErr, Queued: len(l.q)})
		}
	}
	slices.SortFunc(s.Failing, func(a, b LaneFailing) int { return strings.Compare(a.Destination, b.Destination) })
	return s
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
