package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// landing is a store with one pipeline watching a real directory through
// trigger.data, and a bus on a fake clock running the arrivals consumer
// with the wait_for step's listing.
type landing struct {
	*world
	in   string // the watched directory
	opts events.ArrivalOptions
	arr  *events.Arrivals
	// asyncBuckets lists buckets in the background, as the server does;
	// otherwise in the tick, so that idle() waits for the listing too.
	asyncBuckets bool
	// triggers runs the triggers consumer too (event triggers).
	triggers bool
}

// newLanding deploys a pipeline whose data trigger is data (YAML, under
// "  data:\n"; %s is the watched directory) at the fake clock's start.
func newLanding(t *testing.T, data string, opts events.ArrivalOptions) *landing {
	return newLandingWith(t, data, opts, false)
}

// newLandingWith is newLanding, listing buckets in the background when
// asyncBuckets.
func newLandingWith(t *testing.T, data string, opts events.ArrivalOptions, asyncBuckets bool) *landing {
	// The fake clock starts behind the real one: the files' times are
	// real, and "written a moment ago" is what a settle test needs.
	l := &landing{world: &world{t: t, dir: t.TempDir(), rec: &recorder{}, clk: clock.NewFake(time.Now().Add(-time.Hour))}, in: t.TempDir(), opts: opts, asyncBuckets: asyncBuckets}
	st := l.open()
	sm := &store.StateMachine{Arn: smArn(account, "psd"), Name: "psd", Language: "pipeline", Type: store.TypeStandard, RevisionID: "r1",
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Definition: "name: psd\ntrigger:\n  data:\n" + strings.ReplaceAll(data, "%s", l.in) + "steps:\n  - {name: a, command: [echo, ok]}\n"}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	l.start()
	return l
}

// lister is the wait_for step's listing, as the server passes it.
func lister() events.ListFunc {
	r, err := tasks.NewResolver(tasks.Options{})
	if err != nil {
		panic(err)
	}
	return func(ctx context.Context, path, conn string) ([]events.Object, error) {
		objs, err := r.ListObjects(ctx, path, conn)
		out := make([]events.Object, len(objs))
		for i, o := range objs {
			out[i] = events.Object{URL: o.URL, ETag: o.ETag, Size: o.Size, Modified: o.Modified, Changed: o.Changed}
		}
		return out, err
	}
}

// start runs a bus with the arrivals consumer.
func (l *landing) start() {
	bus := events.New(l.st, events.Options{Clock: l.clk})
	l.bus = bus
	o := l.opts
	o.Store, o.Starter, o.Bus, o.Region, o.DefaultAccount = l.st, l.rec, bus, region, account
	if o.List == nil {
		o.List = lister()
	}
	l.arr = events.NewArrivals(o)
	if !l.asyncBuckets {
		events.SyncBuckets(l.arr)
	}
	bus.Register(l.arr.Consumer())
	if l.triggers {
		bus.Register(events.NewTriggers(events.TriggerOptions{Store: l.st, Starter: l.rec, Region: region, DefaultAccount: account}).Consumer())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(ctx) }()
	l.stop = func() { cancel(); <-done }
	l.t.Cleanup(func() { l.stop(); l.st.Close() })
}

// restart stops the bus, reopens the store and starts afresh.
func (l *landing) restart() {
	l.stop()
	l.st.Close()
	l.open()
	l.start()
}

// drop lands a file as a landing zone should: written under a hidden
// name, then renamed.
func (l *landing) drop(name, content string) {
	l.t.Helper()
	tmp := filepath.Join(l.in, ".tmp-"+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(l.in, name)); err != nil {
		l.t.Fatal(err)
	}
}

// idle waits until the consumer waits on the fake clock with no intent
// left.
func (l *landing) idle() {
	l.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ins, err := l.st.Intents(context.Background(), events.ArrivalsConsumer)
		if err != nil {
			l.t.Fatal(err)
		}
		if len(ins) == 0 && l.clk.Waiters() > 0 {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("the bus did not settle: %d intents", len(ins))
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
}

// rescan lets the fake clock pass a directory rescan (without
// notifications, the only way the consumer lists) and returns the runs.
func (l *landing) rescan() []events.RunRequest {
	l.idle()
	l.clk.Advance(events.DefaultDirRescan + time.Second)
	l.idle()
	return l.rec.started()
}

// objectsOf returns the URLs of a run's input objects.
func objectsOf(t *testing.T, r events.RunRequest) []string {
	var in struct {
		Objects []struct {
			URL      string `json:"url"`
			Size     int64  `json:"size"`
			ETag     string `json:"etag"`
			Modified string `json:"modified"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(r.Input), &in); err != nil {
		t.Fatalf("input %s: %v", r.Input, err)
	}
	var out []string
	for _, o := range in.Objects {
		if o.ETag == "" || o.Modified == "" {
			t.Errorf("object without etag or modified: %s", r.Input)
		}
		out = append(out, o.URL)
	}
	return out
}

var noNotify = events.ArrivalOptions{NoNotify: true, Settle: -1}

func TestArrivalFileStartsOneRun(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", noNotify)
	l.rescan()
	l.drop("sales.csv", "a,b\n1,2\n")
	l.drop("notes.txt", "not matched")
	got := l.rescan()
	if len(got) != 1 {
		t.Fatalf("want one run, got %d: %+v", len(got), got)
	}
	want := "file://" + l.in + "/sales.csv"
	if objs := objectsOf(t, got[0]); len(objs) != 1 || objs[0] != want {
		t.Fatalf("input lists %v, want [%s]", objs, want)
	}
	if trig, _ := json.Marshal(got[0].Trigger); !strings.Contains(string(trig), `"type":"data"`) {
		t.Errorf("$run.trigger: %s", trig)
	}
	if !strings.HasPrefix(got[0].Name, "data-") || got[0].StateMachineArn != smArn(account, "psd") {
		t.Errorf("run %s of %s", got[0].Name, got[0].StateMachineArn)
	}
	// Listed again and again, it counts once.
	for range 3 {
		if got := l.rescan(); len(got) != 1 {
			t.Fatalf("a file seen again started another run: %d", len(got))
		}
	}
	// The arrival is an event on the bus in S3's form.
	evs := outboxEvents(t, l.st)
	if len(evs) != 1 {
		t.Fatalf("want one Object Created event, got %d", len(evs))
	}
	var ev struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Account    string `json:"account"`
		Detail     struct {
			Bucket struct{ Name string } `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				ETag string `json:"etag"`
			} `json:"object"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(evs[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.s3" || ev.DetailType != "Object Created" || ev.Account != account || ev.Detail.Bucket.Name != l.in ||
		ev.Detail.Object.Key != "sales.csv" || ev.Detail.Object.Size != 8 || ev.Detail.Object.ETag == "" {
		t.Fatalf("event %s", evs[0])
	}
}

// outboxEvents returns the bodies of the arrivals on the bus.
func outboxEvents(t *testing.T, st store.Store) [][]byte {
	t.Helper()
	var out [][]byte
	for p := 0; p < store.OutboxPartitions; p++ {
		evs, err := st.ReadOutbox(context.Background(), p, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Body), `"detail-type":"Object Created"`) {
				out = append(out, ev.Body)
			}
		}
	}
	return out
}

func TestArrivalFilesThereAtDeployDoNotCount(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // the deployment is after the file's change time, on the real clock
	l := &landing{world: &world{t: t, dir: t.TempDir(), rec: &recorder{}, clk: clock.NewFake(time.Now())}, in: dir, opts: noNotify}
	l.open()
	sm := &store.StateMachine{Arn: smArn(account, "psd"), Name: "psd", Language: "pipeline", Type: store.TypeStandard, RevisionID: "r1",
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Definition: "name: psd\ntrigger:\n  data:\n    - path: \"file://" + dir + "/*.csv\"\nsteps:\n  - {name: a, command: [echo, ok]}\n"}
	if err := l.st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	l.start()
	if got := l.rescan(); len(got) != 0 {
		t.Fatalf("a file there before the deployment started a run: %+v", got)
	}
	l.drop("new.csv", "y")
	if got := l.rescan(); len(got) != 1 || objectsOf(t, got[0])[0] != "file://"+dir+"/new.csv" {
		t.Fatalf("want one run of new.csv, got %+v", got)
	}
}

func TestArrivalBatchOfTwo(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n      batch: {size: 2}\n", noNotify)
	l.rescan()
	l.drop("a.csv", "1")
	if got := l.rescan(); len(got) != 0 {
		t.Fatalf("one file of a batch of two started a run: %+v", got)
	}
	// "Why didn't it run?"
	ds, summary, err := l.arr.Explain(context.Background(), smArn(account, "psd"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Waiting != 1 || ds[0].StartsBy == nil || ds[0].BatchWindow != "15m0s" ||
		len(summary) != 1 || !strings.Contains(summary[0], "1 of 2 object(s) arrived") {
		t.Fatalf("explained %+v: %q", ds, summary)
	}
	// A server whose bus does not run the arrivals (a node of a cluster)
	// tells what is stored: the same batch, not when it is listed.
	elsewhere := events.NewArrivals(events.ArrivalOptions{Store: l.st, Region: region, DefaultAccount: account})
	sds, ssummary, err := elsewhere.Explain(context.Background(), smArn(account, "psd"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sds) != 1 || sds[0].Waiting != 1 || !sds[0].StartsBy.Equal(*ds[0].StartsBy) || sds[0].LastListed != nil ||
		strings.Join(ssummary, "|") != strings.Join(summary, "|") {
		t.Fatalf("explained from the store %+v: %q", sds, ssummary)
	}
	l.restart() // the pending batch survives a restart
	l.drop("b.csv", "2")
	got := l.rescan()
	if len(got) != 1 {
		t.Fatalf("want one run for the batch, got %d", len(got))
	}
	if objs := objectsOf(t, got[0]); len(objs) != 2 || !strings.HasSuffix(objs[0], "/a.csv") || !strings.HasSuffix(objs[1], "/b.csv") {
		t.Fatalf("the run lists %v, want a.csv and b.csv", objs)
	}
}

func TestArrivalBatchWindow(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n      batch: {size: 5, window: 1m}\n", noNotify)
	l.rescan()
	l.drop("a.csv", "1")
	if got := l.rescan(); len(got) != 0 {
		t.Fatalf("started before the window passed: %+v", got)
	}
	l.clk.Advance(time.Minute)
	l.idle()
	if got := l.rec.started(); len(got) != 1 || len(objectsOf(t, got[0])) != 1 {
		t.Fatalf("want one run with a.csv once the window passed, got %+v", got)
	}
}

func TestArrivalRewrittenFileCountsAgain(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", noNotify)
	l.rescan()
	l.drop("a.csv", "first")
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("want one run, got %d", len(got))
	}
	l.drop("a.csv", "second, longer")
	got := l.rescan()
	if len(got) != 2 || got[0].Name == got[1].Name {
		t.Fatalf("a rewritten file (new ETag) should start a second run: %+v", got)
	}
}

func TestArrivalRestartStartsNothingTwice(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", noNotify)
	l.rescan()
	l.rec.mu.Lock()
	l.rec.fail = fmt.Errorf("the engine is not ready")
	l.rec.mu.Unlock()
	l.drop("a.csv", "1")
	// The decision is stored before the start is tried.
	deadline := time.Now().Add(10 * time.Second)
	l.clk.Advance(events.DefaultDirRescan + time.Second)
	for {
		ins, err := l.st.Intents(context.Background(), events.ArrivalsConsumer)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stored intent: %d", len(ins))
		}
		time.Sleep(2 * time.Millisecond) // polling, with the deadline above
	}
	// A crash before the start passed; the engine is ready when the
	// server comes back (set before the new bus runs: it carries out the
	// stored intent at once, and a failure there would wait for a retry
	// on the fake clock).
	l.stop()
	l.st.Close()
	l.rec.mu.Lock()
	l.rec.fail = nil
	l.rec.mu.Unlock()
	l.open()
	l.start()
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("want the stored start carried out once, got %d", len(got))
	}
	l.restart()
	l.rescan()
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("a restart started the file's run again: %d", len(got))
	}
	if evs := outboxEvents(t, l.st); len(evs) != 1 {
		t.Fatalf("want one arrival event across restarts, got %d", len(evs))
	}
}

func TestArrivalNotificationWakes(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", events.ArrivalOptions{Settle: -1})
	l.rescan()
	l.drop("a.csv", "1")
	l.waitRun(1) // the fake clock stands still: only the notification can list now
}

func TestArrivalFileBeingWrittenCountsOnceSettled(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", events.ArrivalOptions{Settle: time.Second})
	l.clk.Set(time.Now()) // the fake clock at the real one: files are written "now"
	l.idle()
	// Copied in place, as cp does: the notification lists it while it is
	// written.
	f, err := os.Create(filepath.Join(l.in, "big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("part one,")
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond) // a moment for a wrong start to show
		if got := l.rec.started(); len(got) != 0 {
			t.Fatalf("a file still being written counted: %+v", got)
		}
	}
	f.WriteString("part two\n")
	f.Close()
	fi, err := os.Stat(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	// A second after its last write it has settled: listed again then,
	// well before the rescan.
	l.clk.Set(fi.ModTime().Add(time.Second + time.Millisecond))
	l.waitRun(1)
	got := l.rec.started()
	if len(got) != 1 || !strings.Contains(got[0].Input, `"size":18`) {
		t.Fatalf("want one run of the whole file, got %+v", got)
	}
}

// fakeList lists objects a test sets.
type fakeList struct {
	mu   sync.Mutex
	objs []events.Object
	err  error
}

func (f *fakeList) list(context.Context, string, string) ([]events.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]events.Object(nil), f.objs...), f.err
}

func (f *fakeList) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeList) add(objs ...events.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objs = append(f.objs, objs...)
}

func TestArrivalMarkBoundsState(t *testing.T) {
	base := time.Now().Add(time.Hour) // after the deployment, however slow the test
	fl := &fakeList{}
	l := newLanding(t, "    - {path: \"s3://landing/in/*.csv\", connection: lake}\n", events.ArrivalOptions{NoNotify: true, Settle: -1, Lookback: time.Minute,
		S3Rescan: events.DefaultDirRescan, List: fl.list})
	obj := func(name string, at time.Duration) events.Object {
		t := base.Add(at)
		return events.Object{URL: "s3://landing/in/" + name, ETag: name + "-e", Size: 1, Modified: t, Changed: t}
	}
	fl.add(obj("a.csv", time.Second))
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("want a run of a.csv, got %d", len(got))
	}
	// Listed late within the lookback (a listing that raced a write): it counts.
	fl.add(obj("c.csv", 2*time.Minute), obj("b.csv", 90*time.Second))
	if got := l.rescan(); len(got) != 3 {
		t.Fatalf("want runs of b.csv and c.csv, got %d", len(got))
	}
	// a.csv is past the lookback of the mark: forgotten, and not counted again.
	var keys []string
	if err := l.st.ConsumerState(context.Background(), events.ArrivalsConsumer, func(k string, v []byte) error {
		keys = append(keys, string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || strings.Contains(keys[0], "a.csv") || !strings.Contains(keys[0], "b.csv") {
		t.Fatalf("the state should remember b.csv and c.csv only: %v", keys)
	}
	// Far older than the mark: seen long ago, or too late.
	fl.add(obj("z.csv", -time.Hour))
	if got := l.rescan(); len(got) != 3 {
		t.Fatalf("an object older than the lookback counted: %d", len(got))
	}
}

// TestArrivalBatchCutToFitInput: a batch whose list of objects would not
// fit in a run's input starts with as many as fit; the rest wait for the
// batch's window (Glue's default, 15 minutes, for a size without one).
func TestArrivalBatchCutToFitInput(t *testing.T) {
	fl := &fakeList{}
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n      batch: {size: 1000}\n", events.ArrivalOptions{NoNotify: true, Settle: -1,
		MaxInputBytes: 2048, List: fl.list})
	l.rescan()
	at := time.Now().Add(time.Hour)
	for i := range 40 {
		fl.add(events.Object{URL: fmt.Sprintf("file:///in/%02d.csv", i), ETag: fmt.Sprint(i), Size: 1, Modified: at, Changed: at.Add(time.Duration(i))})
	}
	got := l.rescan()
	if len(got) < 2 {
		t.Fatalf("want the batch cut into runs that fit, got %d runs", len(got))
	}
	l.clk.Advance(events.DefaultBatchWindow)
	l.idle()
	got = l.rec.started()
	var all []string
	for _, r := range got {
		if len(r.Input) > 2048 {
			t.Fatalf("an input of %d bytes, over the limit", len(r.Input))
		}
		all = append(all, objectsOf(t, r)...)
	}
	slices.Sort(all) // the runs start at once, in any order
	if len(all) != 40 || len(slices.Compact(slices.Clone(all))) != 40 {
		t.Fatalf("the runs list %d objects, want the 40 once each: %v", len(all), all)
	}
}

// TestArrivalWindowPassesWhileListingFails: a batch's window is kept when
// its location cannot be listed meanwhile (S3 down): the objects that
// waited start their run.
func TestArrivalWindowPassesWhileListingFails(t *testing.T) {
	fl := &fakeList{}
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n      batch: {size: 5, window: 1m}\n", events.ArrivalOptions{NoNotify: true, Settle: -1, List: fl.list})
	l.rescan()
	at := time.Now().Add(time.Hour)
	fl.add(events.Object{URL: "file:///in/a.csv", ETag: "1", Size: 1, Modified: at, Changed: at})
	if got := l.rescan(); len(got) != 0 {
		t.Fatalf("started before the window: %+v", got)
	}
	fl.fail(fmt.Errorf("the bucket is down"))
	l.clk.Advance(time.Minute)
	l.idle()
	if got := l.rec.started(); len(got) != 1 {
		t.Fatalf("want the batch started when its window passed, got %d", len(got))
	}
}

// TestArrivalBucketNotificationsSpaced: a bucket notification that comes
// right after a listing is not dropped: the bucket is listed once the gap
// between notified listings has passed (the rescan is an hour).
func TestArrivalBucketNotificationsSpaced(t *testing.T) {
	fl := &fakeList{}
	l := newLandingWith(t, "    - {path: \"s3://landing/in/*.csv\", connection: lake}\n", events.ArrivalOptions{S3Rescan: time.Hour, List: fl.list}, true)
	l.idle() // the first listing, at start
	at := time.Now().Add(time.Hour)
	fl.add(events.Object{URL: "s3://landing/in/a.csv", ETag: "1", Size: 1, Modified: at, Changed: at})
	l.arr.NotifyBucket("landing")
	time.Sleep(100 * time.Millisecond) // a moment for the consumer to take the notification (and defer it)
	l.clk.Advance(300 * time.Millisecond)
	l.waitRun(1)
}

// TestArrivalNotificationOfANewlyWatchedBucket: a notification of a bucket
// that no watch lists wakes nothing, except while a changed catalog has
// not been read yet: a bucket watched by a workflow just deployed is
// listed at its first notification (the rescan is an hour).
func TestArrivalNotificationOfANewlyWatchedBucket(t *testing.T) {
	fl := &fakeList{}
	l := newLandingWith(t, "    - {path: \"s3://landing/in/*.csv\", connection: lake}\n", events.ArrivalOptions{S3Rescan: time.Hour, List: fl.list}, true)
	l.idle() // the first listing, at start
	ctx := context.Background()
	sm, err := l.st.GetStateMachine(ctx, smArn(account, "psd"))
	if err != nil {
		t.Fatal(err)
	}
	sm.Definition = strings.Replace(sm.Definition, "s3://landing/", "s3://fresh/", 1)
	sm.RevisionID = "r2"
	if err := l.st.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	l.arr.Changed() // as the server does on a deploy; the consumer is not woken
	at := time.Now().Add(time.Hour)
	fl.add(events.Object{URL: "s3://fresh/in/a.csv", ETag: "1", Size: 1, Modified: at, Changed: at})
	l.arr.NotifyBucket("fresh")
	l.clk.Advance(300 * time.Millisecond) // past the gap between notified listings
	l.waitRun(1)
}

// TestArrivalHungBucketHoldsUpNothing: a bucket whose listing hangs does
// not hold up a directory's arrivals: buckets are listed in the background.
func TestArrivalHungBucketHoldsUpNothing(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	files := lister()
	l := newLandingWith(t, "    - path: \"file://%s/*.csv\"\n    - {path: \"s3://landing/in/*.csv\", connection: lake}\n", events.ArrivalOptions{NoNotify: true, Settle: -1,
		List: func(ctx context.Context, path, conn string) ([]events.Object, error) {
			if strings.HasPrefix(path, "s3://") {
				select { // hangs until the test ends
				case <-release:
				case <-ctx.Done():
				}
				return nil, ctx.Err()
			}
			return files(ctx, path, conn)
		}}, true)
	l.rescan()
	l.drop("a.csv", "1")
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("want the directory's run while the bucket hangs, got %d", len(got))
	}
}

// countingLister counts the listings of the wait_for listing.
func countingLister(n *atomic.Int64) events.ListFunc {
	files := lister()
	return func(ctx context.Context, path, conn string) ([]events.Object, error) {
		n.Add(1)
		return files(ctx, path, conn)
	}
}

// waitRun polls until want runs started (the fake clock standing still).
func (l *landing) waitRun(want int) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(l.rec.started()) < want {
		if time.Now().After(deadline) {
			l.t.Fatalf("want %d runs, got %d", want, len(l.rec.started()))
		}
		time.Sleep(2 * time.Millisecond) // polling, with the deadline above
	}
}

// TestArrivalNotificationsOfOtherFilesWakeNothing: writes to files that
// no watch counts (a hidden temporary copy, another pattern) do not make
// the consumer list; a directory deleted and made again is watched again.
func TestArrivalNotificationsOfOtherFilesWakeNothing(t *testing.T) {
	var listed atomic.Int64
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", events.ArrivalOptions{Settle: -1, List: countingLister(&listed)})
	l.rescan()
	before := listed.Load()
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(l.in, ".tmp-a.csv"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(l.in, "notes.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // a moment for a wrong listing to show
	if n := listed.Load(); n != before {
		t.Fatalf("writes to other files made %d listings", n-before)
	}
	l.drop("a.csv", "1")
	l.waitRun(1)

	// Deleted and made again: watched again from the next rescan on.
	if err := os.RemoveAll(l.in); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(l.in, 0o755); err != nil {
		t.Fatal(err)
	}
	l.rescan()
	l.drop("b.csv", "2")
	l.waitRun(2)
}

// TestArrivalDirectoryCountsByNameAndETag: a directory's files count by
// name and ETag whatever their times say. A file moved in with a
// modification time of last year (mv, cp -p, rsync -a) counts; a change of
// an old file's inode in place (chmod, chown -R) does not, however long
// ago the file came (the lookback is a millisecond here); a file deleted
// and landing again counts again.
func TestArrivalDirectoryCountsByNameAndETag(t *testing.T) {
	l := newLanding(t, "    - path: \"file://%s/*.csv\"\n", events.ArrivalOptions{NoNotify: true, Settle: -1, Lookback: time.Millisecond})
	l.rescan()
	old := filepath.Join(t.TempDir(), "old.csv")
	if err := os.WriteFile(old, []byte("from last year"), 0o644); err != nil {
		t.Fatal(err)
	}
	lastYear := time.Now().AddDate(-1, 0, 0)
	if err := os.Chtimes(old, lastYear, lastYear); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(old, filepath.Join(l.in, "old.csv")); err != nil {
		t.Fatal(err)
	}
	if got := l.rescan(); len(got) != 1 {
		t.Fatalf("a file moved in with an old modification time: want one run, got %d", len(got))
	}
	l.drop("b.csv", "b")
	if got := l.rescan(); len(got) != 2 {
		t.Fatalf("want a run of b.csv, got %d", len(got))
	}
	if err := os.Chmod(filepath.Join(l.in, "old.csv"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := l.rescan(); len(got) != 2 {
		t.Fatalf("a chmod of a file seen before started a run: %d", len(got))
	}
	if err := os.Remove(filepath.Join(l.in, "b.csv")); err != nil {
		t.Fatal(err)
	}
	l.rescan()
	l.drop("b.csv", "b")
	if got := l.rescan(); len(got) != 3 {
		t.Fatalf("a file landing again after it was removed: want a third run, got %d", len(got))
	}
}

// TestArrivalEventStartsEventTrigger: an arrival is an event on the bus
// that other triggers read at once: a pipeline whose trigger.event matches
// S3's Object Created starts with it, the fake clock standing still (no
// wait for the bus's rescan of the outbox).
func TestArrivalEventStartsEventTrigger(t *testing.T) {
	l := &landing{world: &world{t: t, dir: t.TempDir(), rec: &recorder{}, clk: clock.NewFake(time.Now().Add(-time.Hour))},
		in: t.TempDir(), opts: events.ArrivalOptions{Settle: -1}, triggers: true}
	l.open()
	for _, def := range []string{
		"name: psd\ntrigger:\n  data:\n    - path: \"file://" + l.in + "/*.csv\"\nsteps:\n  - {name: a, command: [echo]}\n",
		"name: audit\ntrigger:\n  event:\n    pattern: {source: [aws.s3], detail-type: [Object Created], detail: {object: {key: [{suffix: .csv}]}}}\nsteps:\n  - {name: a, command: [echo]}\n",
	} {
		name := strings.TrimPrefix(strings.SplitN(def, "\n", 2)[0], "name: ")
		if err := l.st.CreateStateMachine(context.Background(), &store.StateMachine{Arn: smArn(account, name), Name: name, Language: "pipeline",
			Type: store.TypeStandard, RevisionID: "r1", CreatedAt: time.Now(), UpdatedAt: time.Now(), Definition: def}); err != nil {
			t.Fatal(err)
		}
	}
	l.start()
	l.idle()
	l.drop("a.csv", "1")
	l.waitRun(2)
	arns := []string{l.rec.started()[0].StateMachineArn, l.rec.started()[1].StateMachineArn}
	slices.Sort(arns)
	if arns[0] != smArn(account, "audit") || arns[1] != smArn(account, "psd") {
		t.Fatalf("want runs of audit and psd, got %v", arns)
	}
}
