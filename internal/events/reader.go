package events

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
)

// The shared reader's bounds: the latest events it keeps, and how long
// finding nothing past them stands for the head of the outbox when no
// wake-up came since.
const (
	cacheEvents = 4096
	cacheBytes  = 16 << 20
	headFresh   = time.Second
)

// reader reads the outbox for every runner of a bus: the consumers of one
// node (and, on a cluster, the 64 members of each group) mostly sit at the
// same place, its head, and would each read the same events. It keeps the
// latest events read, evs, which hold every event with lo < Seq <= hi, and
// reads the store once for all who wait for the same read (single flight).
//
// A range is known complete because Seq is commit order over the whole
// outbox (see outbox_head in the stores): a read after Seq a that returns
// events up to Seq z returned every event with a < Seq <= z that will ever
// be stored. A read that finds nothing past hi says nothing lasting (more
// may be committed at once): it stands for the head only until the next
// wake-up (changed, which Notify and Wake call once events were stored) and
// at most headFresh, so that a runner's rescan still reads the store.
type reader struct {
	st    store.Store
	clk   clock.Clock
	batch int
	// maxEvents and maxBytes bound the cache (cacheEvents, cacheBytes).
	maxEvents, maxBytes int

	mu     sync.Mutex
	valid  bool
	lo, hi int64
	evs    []*store.OutboxEvent
	bytes  int
	// epoch counts the wake-ups; head says that a read that began at epoch
	// headEpoch, at headAt, found nothing past hi.
	epoch     uint64
	head      bool
	headEpoch uint64
	headAt    time.Time
	flights   map[int64]*flight // by the Seq read after
}

// flight is one read of the store that several runners may wait for.
type flight struct {
	done chan struct{}
	evs  []*store.OutboxEvent
	err  error
	// epoch is the reader's when the read began; waiters counts the
	// runners that joined it.
	epoch   uint64
	waiters int
	// abandoned: the read failed because the runner that made it stopped;
	// another one waiting reads again.
	abandoned bool
}

func newReader(st store.Store, clk clock.Clock, batch int) *reader {
	return &reader{st: st, clk: clk, batch: batch, maxEvents: cacheEvents, maxBytes: cacheBytes, flights: map[int64]*flight{}}
}

// changed says that events may have been stored past what was read.
func (x *reader) changed() {
	x.mu.Lock()
	x.epoch++
	x.mu.Unlock()
}

// fresh reports whether hi stands for the head of the outbox.
func (x *reader) fresh() bool {
	return x.head && x.headEpoch == x.epoch && x.clk.Now().Sub(x.headAt) < headFresh
}

// read returns the events after Seq after, in Seq order: at most batch, and
// fewer only when these are all there were when read (or stand for them,
// see fresh) — as ReadOutbox(ctx, -1, after, batch) does.
func (x *reader) read(ctx context.Context, after int64) ([]*store.OutboxEvent, error) {
	waited := false
	// A read of the store that began before the wake-up that made this
	// one (changed) may have missed the events it announced: it serves
	// only a full batch, which says nothing of the head.
	x.mu.Lock()
	need := x.epoch
	x.mu.Unlock()
	for {
		x.mu.Lock()
		from := after
		if x.valid && after >= x.lo && after <= x.hi {
			i := sort.Search(len(x.evs), func(i int) bool { return x.evs[i].Seq > after })
			n := min(len(x.evs)-i, x.batch)
			if n == x.batch || waited || x.fresh() {
				out := slices.Clone(x.evs[i : i+n])
				x.mu.Unlock()
				return out, nil
			}
			// The cache ends short: read on from its end, then serve.
			from = x.hi
		}
		f, err := x.fly(ctx, from) // unlocks
		if err != nil {
			return nil, err
		}
		if f.err != nil {
			if f.abandoned && ctx.Err() == nil {
				continue
			}
			return nil, f.err
		}
		if f.epoch < need && len(f.evs) < x.batch {
			continue // read again, or serve what a later read found
		}
		if from == after {
			return slices.Clone(f.evs), nil
		}
		waited = true
	}
}

// fly reads the batch after Seq from, or waits for the read of it under
// way; x.mu is held on entry and released.
func (x *reader) fly(ctx context.Context, from int64) (*flight, error) {
	if f := x.flights[from]; f != nil {
		f.waiters++
		x.mu.Unlock()
		select {
		case <-f.done:
			return f, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{}), epoch: x.epoch}
	x.flights[from] = f
	epoch, at := x.epoch, x.clk.Now()
	x.mu.Unlock()
	evs, err := x.st.ReadOutbox(ctx, -1, from, x.batch)
	x.mu.Lock()
	delete(x.flights, from)
	f.evs, f.err = evs, err
	if err != nil {
		f.abandoned = ctx.Err() != nil
	} else {
		x.keep(from, evs, epoch, at)
	}
	close(f.done)
	x.mu.Unlock()
	return f, nil
}

// keep adds what a read after Seq from found, begun at epoch and at, to
// the cache.
func (x *reader) keep(from int64, evs []*store.OutboxEvent, epoch uint64, at time.Time) {
	end := from
	if len(evs) > 0 {
		end = evs[len(evs)-1].Seq
	}
	atHead := len(evs) < x.batch
	switch {
	case !x.valid || from > x.hi:
		// Past the cache (or none yet): the read's range replaces it.
		x.valid, x.lo, x.hi = true, from, end
		x.evs = slices.Clone(evs)
		x.head = false
	case end < x.lo:
		// Before the cache, apart from it (a runner catching up): the
		// cache stays.
		return
	default:
		// The two ranges meet: their union is complete.
		if from < x.lo {
			merged := slices.Clone(evs)
			for _, ev := range x.evs {
				if ev.Seq > end {
					merged = append(merged, ev)
				}
			}
			x.evs, x.lo = merged, from
		} else {
			for _, ev := range evs {
				if ev.Seq > x.hi {
					x.evs = append(x.evs, ev)
				}
			}
		}
		if end > x.hi {
			x.hi = end
			x.head = false
		}
	}
	x.bytes = 0
	for _, ev := range x.evs {
		x.bytes += eventSize(ev)
	}
	if atHead && end == x.hi && (!x.head || epoch >= x.headEpoch) {
		x.head, x.headEpoch, x.headAt = true, epoch, at
	}
	// The oldest go first.
	drop := 0
	for drop < len(x.evs) && (len(x.evs)-drop > x.maxEvents || x.bytes > x.maxBytes) {
		x.bytes -= eventSize(x.evs[drop])
		x.lo = x.evs[drop].Seq
		drop++
	}
	if drop > 0 {
		x.evs = slices.Clone(x.evs[drop:])
	}
}

// eventSize is about what an event of the cache holds in memory.
func eventSize(ev *store.OutboxEvent) int {
	return len(ev.Body) + len(ev.Account) + len(ev.Bus) + 96
}
