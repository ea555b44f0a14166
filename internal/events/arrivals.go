package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// ArrivalsConsumer is the name of the consumer that starts pipelines when
// data arrives (trigger.data).
const ArrivalsConsumer = "arrivals"

// Defaults of the arrivals consumer.
const (
	// DefaultDirRescan is how often a watched directory is listed with no
	// file-system notification: the notifications only wake it early.
	DefaultDirRescan = 10 * time.Second
	// DefaultS3Rescan is how often a watched bucket is listed with no
	// bucket notification.
	DefaultS3Rescan = 30 * time.Second
	// DefaultSettle is how long a local file must not have been written
	// before it counts: a file copied in place (cp) is seen while it is
	// written, and would count once half-written and again complete.
	DefaultSettle = 50 * time.Millisecond
	// DefaultLookback is how far behind the newest object seen an object
	// may still turn up and count (a listing that raced a write, an S3
	// multipart upload whose LastModified is when it started). The keys
	// seen within it are remembered; older ones are not, so the state does
	// not grow with the bucket.
	DefaultLookback = 15 * time.Minute
	// DefaultBatchWindow is the window of a batch of more than one object
	// that gives none: Glue's default, so that a batch that never fills
	// still runs.
	DefaultBatchWindow = 15 * time.Minute
	// s3ListTimeout bounds one listing of a bucket.
	s3ListTimeout = 2 * time.Minute
	// s3WakeGap is the least time between two listings of a bucket that
	// bucket notifications cause: a flood of posts cannot make Baton list
	// without pause.
	s3WakeGap = 250 * time.Millisecond
	// inputMargin is room left under the payload limit for the rest of a
	// run's input.
	inputMargin = 1024
)

// ObjectCreated is the detail-type of an arrival on the bus (S3's).
const ObjectCreated = "Object Created"

// Object is an object at a watched location, as the wait_for step lists
// it.
type Object struct {
	URL, ETag string
	Size      int64
	Modified  time.Time
	// Changed orders arrivals: for a local file its inode change time
	// (moved or copied in with an old modification time, it still arrived
	// now); for S3 its LastModified.
	Changed time.Time
}

// ListFunc lists the objects at a file:// or s3:// path (pattern in the
// last segment) through the named s3 connection.
type ListFunc func(ctx context.Context, path, connection string) ([]Object, error)

// ArrivalOptions configure the arrivals consumer.
type ArrivalOptions struct {
	Store   store.Store
	Starter Starter
	List    ListFunc
	// Bus is woken when a watched directory changes or a bucket
	// notification comes.
	Bus            *Bus
	Region         string
	DefaultAccount string
	Log            *slog.Logger
	// DirRescan, S3Rescan, Settle and Lookback: zero takes the defaults
	// above (Settle < 0: none).
	DirRescan, S3Rescan, Settle, Lookback time.Duration
	// MaxInputBytes bounds a run's input: a batch is cut so that its list
	// of objects fits (default 262144, the server's payload limit).
	MaxInputBytes int
	// NoNotify turns file-system notifications off (rescans alone).
	NoNotify bool
	// Partitioned makes the consumer the member of a group (see
	// ArrivalsGroup) for cluster partition Partition: it watches only the
	// locations of the workflows w with partition.Of(w.Arn) == Partition,
	// under the consumer name MemberName(ArrivalsConsumer, Partition).
	Partitioned bool
	Partition   int
	// Catalog (optional) is the reader of the deployed pipelines, shared
	// with other consumers (the other members); nil: its own.
	Catalog *Catalog
}

// Arrivals watches the locations of pipelines' data triggers and starts
// them when objects arrive. A rescan of each location is the source of
// truth; file-system and bucket notifications only make it come sooner.
type Arrivals struct {
	opt ArrivalOptions
	cat catalog

	stale     atomic.Bool
	workflows []*Workflow
	// state is each watch's stored state, by its key; live is its memory
	// only (when it is next listed, its last error).
	state    map[string]*watchState
	live     map[string]*watchLive
	notifier *dirNotifier // started at the first tick with a directory
	// syncBuckets lists buckets in the tick, as directories (tests on a
	// fake clock).
	syncBuckets bool

	mu sync.Mutex
	// dirtyDirs and dirtyBuckets are the locations that notifications
	// said changed, to list at the next tick.
	dirtyDirs, dirtyBuckets map[string]bool
	patterns                map[string][]string // watched directory -> its watches' patterns
	// buckets are the buckets of the watches as of the last tick; nil
	// before it. A notification of another bucket wakes nothing (64
	// members of a cluster node hear every bucket's notifications).
	buckets map[string]bool
	// explained is what each workflow's watches are at, by its ARN, as
	// of the last tick: what Explain reads where running (the bus runs the
	// consumer here: load read its state).
	explained map[string][]DataExplanation
	running   bool
}

// NewArrivals returns the arrivals consumer; register Consumer() on a bus.
func NewArrivals(o ArrivalOptions) *Arrivals {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.DirRescan <= 0 {
		o.DirRescan = DefaultDirRescan
	}
	if o.S3Rescan <= 0 {
		o.S3Rescan = DefaultS3Rescan
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.Lookback <= 0 {
		o.Lookback = DefaultLookback
	}
	if o.MaxInputBytes <= 0 {
		o.MaxInputBytes = 262144
	}
	a := &Arrivals{opt: o, cat: catalog{st: o.Store, region: o.Region, defaultAccount: o.DefaultAccount},
		live: map[string]*watchLive{}, dirtyDirs: map[string]bool{}, dirtyBuckets: map[string]bool{}}
	return a
}

// Consumer returns the bus consumer of the arrivals.
func (a *Arrivals) Consumer() Consumer {
	return Consumer{Name: a.name(), Load: a.load, Tick: a.tick, Act: a.act, Unload: a.unload}
}

// name is the consumer's name: ArrivalsConsumer, or its member's.
func (a *Arrivals) name() string {
	if a.opt.Partitioned {
		return MemberName(ArrivalsConsumer, a.opt.Partition)
	}
	return ArrivalsConsumer
}

// readCatalog reads the pipelines with triggers (of its partition only
// when partitioned).
func (a *Arrivals) readCatalog(ctx context.Context) ([]*Workflow, error) {
	part := -1
	if a.opt.Partitioned {
		part = a.opt.Partition
	}
	if a.opt.Catalog != nil {
		wfs, _, _, err := a.opt.Catalog.load(ctx, false, part)
		return wfs, err
	}
	wfs, _, err := a.cat.load(ctx)
	if err == nil && part >= 0 {
		wfs = ofPartition(wfs, part)
	}
	return wfs, err
}

// SetStarter sets what starts the runs; call it before the bus runs.
func (a *Arrivals) SetStarter(s Starter) { a.opt.Starter = s }

// Changed tells the arrivals that workflows changed: the catalog is read
// again at the next tick (wake the consumer too).
func (a *Arrivals) Changed() { a.stale.Store(true) }

// NotifyBucket says that objects changed in a bucket (a bucket
// notification): its watches are listed at once. Nothing of the
// notification is believed beyond that: the listing says what arrived.
func (a *Arrivals) NotifyBucket(bucket string) {
	a.mu.Lock()
	if len(a.dirtyBuckets) < 10_000 {
		a.dirtyBuckets[bucket] = true
	}
	// A bucket no watch lists wakes nothing. Its mark stays for the next
	// tick: a tick reading a workflow that watches it may have begun.
	idle := a.buckets != nil && !a.buckets[bucket] && !a.stale.Load()
	a.mu.Unlock()
	if !idle {
		a.wake()
	}
}

// notifyDir says that a watched directory changed.
func (a *Arrivals) notifyDir(dir string) {
	a.mu.Lock()
	a.dirtyDirs[dir] = true
	a.mu.Unlock()
	a.wake()
}

func (a *Arrivals) wake() {
	if a.opt.Bus != nil {
		a.opt.Bus.Wake(a.name())
	}
}

// watch is one data trigger of a deployed pipeline.
type watch struct {
	w       *Workflow
	d       pipeline.DataTrigger
	key     string // its state's key
	dir     string // local: the directory listed
	bucket  string // s3: the bucket listed
	window  time.Duration
	rescan  time.Duration
	pattern string
}

func (x *watch) local() bool { return x.bucket == "" }

// watchState is what a watch stores: the objects seen (by URL: their
// ETag; a directory's while they are there, a bucket's within the lookback
// before the high-water mark of their times), and the arrivals waiting for
// their batch.
type watchState struct {
	Mark    time.Time           `json:"mark"`
	Seen    map[string]seenMark `json:"seen,omitempty"`
	Pending []arrival           `json:"pending,omitempty"`
}

type seenMark struct {
	ETag    string    `json:"etag"`
	Changed time.Time `json:"changed,omitzero"` // S3 only
}

// arrival is a new object in a pending batch; At is when it was seen (the
// bus's clock: the batch window counts from the first).
type arrival struct {
	URL      string    `json:"url"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"`
	Modified time.Time `json:"modified"`
	At       time.Time `json:"at"`
}

// watchLive is what a watch keeps in memory only.
type watchLive struct {
	next    time.Time // when it is next listed
	listed  time.Time // when it was last listed
	hot     time.Time // when a file being written settles: it is listed again then
	lastErr string
	// A bucket is listed in the background, so that a slow or hung
	// endpoint holds up neither the directories nor the batch windows:
	// listing is true while it runs, and done holds its result until the
	// next tick records it. Both under Arrivals.mu.
	listing bool
	done    *listing
}

// listing is the result of a background listing.
type listing struct {
	objs []Object
	err  error
}

const dataKeyPrefix = "d/"

// load reads the catalog and the stored state of the watches.
func (a *Arrivals) load(ctx context.Context) error {
	wfs, err := a.readCatalog(ctx)
	if err != nil {
		return err
	}
	state := map[string]*watchState{}
	err = a.opt.Store.ConsumerState(ctx, a.name(), func(key string, v []byte) error {
		if !strings.HasPrefix(key, dataKeyPrefix) {
			return nil
		}
		var st watchState
		if err := json.Unmarshal(v, &st); err != nil {
			a.opt.Log.Error("arrivals: a stored watch state is damaged; the watch lists again from its deployment (runs of the same objects are named the same, so they do not start twice)", "key", key, "err", err)
			return nil
		}
		state[key] = &st
		return nil
	})
	if err != nil {
		return err
	}
	a.stale.Store(false)
	a.workflows, a.state = wfs, state
	a.mu.Lock()
	a.running = true
	a.mu.Unlock()
	return nil
}

// unload notes that the bus no longer runs the consumer here.
func (a *Arrivals) unload() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.running, a.explained = false, nil
	// Run again (a member of a cluster owned again), it lists every watch
	// at once, and watches directories anew: the notifier stopped with
	// the context of the run that started it.
	a.live, a.notifier = map[string]*watchLive{}, nil
}

// refresh reads the catalog again when it changed.
func (a *Arrivals) refresh(ctx context.Context) error {
	if !a.stale.Swap(false) {
		return nil
	}
	wfs, err := a.readCatalog(ctx)
	if err != nil {
		a.stale.Store(true)
		return err
	}
	a.workflows = wfs
	return nil
}

// watches returns the data triggers of the deployed pipelines; two of one
// pipeline on the same location are one.
func (a *Arrivals) watches() []*watch {
	return a.watchesOf(a.workflows)
}

// watchesOf returns the data triggers of the pipelines wfs.
func (a *Arrivals) watchesOf(wfs []*Workflow) []*watch {
	var out []*watch
	seen := map[string]bool{}
	for _, w := range wfs {
		for _, d := range w.Trigger.Data {
			h := sha256.Sum256([]byte(d.Path + "\x00" + d.Connection))
			x := &watch{w: w, d: d, key: dataKeyPrefix + w.Arn + "/" + hex.EncodeToString(h[:8]), window: d.BatchWindow}
			if seen[x.key] {
				continue
			}
			seen[x.key] = true
			scheme, rest, _ := strings.Cut(d.Path, "://")
			switch scheme {
			case "file":
				x.dir, x.pattern = path.Split(rest)
				x.dir = path.Clean(x.dir)
				x.rescan = a.opt.DirRescan
			case "s3":
				x.bucket, _, _ = strings.Cut(rest, "/")
				x.rescan = a.opt.S3Rescan
			default:
				continue
			}
			if x.window <= 0 && d.BatchSize > 1 {
				x.window = DefaultBatchWindow
			}
			out = append(out, x)
		}
	}
	return out
}

// tick lists the watches that are due (or were notified), records what
// arrived, and starts the batches that are complete.
func (a *Arrivals) tick(ctx context.Context, now time.Time, c *store.ConsumerCommit) (time.Time, error) {
	if err := a.refresh(ctx); err != nil {
		return time.Time{}, err
	}
	xs := a.watches()
	a.mu.Lock()
	a.buckets = map[string]bool{}
	for _, x := range xs {
		if x.bucket != "" {
			a.buckets[x.bucket] = true
		}
	}
	dirs, buckets := a.dirtyDirs, a.dirtyBuckets
	a.dirtyDirs, a.dirtyBuckets = map[string]bool{}, map[string]bool{}
	a.mu.Unlock()
	a.watchDirs(ctx, xs)

	var next time.Time
	soonest := func(at time.Time) {
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	emitted := map[string]bool{} // one event per object and namespace in a tick
	live := map[string]bool{}
	for _, x := range xs {
		live[x.key] = true
		lv := a.live[x.key]
		if lv == nil {
			lv = &watchLive{}
			a.live[x.key] = lv
		}
		woken := (x.local() && dirs[x.dir]) || (!x.local() && buckets[x.bucket] && now.Sub(lv.listed) >= s3WakeGap)
		if !x.local() && buckets[x.bucket] && !woken {
			// Listed a moment ago: again after the gap.
			a.mu.Lock()
			a.dirtyBuckets[x.bucket] = true
			a.mu.Unlock()
			soonest(lv.listed.Add(s3WakeGap))
		}
		st := a.state[x.key]
		changed := false
		a.mu.Lock()
		res, busy := lv.done, lv.listing
		lv.done = nil
		a.mu.Unlock()
		if res != nil {
			st, changed = a.record(x, lv, st, res, now, c, emitted)
		}
		settled := !lv.hot.IsZero() && !now.Before(lv.hot)
		// A watch never listed is listed at once; one whose listing failed,
		// at the rescan.
		switch due := lv.listed.IsZero() || woken || settled || !now.Before(lv.next); {
		case !due:
		case busy:
			if woken { // again once this listing is recorded (it wakes the consumer)
				a.mu.Lock()
				a.dirtyBuckets[x.bucket] = true
				a.mu.Unlock()
			}
		case x.local() || a.syncBuckets:
			objs, err := a.opt.List(ctx, x.d.Path, x.d.Connection)
			if err != nil && ctx.Err() != nil {
				return time.Time{}, ctx.Err()
			}
			lv.listed, lv.next = now, now.Add(x.rescan)
			var c2 bool
			st, c2 = a.record(x, lv, st, &listing{objs: objs, err: err}, now, c, emitted)
			changed = changed || c2
		default:
			lv.listed, lv.next = now, now.Add(x.rescan)
			a.listInBackground(ctx, x, lv)
		}
		soonest(lv.next)
		soonest(lv.hot)
		if st == nil {
			continue
		}
		if a.fire(x, st, now, c) {
			changed = true
		}
		if len(st.Pending) > 0 && x.window > 0 {
			soonest(st.Pending[0].At.Add(x.window))
		}
		if changed {
			a.save(x.key, st, c)
		}
	}
	a.publish(xs)
	// Forget the watches that are gone (undeployed, changed path): a
	// watch deployed again starts afresh.
	for key := range a.state {
		if !live[key] {
			delete(a.state, key)
			if c.State == nil {
				c.State = map[string][]byte{}
			}
			c.State[key] = nil
		}
	}
	for key := range a.live {
		if !live[key] {
			delete(a.live, key)
		}
	}
	return next, nil
}

// listInBackground lists a bucket in a goroutine and wakes the consumer
// with its result; a listing that takes longer than s3ListTimeout fails.
func (a *Arrivals) listInBackground(ctx context.Context, x *watch, lv *watchLive) {
	a.mu.Lock()
	lv.listing = true
	a.mu.Unlock()
	go func() {
		lctx, cancel := context.WithTimeout(ctx, s3ListTimeout)
		defer cancel()
		objs, err := a.opt.List(lctx, x.d.Path, x.d.Connection)
		if err != nil && lctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			err = fmt.Errorf("the listing took more than %s: is the endpoint reachable? (%w)", s3ListTimeout, err)
		}
		a.mu.Lock()
		lv.listing, lv.done = false, &listing{objs: objs, err: err}
		a.mu.Unlock()
		a.wake()
	}()
}

// record records a listing of a watch: the new objects join its batch and
// are events on the bus. A location that cannot be listed is logged (once
// per error) and tried at the next rescan; st is then as it was (nil for
// a watch never listed).
func (a *Arrivals) record(x *watch, lv *watchLive, st *watchState, res *listing, now time.Time,
	c *store.ConsumerCommit, emitted map[string]bool) (_ *watchState, changed bool) {
	if res.err != nil {
		if msg := res.err.Error(); msg != lv.lastErr {
			lv.lastErr = msg
			a.opt.Log.Warn("arrivals: a watched location cannot be listed; trying again at the next rescan",
				"workflow", x.w.Arn, "path", x.d.Path, "err", res.err)
		}
		return st, false
	}
	lv.lastErr = ""
	if st == nil {
		st = a.baseline(x, res.objs)
		a.state[x.key] = st
		changed = true
	}
	found, hot := a.arrived(x, st, res.objs, now)
	lv.hot = hot
	changed = a.prune(x, st, res.objs) || changed
	for _, o := range found {
		st.Pending = append(st.Pending, o)
		if k := x.w.Account + "\x00" + o.URL + "\x00" + o.ETag; !emitted[k] {
			emitted[k] = true
			c.Events = append(c.Events, a.event(x, o))
		}
		changed = true
	}
	return st, changed
}

// save records a watch's state in the commit.
func (a *Arrivals) save(key string, st *watchState, c *store.ConsumerCommit) {
	b, _ := json.Marshal(st)
	if c.State == nil {
		c.State = map[string][]byte{}
	}
	c.State[key] = b
}

// act starts the run of a batch.
func (a *Arrivals) act(ctx context.Context, in *store.Intent) error {
	var r RunRequest
	if err := json.Unmarshal(in.Body, &r); err != nil {
		return Permanent(fmt.Errorf("a stored start is damaged: %w", err))
	}
	return a.opt.Starter.Start(ctx, r)
}
