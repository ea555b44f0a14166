package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// spyStore counts the reads of the outbox, checks that the commits of a
// group's members (a name with "@") are fenced by their partition and no
// other is, and refuses, as a cluster member's store does, the fenced
// commits of the partitions in lost.
type spyStore struct {
	store.Store
	reads atomic.Int64
	lost  atomic.Uint64 // a partition.Set

	mu       sync.Mutex
	unfenced []string
}

func openSpy(t *testing.T) *spyStore {
	t.Helper()
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &spyStore{Store: st}
}

func (s *spyStore) ReadOutbox(ctx context.Context, p int, after int64, limit int) ([]*store.OutboxEvent, error) {
	s.reads.Add(1)
	return s.Store.ReadOutbox(ctx, p, after, limit)
}

func (s *spyStore) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	want := false
	if _, p, ok := strings.Cut(c.Consumer, "@"); ok {
		n, _ := strconv.Atoi(p)
		want = c.Partition == n
	}
	if c.Fenced != want {
		s.mu.Lock()
		s.unfenced = append(s.unfenced, fmt.Sprintf("%s (fenced %v, partition %d)", c.Consumer, c.Fenced, c.Partition))
		s.mu.Unlock()
	}
	if c.Fenced && partition.Set(s.lost.Load()).Has(c.Partition) {
		return store.NoEffect(&store.PartitionsLostError{Parts: []int{c.Partition}})
	}
	return s.Store.CommitConsumer(ctx, c)
}

func (s *spyStore) checkFences(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.unfenced) > 0 {
		t.Fatalf("commits not fenced as their consumer is: %v", s.unfenced)
	}
}

// quiet logs nothing: the failures a test provokes on purpose.
var quiet = slog.New(slog.DiscardHandler)

// groupEvent is event id for the workflows of cluster partition p.
func groupEvent(id string, p int) *store.OutboxEvent {
	return &store.OutboxEvent{Partition: store.PartitionOf(id), Account: account, Bus: "default", Time: time.Now(),
		Body: fmt.Appendf(nil, `{"id":%q,"p":%d}`, id, p)}
}

func put(t *testing.T, bus *events.Bus, evs ...*store.OutboxEvent) {
	t.Helper()
	if err := bus.Put(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// runBus runs bus until the test ends or the returned stop is called.
func runBus(t *testing.T, bus *events.Bus) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// waitUntil polls cond for 10 s at most.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
}

// behind returns bus's backlog of consumer name (-1: not reported).
func behind(t *testing.T, bus *events.Bus, name string) int64 {
	t.Helper()
	b, err := bus.Behind(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := b[name]; ok {
		return n
	}
	return -1
}

// tally is a group whose member p decides, for each event of partition p,
// a state entry and an intent named by the event, and counts what was
// decided (committed) and carried out.
type tally struct {
	failing atomic.Bool // Act fails (to be tried again)

	mu      sync.Mutex
	decided map[string]int
	acted   map[string]int
	unloads map[int]int
}

func newTally() *tally {
	return &tally{decided: map[string]int{}, acted: map[string]int{}, unloads: map[int]int{}}
}

func (tl *tally) member(p int) events.Consumer {
	return events.Consumer{
		Handle: func(_ context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
			for _, ev := range evs {
				var d struct {
					ID string
					P  int
				}
				if err := json.Unmarshal(ev.Body, &d); err != nil {
					return err
				}
				if d.P != p {
					continue // the consumer, not the bus, picks its partition's events
				}
				if c.State == nil {
					c.State = map[string][]byte{}
				}
				c.State[d.ID] = []byte("decided")
				c.Intents = append(c.Intents, &store.Intent{ID: d.ID})
			}
			return nil
		},
		Committed: func(c *store.ConsumerCommit) {
			tl.mu.Lock()
			defer tl.mu.Unlock()
			for k := range c.State {
				tl.decided[k]++
			}
		},
		Act: func(_ context.Context, in *store.Intent) error {
			if tl.failing.Load() {
				return fmt.Errorf("not now")
			}
			tl.mu.Lock()
			defer tl.mu.Unlock()
			tl.acted[in.ID]++
			return nil
		},
		Unload: func() {
			tl.mu.Lock()
			defer tl.mu.Unlock()
			tl.unloads[p]++
		},
	}
}

func (tl *tally) counts() (decided, acted int) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.decided), len(tl.acted)
}

func stateKeys(t *testing.T, st store.Store, consumer string) []string {
	t.Helper()
	var keys []string
	if err := st.ConsumerState(context.Background(), consumer, func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

func TestMemberName(t *testing.T) {
	if got := events.MemberName("triggers", 7); got != "triggers@07" {
		t.Fatalf("MemberName = %q", got)
	}
	if got := events.MemberName("rules", 63); got != "rules@63" {
		t.Fatalf("MemberName = %q", got)
	}
}

// TestGroupMembers: owned before Run, each member starts at the end of the
// outbox, gets the events, and stores what it decides (its partition's)
// with its cursors under its own name; a partition not owned runs no
// member; a consumer registered alone is not fenced, members are.
func TestGroupMembers(t *testing.T) {
	st := openSpy(t)
	ctx := context.Background()
	bus := events.New(st, events.Options{})
	tl := newTally()
	bus.RegisterGroup("g", tl.member)
	var single atomic.Int64
	bus.Register(events.Consumer{Name: "single", Handle: func(_ context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
		single.Add(int64(len(evs)))
		c.State = map[string][]byte{fmt.Sprint(evs[len(evs)-1].Seq): nil}
		return nil
	}})
	if err := bus.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, bus, groupEvent("before", 1)) // before the members start: not theirs
	bus.Own(partition.SetOf(1, 2, 3))
	runBus(t, bus)
	waitUntil(t, "the members to start", func() bool { return behind(t, bus, "g") == 0 })
	for i := range 12 {
		put(t, bus, groupEvent(fmt.Sprintf("e%02d", i), 1+i%4))
	}
	waitUntil(t, "the decisions of partitions 1-3", func() bool { d, a := tl.counts(); return d == 9 && a == 9 })
	waitUntil(t, "the single consumer", func() bool { return single.Load() == 13 })
	for p, want := range map[int][]string{1: {"e00", "e04", "e08"}, 2: {"e01", "e05", "e09"}, 3: {"e02", "e06", "e10"}, 4: nil} {
		name := events.MemberName("g", p)
		if got := stateKeys(t, st, name); !slices.Equal(got, want) {
			t.Errorf("%s stored %v, want %v", name, got, want)
		}
		cur, err := st.Cursors(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if p == 4 && len(cur) > 0 {
			t.Errorf("a member of a partition not owned stored cursors %v", cur)
		}
		if p != 4 && len(cur) != store.OutboxPartitions {
			t.Errorf("%s's cursors: %v", name, cur)
		}
	}
	if cur, _ := st.Cursors(ctx, "g"); len(cur) > 0 {
		t.Errorf("cursors stored under the group's name: %v", cur)
	}
	st.checkFences(t)
}

// TestGroupPrepareMembers: members prepared when their partitions are
// taken, before they run, read the events stored in between (those the
// engine commits when it resumes the partitions); a member prepared again
// keeps its cursors.
func TestGroupPrepareMembers(t *testing.T) {
	st := openSpy(t)
	ctx := context.Background()
	bus := events.New(st, events.Options{})
	tl := newTally()
	bus.RegisterGroup("g", tl.member)
	put(t, bus, groupEvent("long-before", 1))
	if err := bus.PrepareMembers(ctx, partition.SetOf(1)); err != nil {
		t.Fatal(err)
	}
	put(t, bus, groupEvent("resumed", 1)) // between the lease and Own
	before, err := st.Cursors(ctx, events.MemberName("g", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.PrepareMembers(ctx, partition.SetOf(1)); err != nil {
		t.Fatal(err)
	}
	if after, _ := st.Cursors(ctx, events.MemberName("g", 1)); !maps.Equal(before, after) {
		t.Fatalf("prepared again: cursors %v, were %v", after, before)
	}
	bus.Own(partition.SetOf(1))
	runBus(t, bus)
	waitUntil(t, "the member to decide the event stored before it ran", func() bool { d, _ := tl.counts(); return d == 1 })
	if got := stateKeys(t, st, events.MemberName("g", 1)); !slices.Equal(got, []string{"resumed"}) {
		t.Fatalf("the member decided %v, want [resumed]", got)
	}
	st.checkFences(t)
}

// TestGroupHandover: a partition disowned by one bus and owned by a
// second over the same store continues from the stored cursors and
// intents: each event decided once, none skipped (those put between the
// two included), every intent left pending carried out by the second.
func TestGroupHandover(t *testing.T) {
	st := openSpy(t)
	tl := newTally()
	tl.failing.Store(true)
	bus1 := events.New(st, events.Options{Log: quiet})
	bus1.RegisterGroup("g", tl.member)
	runBus(t, bus1)
	put(t, bus1, groupEvent("other", 6))
	bus1.Own(partition.SetOf(5)) // while Run runs
	waitUntil(t, "the member to start", func() bool { return behind(t, bus1, "g") == 0 })
	for i := range 10 {
		put(t, bus1, groupEvent(fmt.Sprintf("e%02d", i), 5))
	}
	waitUntil(t, "the first decisions", func() bool { d, _ := tl.counts(); return d == 10 })
	put(t, bus1, groupEvent("other2", 6)) // read, deciding nothing: the cursors move in memory
	waitUntil(t, "the member to read it", func() bool { return behind(t, bus1, "g") == 0 })
	bus1.Disown(partition.SetOf(5))
	last, err := st.LastOutboxSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cur, err := st.Cursors(context.Background(), "g@05")
	if err != nil {
		t.Fatal(err)
	}
	for p, seq := range cur {
		if seq != last {
			t.Fatalf("Disown left the cursor of outbox partition %d at %d, want %d", p, seq, last)
		}
	}
	if behind(t, bus1, "g") != -1 {
		t.Fatal("a group with no member running is reported behind")
	}
	tl.mu.Lock()
	if tl.unloads[5] != 1 {
		t.Fatalf("member 5 unloaded %d times by Disown", tl.unloads[5])
	}
	tl.mu.Unlock()
	for i := 10; i < 20; i++ {
		put(t, bus1, groupEvent(fmt.Sprintf("e%02d", i), 5))
	}
	tl.failing.Store(false)
	bus2 := events.New(st, events.Options{Log: quiet})
	bus2.RegisterGroup("g", tl.member)
	bus2.Own(partition.SetOf(5))
	runBus(t, bus2)
	waitUntil(t, "every event decided and carried out", func() bool { d, a := tl.counts(); return d == 20 && a == 20 })
	tl.mu.Lock()
	for id, n := range tl.decided {
		if n != 1 {
			t.Errorf("%s decided %d times", id, n)
		}
	}
	tl.mu.Unlock()
	waitUntil(t, "the intents recorded done", func() bool {
		ins, err := st.Intents(context.Background(), "g@05")
		return err == nil && len(ins) == 0
	})
	st.checkFences(t)
}

// TestGroupDisownWaitsForAct: Disown returns once the member's Act in
// progress has returned and the member was unloaded.
func TestGroupDisownWaitsForAct(t *testing.T) {
	st := openSpy(t)
	bus := events.New(st, events.Options{})
	started := make(chan struct{}, 1)
	var finished, unloadedAfter atomic.Bool
	bus.RegisterGroup("g", func(p int) events.Consumer {
		return events.Consumer{
			Handle: func(_ context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
				c.Intents = append(c.Intents, &store.Intent{ID: fmt.Sprint(evs[0].Seq)})
				return nil
			},
			Act: func(ctx context.Context, in *store.Intent) error {
				started <- struct{}{}
				<-ctx.Done()
				finished.Store(true)
				return ctx.Err()
			},
			Unload: func() { unloadedAfter.Store(finished.Load()) },
		}
	})
	put(t, bus, groupEvent("first", 1)) // so that Behind tells when the member started
	bus.Own(partition.SetOf(2))
	runBus(t, bus)
	waitUntil(t, "the member to start", func() bool { return behind(t, bus, "g") == 0 })
	put(t, bus, groupEvent("e", 2))
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no Act")
	}
	bus.Disown(partition.SetOf(2))
	if !finished.Load() || !unloadedAfter.Load() {
		t.Fatalf("Disown returned with Act finished %v, unloaded after it %v", finished.Load(), unloadedAfter.Load())
	}
	// The intent not carried out is kept for the next owner.
	if ins, err := st.Intents(context.Background(), "g@02"); err != nil || len(ins) != 1 {
		t.Fatalf("intents after Disown: %v, %v", ins, err)
	}
}

// TestGroupWake: Wake of a group's name ticks every running member, Wake
// of a member's name that member.
func TestGroupWake(t *testing.T) {
	st := openSpy(t)
	bus := events.New(st, events.Options{Clock: clock.NewFake(time.Now())})
	var ticks [partition.Count]atomic.Int32
	bus.RegisterGroup("g", func(p int) events.Consumer {
		return events.Consumer{Tick: func(context.Context, time.Time, *store.ConsumerCommit) (time.Time, error) {
			ticks[p].Add(1)
			return time.Time{}, nil // only when woken
		}}
	})
	bus.Own(partition.SetOf(0, 9))
	runBus(t, bus)
	waitUntil(t, "the first ticks", func() bool { return ticks[0].Load() == 1 && ticks[9].Load() == 1 })
	bus.Wake("g")
	waitUntil(t, "the ticks of Wake(g)", func() bool { return ticks[0].Load() == 2 && ticks[9].Load() == 2 })
	bus.Wake(events.MemberName("g", 9))
	waitUntil(t, "member 9's tick", func() bool { return ticks[9].Load() == 3 })
	if ticks[0].Load() != 2 || ticks[1].Load() != 0 {
		t.Fatalf("ticks of members 0 and 1: %d, %d", ticks[0].Load(), ticks[1].Load())
	}
}

// TestGroupBehind: a group is reported under its name with the largest
// backlog of its running members.
func TestGroupBehind(t *testing.T) {
	st := openSpy(t)
	bus := events.New(st, events.Options{Batch: 4})
	release := make(chan struct{})
	bus.RegisterGroup("g", func(p int) events.Consumer {
		return events.Consumer{Handle: func(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
			if p == 2 {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return nil
		}}
	})
	put(t, bus, groupEvent("first", 1))
	bus.Own(partition.SetOf(1, 2, 3))
	runBus(t, bus)
	waitUntil(t, "the members to start", func() bool { return behind(t, bus, "g") == 0 })
	for i := range 10 {
		put(t, bus, groupEvent(fmt.Sprint(i), 1))
	}
	waitUntil(t, "member 2 stuck 10 behind", func() bool { return behind(t, bus, "g") == 10 })
	close(release)
	waitUntil(t, "the backlog to drain", func() bool { return behind(t, bus, "g") == 0 })
}

// TestGroupLost: a member whose commit the fence refuses stops (it does
// not try again) and OnLost is told of its partition once; the other
// members go on; owned again, the member resumes from its stored cursors.
func TestGroupLost(t *testing.T) {
	st := openSpy(t)
	var mu sync.Mutex
	var lost []partition.Set
	bus := events.New(st, events.Options{Log: quiet, OnLost: func(s partition.Set) {
		mu.Lock()
		defer mu.Unlock()
		lost = append(lost, s)
	}})
	tl := newTally()
	var handles [partition.Count]atomic.Int32
	bus.RegisterGroup("g", func(p int) events.Consumer {
		c := tl.member(p)
		h := c.Handle
		c.Handle = func(ctx context.Context, evs []*store.OutboxEvent, cc *store.ConsumerCommit) error {
			handles[p].Add(1)
			return h(ctx, evs, cc)
		}
		return c
	})
	put(t, bus, groupEvent("first", 1))
	bus.Own(partition.SetOf(3, 4))
	runBus(t, bus)
	waitUntil(t, "the members to start", func() bool { return behind(t, bus, "g") == 0 })
	st.lost.Store(uint64(partition.SetOf(3)))
	put(t, bus, groupEvent("e3", 3))
	waitUntil(t, "OnLost", func() bool { mu.Lock(); defer mu.Unlock(); return len(lost) == 1 })
	waitUntil(t, "member 3 to stop", func() bool { tl.mu.Lock(); defer tl.mu.Unlock(); return tl.unloads[3] == 1 })
	h3 := handles[3].Load()
	put(t, bus, groupEvent("e4", 4))
	waitUntil(t, "member 4's decision", func() bool { d, _ := tl.counts(); return d == 1 })
	if handles[3].Load() != h3 {
		t.Fatal("a member stopped by the fence still handles events")
	}
	mu.Lock()
	if len(lost) != 1 || lost[0] != partition.SetOf(3) {
		t.Fatalf("OnLost told %v", lost)
	}
	mu.Unlock()
	bus.Disown(partition.SetOf(3)) // stopped already: returns at once
	st.lost.Store(0)
	bus.Own(partition.SetOf(3))
	waitUntil(t, "member 3's decision once owned again", func() bool { d, _ := tl.counts(); return d == 2 })
	st.checkFences(t)
}

// TestGroupSharedReads: 64 members at the head read the outbox about once
// per new event between them, not once each; and each sees every event,
// once, in Seq order, while several writers append at once.
func TestGroupSharedReads(t *testing.T) {
	st := openSpy(t)
	bus := events.New(st, events.Options{Batch: 8})
	var seen [partition.Count]atomic.Int64
	var last [partition.Count]atomic.Int64
	var bad atomic.Value
	bus.RegisterGroup("g", func(p int) events.Consumer {
		return events.Consumer{Handle: func(_ context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
			for _, ev := range evs {
				if prev := last[p].Swap(ev.Seq); ev.Seq <= prev {
					bad.Store(fmt.Sprintf("member %d read Seq %d after %d", p, ev.Seq, prev))
				}
			}
			seen[p].Add(int64(len(evs)))
			return nil
		}}
	})
	put(t, bus, groupEvent("first", 0))
	bus.Own(^partition.Set(0)) // all of them
	runBus(t, bus)
	waitUntil(t, "the members to start", func() bool { return behind(t, bus, "g") == 0 })
	all := func(n int64) func() bool {
		return func() bool {
			for p := range partition.Count {
				if seen[p].Load() < n {
					return false
				}
			}
			return true
		}
	}
	// One writer, an event at a time, each read by all before the next.
	st.reads.Store(0)
	const n = 20
	for i := range n {
		put(t, bus, groupEvent(fmt.Sprint(i), i%partition.Count))
		waitUntil(t, "every member to read the event", all(int64(i+1)))
	}
	reads := st.reads.Load()
	t.Logf("%d members, %d events one at a time: %d reads of the outbox", partition.Count, n, reads)
	if reads > 3*n {
		t.Fatalf("%d reads of the outbox for %d events: the members do not share them", reads, n)
	}
	// Several writers at once: every member reads every event once, in order.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if err := bus.Put(context.Background(), []*store.OutboxEvent{groupEvent(fmt.Sprintf("w%d-%d", w, i), i%partition.Count)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	waitUntil(t, "every member to read every event", all(n+200))
	for p := range partition.Count {
		if got := seen[p].Load(); got != n+200 {
			t.Fatalf("member %d read %d events, want %d", p, got, n+200)
		}
	}
	if b := bad.Load(); b != nil {
		t.Fatal(b)
	}
	t.Logf("with 4 writers: %d reads of the outbox in all", st.reads.Load())
}
