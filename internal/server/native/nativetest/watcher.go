package nativetest

import (
	"context"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/engine"
)

// Watcher delivers updates to subscribers as the engine's Watch does.
type Watcher struct {
	mu   sync.Mutex
	subs map[*sub]struct{}
}

type sub struct {
	arn string
	ch  chan engine.Update
}

// Watch returns the updates of arn ("" for all) until ctx ends.
func (w *Watcher) Watch(ctx context.Context, arn string) <-chan engine.Update {
	s := &sub{arn: arn, ch: make(chan engine.Update, 1024)}
	w.mu.Lock()
	if w.subs == nil {
		w.subs = map[*sub]struct{}{}
	}
	w.subs[s] = struct{}{}
	w.mu.Unlock()
	go func() {
		<-ctx.Done()
		w.mu.Lock()
		delete(w.subs, s)
		close(s.ch)
		w.mu.Unlock()
	}()
	return s.ch
}

// Watchers returns how many subscriptions are open.
func (w *Watcher) Watchers() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.subs)
}

// Publish sends an update to the subscribers of the execution; a full
// subscriber misses it.
func (w *Watcher) Publish(arn, smArn, status string, lastEventID int64) {
	u := engine.Update{ExecutionArn: arn, StateMachineArn: smArn, Status: status, LastEventID: lastEventID, Time: time.Now()}
	w.mu.Lock()
	defer w.mu.Unlock()
	for s := range w.subs {
		if s.arn == "" || s.arn == arn {
			select {
			case s.ch <- u:
			default:
			}
		}
	}
}
