package engine

import (
	"context"
	"sync"
	"time"
)

// Update tells a watcher that an execution changed: it has new history
// events up to LastEventID, or a new status.
type Update struct {
	ExecutionArn    string
	StateMachineArn string
	Status          string
	LastEventID     int64
	Time            time.Time
}

// watchers are the subscribers of live updates (server-sent events).
type watchers struct {
	mu   sync.Mutex
	n    int
	subs map[*watcher]struct{}
}

type watcher struct {
	arn string // "" for every execution
	ch  chan Update
}

// Watch returns the updates of one execution (or of all when arn is ""),
// from now until ctx ends, when the channel is closed. Updates are stored
// before they are sent. A watcher that falls 1,024 updates behind misses
// some; each update carries the latest event id, so a reader of the history
// catches up with the next one.
func (e *Engine) Watch(ctx context.Context, arn string) <-chan Update {
	w := &watcher{arn: arn, ch: make(chan Update, 1024)}
	e.watch.mu.Lock()
	if e.watch.subs == nil {
		e.watch.subs = map[*watcher]struct{}{}
	}
	e.watch.subs[w] = struct{}{}
	e.watch.n++
	e.watch.mu.Unlock()
	go func() {
		<-ctx.Done()
		e.watch.mu.Lock()
		delete(e.watch.subs, w)
		e.watch.n--
		close(w.ch)
		e.watch.mu.Unlock()
	}()
	return w.ch
}

// publish tells the watchers what a stored batch changed. It reads the
// rows as stored (later transitions of an execution may already be in
// memory), and looks for watchers only now, so that one that subscribed
// while the batch was in flight still hears of it.
func (e *Engine) publish(b *batch) {
	e.watch.mu.Lock()
	defer e.watch.mu.Unlock()
	if e.watch.n == 0 {
		return
	}
	now := e.clk.Now()
	for _, tr := range b.trs {
		x := tr.Execution
		if b.bad[x.Arn] != nil {
			continue
		}
		u := Update{ExecutionArn: x.Arn, StateMachineArn: x.StateMachineArn, Status: x.Status, LastEventID: x.EventCount, Time: now}
		for w := range e.watch.subs {
			if w.arn == "" || w.arn == u.ExecutionArn {
				select {
				case w.ch <- u:
				default:
				}
			}
		}
	}
}
