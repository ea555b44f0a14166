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

// publish queues an update of l for after the commit. Whether anyone
// watches is checked then, not now: a watcher that subscribes meanwhile
// (and read the store before this commit) must still hear of it.
func (e *Engine) publish(l *live) {
	u := Update{ExecutionArn: l.arn, StateMachineArn: l.row.StateMachineArn, Status: l.row.Status, LastEventID: l.row.EventCount, Time: e.clk.Now()}
	e.afterCommit(l, func(err error) {
		if err != nil {
			return
		}
		e.watch.mu.Lock()
		if e.watch.n == 0 {
			e.watch.mu.Unlock()
			return
		}
		for w := range e.watch.subs {
			if w.arn == "" || w.arn == u.ExecutionArn {
				select {
				case w.ch <- u:
				default:
				}
			}
		}
		e.watch.mu.Unlock()
	})
}
