package engine

import (
	"container/heap"
	"slices"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// timerHeap holds every armed timer of every execution, earliest first.
// Entries are small: an idle execution waiting on a timer costs one entry.
type timerHeap struct {
	items []*timerItem
	index map[timerKey]*timerItem
}

type timerKey struct{ arn, id string }

type timerItem struct {
	at  time.Time
	key timerKey
	pos int
}

func (h *timerHeap) Len() int { return len(h.items) }
func (h *timerHeap) Less(i, j int) bool {
	return h.items[i].at.Before(h.items[j].at)
}
func (h *timerHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].pos, h.items[j].pos = i, j
}
func (h *timerHeap) Push(x any) {
	it := x.(*timerItem)
	it.pos = len(h.items)
	h.items = append(h.items, it)
}
func (h *timerHeap) Pop() any {
	n := len(h.items) - 1
	it := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	return it
}

// add arms (or re-arms) a timer.
func (h *timerHeap) add(arn, id string, at time.Time) {
	if h.index == nil {
		h.index = map[timerKey]*timerItem{}
	}
	k := timerKey{arn, id}
	if it, ok := h.index[k]; ok {
		it.at = at
		heap.Fix(h, it.pos)
		return
	}
	it := &timerItem{at: at, key: k}
	h.index[k] = it
	heap.Push(h, it)
}

// remove disarms a timer; unknown ones are ignored.
func (h *timerHeap) remove(arn, id string) {
	k := timerKey{arn, id}
	if it, ok := h.index[k]; ok {
		heap.Remove(h, it.pos)
		delete(h.index, k)
	}
}

// removeAll disarms the timers an ended execution still listed.
func (h *timerHeap) removeAll(arn string, x workflow.Instance) {
	x.Timers(func(id string) { h.remove(arn, id) })
}

// next returns the earliest timer.
func (h *timerHeap) next() (*timerItem, bool) {
	if len(h.items) == 0 {
		return nil, false
	}
	return h.items[0], true
}

// fireTimers applies every timer that is due. The timers of one execution
// that fall due together (the Wait states of a Parallel's branches) are
// applied in one call and stored in one transition: one snapshot for all of
// them, not one each, which made a wide Parallel quadratic.
func (e *Engine) fireTimers() {
	now := e.clk.Now()
	due := map[string][]string{}
	var order []string
	for {
		it, ok := e.timers.next()
		if !ok || it.at.After(now) {
			break
		}
		heap.Pop(&e.timers)
		delete(e.timers.index, it.key)
		arn := it.key.arn
		if _, ok := due[arn]; !ok {
			order = append(order, arn)
		}
		due[arn] = append(due[arn], it.key.id)
	}
	for _, arn := range order {
		e.fire(arn, due[arn])
	}
}

// fire applies timers of one execution, in the order they fell due.
func (e *Engine) fire(arn string, ids []string) {
	e.withExec(arn, func(l *live, err error) {
		if l == nil || done(l.x) {
			return
		}
		ids := slices.DeleteFunc(ids, func(id string) bool { return id == continueTimer })
		if len(ids) == 0 {
			return // a run cut into slices continues once loaded (settle)
		}
		now := e.clk.Now()
		tr := &store.Transition{DeleteTimers: ids}
		e.step(l, now, tr, func(out *workflow.Output) error {
			for _, id := range ids {
				l.x.Apply(workflow.TimerFired{TimerID: id}, now, out)
			}
			return nil
		}, nil)
	})
}

// resetWake points the wake-up timer at the earliest timer.
func (e *Engine) resetWake() {
	it, ok := e.timers.next()
	if !ok {
		if e.wake != nil {
			e.wake.Stop()
			e.wake = nil
		}
		return
	}
	if e.wake != nil && e.wakeAt.Equal(it.at) {
		return
	}
	if e.wake != nil {
		e.wake.Stop()
	}
	e.wakeAt = it.at
	e.wake = e.clk.NewTimer(it.at.Sub(e.clk.Now()))
}
