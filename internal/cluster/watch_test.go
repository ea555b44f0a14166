package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/workflow"
)

// fakeWatch is a fake engine's watchers.
type fakeWatch struct {
	mu   sync.Mutex
	subs map[chan engine.Update]string // -> the ARN watched ("": all)
}

func (e *fakeEngine) Watch(ctx context.Context, arn string) <-chan engine.Update {
	ch := make(chan engine.Update, 64)
	e.watch.mu.Lock()
	if e.watch.subs == nil {
		e.watch.subs = map[chan engine.Update]string{}
	}
	e.watch.subs[ch] = arn
	e.watch.mu.Unlock()
	go func() {
		<-ctx.Done()
		e.watch.mu.Lock()
		delete(e.watch.subs, ch)
		close(ch)
		e.watch.mu.Unlock()
	}()
	return ch
}

// publish is a commit of the fake engine: its watchers hear of u.
func (e *fakeEngine) publish(u engine.Update) {
	e.watch.mu.Lock()
	defer e.watch.mu.Unlock()
	for ch, arn := range e.watch.subs {
		if arn == "" || arn == u.ExecutionArn {
			select {
			case ch <- u:
			default:
			}
		}
	}
}

// watchers counts the watchers of arn on the fake engine.
func (e *fakeEngine) watchers(arn string) int {
	e.watch.mu.Lock()
	defer e.watch.mu.Unlock()
	n := 0
	for _, a := range e.watch.subs {
		if a == arn {
			n++
		}
	}
	return n
}

// eventually polls cond until it holds, or fails after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// next reads the next update of ch, failing after 10 s or if ch closed.
func next(t *testing.T, ch <-chan engine.Update) engine.Update {
	t.Helper()
	select {
	case u, ok := <-ch:
		if !ok {
			t.Fatal("the watch's channel closed while its context lasts")
		}
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no update came in 10s")
	}
	return engine.Update{}
}

// awaitRelayed publishes u on eng every 20 ms until it comes out of ch
// (a relay reconnecting misses updates, which the readers' rereads
// catch; this waits for the relay to be up again).
func awaitRelayed(t *testing.T, eng *fakeEngine, ch <-chan engine.Update, u engine.Update) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	eng.publish(u)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatal("the watch's channel closed while its context lasts")
			}
			if got.ExecutionArn == u.ExecutionArn && got.LastEventID == u.LastEventID {
				return
			}
		case <-tick.C:
			if time.Now().After(deadline) {
				t.Fatalf("update %+v of %s never came", u, eng.name)
			}
			eng.publish(u)
		}
	}
}

// closes fails unless ch is closed within 10 s (updates still in it are
// read).
func closes(t *testing.T, ch <-chan engine.Update) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the watch's channel was not closed 10s after its context ended")
		}
	}
}

// relaysStop fails unless the relays of rt and the streams the handlers
// serve all end.
func relaysStop(t *testing.T, rt *Router, hs ...*rpcHandler) {
	t.Helper()
	eventually(t, "the relays' goroutines to end", func() bool { return rt.running.Load() == 0 && rt.relays.Load() == 0 })
	for _, h := range hs {
		eventually(t, "the peers' watch streams to end", func() bool { return h.watches.Load() == 0 })
	}
}

func update(arn, status string, id int64) engine.Update {
	return engine.Update{ExecutionArn: arn, StateMachineArn: "sm", Status: status, LastEventID: id, Time: time.Unix(1764960000, 0).UTC()}
}

// An update committed on the node that runs an execution reaches a watch
// of it opened on another node, as soon as Watch has returned; the local
// engine's updates come too; the watch's end closes the channel and ends
// the relay, on both sides.
func TestWatchRelaysTheOwnersUpdates(t *testing.T) {
	_, a, b := pair(t)
	a.rt.relayCfg.first = 10 * time.Second // so that a loaded machine does not fail it
	onB := arnIn(b.eng.Owned().List()[0], "relayed")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := a.rt.Watch(ctx, onB)
	want := update(onB, workflow.StatusRunning, 4)
	b.eng.publish(want) // once: the relay is up when Watch returns
	if got := next(t, ch); got != want {
		t.Fatalf("relayed %+v, want %+v", got, want)
	}
	b.eng.publish(update(arnIn(b.eng.Owned().List()[0], "other"), workflow.StatusRunning, 1)) // not watched
	local := update(onB, workflow.StatusRunning, 5)
	a.eng.publish(local)
	if got := next(t, ch); got != local {
		t.Fatalf("got %+v, want the local engine's %+v", got, local)
	}
	cancel()
	closes(t, ch)
	relaysStop(t, a.rt, b.h)
	if n := b.eng.watchers(onB); n != 0 {
		t.Fatalf("b's engine still has %d watchers of the execution", n)
	}
}

// A watch of every execution sees the status changes of every node's
// executions, each once per status; all the watchers of a node share one
// stream per peer, opened with the first and closed with the last.
func TestWatchAllRelaysStatusChangesOnce(t *testing.T) {
	_, a, b := pair(t)
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	w1, w2 := a.rt.Watch(ctx1, ""), a.rt.Watch(ctx2, "")
	eventually(t, "b's engine to be watched for a", func() bool { return b.eng.watchers("") == 1 })
	x := arnIn(b.eng.Owned().List()[0], "x")
	y := arnIn(b.eng.Owned().List()[0], "y")
	z := arnIn(a.eng.Owned().List()[0], "z")
	for _, u := range []engine.Update{
		update(x, workflow.StatusRunning, 2),
		update(x, workflow.StatusRunning, 3), // no change of status: not relayed
		update(x, workflow.StatusSucceeded, 5),
		update(x, workflow.StatusRunning, 7), // redriven
		update(y, workflow.StatusRunning, 2),
	} {
		b.eng.publish(u)
	}
	a.eng.publish(update(z, workflow.StatusRunning, 2))
	for _, ch := range []<-chan engine.Update{w1, w2} {
		var got []string
		for len(got) < 5 {
			u := next(t, ch)
			got = append(got, fmt.Sprintf("%s %s %d", u.ExecutionArn[strings.LastIndex(u.ExecutionArn, ":")+1:], u.Status, u.LastEventID))
		}
		// The local update may come first or between (another path);
		// the relayed ones keep their order.
		var relayed []string
		hasZ := false
		for _, g := range got {
			if strings.HasPrefix(g, "z ") {
				hasZ = true
			} else {
				relayed = append(relayed, g)
			}
		}
		if !hasZ || fmt.Sprint(relayed) != "[x RUNNING 2 x SUCCEEDED 5 x RUNNING 7 y RUNNING 2]" {
			t.Fatalf("updates: %v", got)
		}
	}
	if n := b.h.watches.Load(); n != 1 {
		t.Fatalf("b serves %d watch streams for a's two watchers of every execution, want 1", n)
	}
	cancel1()
	closes(t, w1)
	b.eng.publish(update(y, workflow.StatusFailed, 4))
	if u := next(t, w2); u.ExecutionArn != y || u.Status != workflow.StatusFailed {
		t.Fatalf("after the first watcher left, the second got %+v", u)
	}
	cancel2()
	closes(t, w2)
	relaysStop(t, a.rt, b.h)
	// A new watcher starts the relays again.
	ctx3, cancel3 := context.WithCancel(context.Background())
	w3 := a.rt.Watch(ctx3, "")
	awaitRelayed(t, b.eng, w3, update(y, workflow.StatusRunning, 9))
	cancel3()
	closes(t, w3)
	relaysStop(t, a.rt, b.h)
}

// A watch follows its execution's partition when it moves to another
// node, and to this one.
func TestWatchFollowsAPartitionThatMoved(t *testing.T) {
	w := newWorld()
	a, b, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	settle(t, a, b, c)
	b.h.ownCheck = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := b.eng.Owned().List()[0]
	arn := arnIn(p, "moving")
	ch := a.rt.Watch(ctx, arn)
	awaitRelayed(t, b.eng, ch, update(arn, workflow.StatusRunning, 2))
	move := func(from, to *node) {
		from.eng.Release(ctx, partition.SetOf(p))
		member{w, from.name}.Release(ctx, p)
		member{w, to.name}.Acquire(ctx, p)
		to.eng.Acquire(ctx, partition.SetOf(p))
	}
	move(b, c)
	awaitRelayed(t, c.eng, ch, update(arn, workflow.StatusRunning, 3))
	eventually(t, "the relay from b to end", func() bool { return b.h.watches.Load() == 0 })
	move(c, a)
	awaitRelayed(t, a.eng, ch, update(arn, workflow.StatusRunning, 4))
	eventually(t, "the relay from c to end", func() bool { return c.h.watches.Load() == 0 && a.rt.relays.Load() == 0 })
	cancel()
	closes(t, ch)
	relaysStop(t, a.rt, b.h, c.h)
}

// hostile is a node that takes the watch's call and then says nothing
// more: it never answers (stall), answers its first line and then nothing
// (silent), or sends a line without end (flood).
func hostile(t *testing.T, mode string) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body) // then the server sees the caller go
		switch mode {
		case "silent":
			w.Write([]byte("{}\n"))
			w.(http.Flusher).Flush()
		case "flood":
			w.Write([]byte("{}\n"))
			chunk := []byte(strings.Repeat("x", 4096))
			for i := 0; i < 64 && r.Context().Err() == nil; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // first
	return srv, &calls
}

// A node that stops answering holds up neither Watch, nor the local
// engine's updates, nor the end of the watch; its relays try again.
func TestWatchOfAPeerThatStopsAnswering(t *testing.T) {
	for _, mode := range []string{"stall", "silent", "flood"} {
		t.Run(mode, func(t *testing.T) {
			w := newWorld()
			a := addNode(t, w, "a")
			settle(t, a)
			srv, calls := hostile(t, mode)
			const p = 5
			a.eng.Release(context.Background(), partition.SetOf(p))
			w.mu.Lock()
			w.addr["ghost"], w.holder[p] = srv.URL, "ghost"
			w.mu.Unlock()
			a.rt.relayCfg.connect, a.rt.relayCfg.idle, a.rt.relayCfg.first = 100*time.Millisecond, 150*time.Millisecond, 50*time.Millisecond
			a.rt.relayCfg.recheck, a.rt.relayCfg.retryMax = 50*time.Millisecond, 50*time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			arn := arnIn(p, "ghostly")
			returned := make(chan [2]<-chan engine.Update, 1)
			go func() { returned <- [2]<-chan engine.Update{a.rt.Watch(ctx, arn), a.rt.Watch(ctx, "")} }()
			var chs [2]<-chan engine.Update
			select {
			case chs = <-returned:
			case <-time.After(10 * time.Second):
				t.Fatal("Watch did not return")
			}
			local := update(arn, workflow.StatusRunning, 3)
			a.eng.publish(local)
			for _, ch := range chs {
				if got := next(t, ch); got != local {
					t.Fatalf("got %+v, want the local engine's update", got)
				}
			}
			// Both relays (one execution's, every execution's) called
			// again after the peer failed them.
			eventually(t, "the relays to call the silent node again", func() bool { return calls.Load() >= 4 })
			cancel()
			for _, ch := range chs {
				closes(t, ch)
			}
			relaysStop(t, a.rt)
		})
	}
}

// The watch op is refused, like every call, without the cluster's key;
// past its cap a node tells the caller to retry.
func TestWatchStreamsAreSignedAndBounded(t *testing.T) {
	_, a, b := pair(t)
	resp, err := http.Post(b.srv.URL+Path, "application/json", strings.NewReader(`{"op":"watch"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an unsigned watch: %s", resp.Status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A watch of an execution b does not run is refused as such.
	onA := arnIn(a.eng.Owned().List()[0], "x")
	if err := a.rt.rpc.watch(ctx, b.srv.URL, onA, time.Second, time.Second, func() {}, nil); !engine.IsNotOwner(err) {
		t.Fatalf("a watch of an execution b does not run: %v", err)
	}
	b.h.maxWatches = 1
	ch := a.rt.Watch(ctx, "")
	eventually(t, "b's engine to be watched for a", func() bool { return b.eng.watchers("") == 1 })
	err = a.rt.rpc.watch(ctx, b.srv.URL, "", time.Second, time.Second, func() { t.Error("a watch past the cap started") }, nil)
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("a watch past the cap: %v", err)
	}
	cancel()
	closes(t, ch)
	relaysStop(t, a.rt, b.h)
}

// A watch stream outlives its server's read and write timeouts (each line
// has its own write deadline), as the servers of a cluster set them.
func TestWatchStreamOutlivesTheServersTimeouts(t *testing.T) {
	_, a, b := pair(t)
	h := newHandler(b.eng, key)
	h.beat = 20 * time.Millisecond
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan engine.Update, 1)
	ended := make(chan error, 1)
	began := time.Now()
	go func() {
		ended <- a.rt.rpc.watch(ctx, srv.URL, "", time.Second, time.Second, func() {}, func(u engine.Update) { got <- u })
	}()
	eventually(t, "three times the server's timeouts to pass", func() bool {
		select {
		case err := <-ended:
			t.Fatalf("the stream ended after %v: %v", time.Since(began), err)
		default:
		}
		return time.Since(began) > 600*time.Millisecond
	})
	want := update(arnIn(b.eng.Owned().List()[0], "late"), workflow.StatusRunning, 2)
	b.eng.publish(want)
	if u := next(t, got); u != want {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	cancel()
	<-ended
}

// The watches of one execution share one relay: however many watch it,
// its owner serves one stream. Past relayCfg.max executions relayed, a
// watch of another has the local engine's updates only, opens no stream,
// and relays once a relay ends.
func TestWatchPastTheRelayCap(t *testing.T) {
	_, a, b := pair(t)
	a.rt.relayCfg.max = 1
	a.rt.relayCfg.retryMax = 50 * time.Millisecond
	a.rt.relayCfg.first = 10 * time.Second
	p := b.eng.Owned().List()[0]
	onB, other := arnIn(p, "shared"), arnIn(p, "capped")
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	ctx3, cancel3 := context.WithCancel(context.Background())
	defer cancel3()
	w1 := a.rt.Watch(ctx1, onB)
	w2 := a.rt.Watch(ctx2, onB)
	began := time.Now()
	w3 := a.rt.Watch(ctx3, other)
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("a watch past the cap waited %v for a relay", d)
	}
	want := update(onB, workflow.StatusRunning, 2)
	b.eng.publish(want)
	for _, ch := range []<-chan engine.Update{w1, w2} {
		if got := next(t, ch); got != want {
			t.Fatalf("a watch of the shared relay got %+v, want %+v", got, want)
		}
	}
	if n := b.h.watches.Load(); n != 1 || a.rt.relays.Load() != 1 {
		t.Fatalf("b serves %d streams, a has %d relays; want 1 and 1 (two watches of one execution, then the cap)", n, a.rt.relays.Load())
	}
	local := update(other, workflow.StatusRunning, 3)
	a.eng.publish(local)
	if got := next(t, w3); got != local {
		t.Fatalf("got %+v, want the local engine's %+v", got, local)
	}
	cancel1()
	closes(t, w1)
	awaitRelayed(t, b.eng, w2, update(onB, workflow.StatusRunning, 4)) // the relay stays for w2
	cancel2()
	closes(t, w2)
	awaitRelayed(t, b.eng, w3, update(other, workflow.StatusRunning, 5)) // the slot is free
	cancel3()
	closes(t, w3)
	relaysStop(t, a.rt, b.h)
}
