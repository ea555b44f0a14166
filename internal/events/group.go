package events

import (
	"context"
	"fmt"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// MemberName is the consumer name of a group's member for cluster
// partition p ("triggers@07").
func MemberName(name string, p int) string { return fmt.Sprintf("%s@%02d", name, p) }

// group is a consumer split by cluster partition (RegisterGroup).
type group struct {
	name    string
	members [partition.Count]Consumer
	// run is the runner of each partition's member while it runs; last,
	// the latest started, which a new one waits for (it may be stopping).
	run, last [partition.Count]*runner
}

// RegisterGroup adds a consumer split by cluster partition: member(p)
// returns partition p's consumer (the bus sets its Name to MemberName(name,
// p)). Members run only while owned (Own). Call before Run.
func (b *Bus) RegisterGroup(name string, member func(p int) Consumer) {
	g := &group{name: name}
	for p := range partition.Count {
		g.members[p] = member(p)
		g.members[p].Name = MemberName(name, p)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.groups = append(b.groups, g)
}

// Own runs the members of parts of every group (each loads its cursors,
// state and intents; a member with no stored cursors starts at the end of
// the outbox). Safe to call before Run (they start when Run starts) and
// while it runs; owning an owned partition is a no-op, except that it
// starts again a member stopped by the fence (Options.OnLost).
func (b *Bus) Own(parts partition.Set) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.owned |= parts
	b.lost &^= parts
	if b.runCtx == nil {
		return
	}
	for _, p := range parts.List() {
		for _, g := range b.groups {
			if r := g.run[p]; r == nil || r.stopped() {
				b.startMember(g, p)
			}
		}
	}
}

// PrepareMembers gives the members of parts that never ran (no stored
// cursors) cursors at the end of the outbox now. Call it once their
// partitions' leases are held and before the engine resumes their
// executions: the events that resuming commits are then read by the
// members, where a member started later at the end would pass over them.
func (b *Bus) PrepareMembers(ctx context.Context, parts partition.Set) error {
	b.mu.Lock()
	groups := append([]*group(nil), b.groups...)
	b.mu.Unlock()
	var last int64 = -1
	for _, p := range parts.List() {
		for _, g := range groups {
			name := MemberName(g.name, p)
			cur, err := b.st.Cursors(ctx, name)
			if err != nil {
				return err
			}
			if len(cur) > 0 || g.members[p].Handle == nil {
				continue
			}
			if last < 0 {
				if last, err = b.st.LastOutboxSeq(ctx); err != nil {
					return err
				}
			}
			c := &store.ConsumerCommit{Consumer: name, Fenced: true, Partition: p, Cursors: map[int]int64{}}
			for op := 0; op < store.OutboxPartitions; op++ {
				c.Cursors[op] = last
			}
			if err := b.st.CommitConsumer(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Disown stops the members of parts and returns once they have stopped:
// no Handle/Tick/Act of theirs runs any more, their unsaved cursors were
// saved (best effort), Unload was called.
func (b *Bus) Disown(parts partition.Set) {
	b.mu.Lock()
	b.owned &^= parts
	b.lost &^= parts
	var stop []*runner
	for _, p := range parts.List() {
		for _, g := range b.groups {
			if r := g.run[p]; r != nil {
				stop = append(stop, r)
				g.run[p] = nil
			}
		}
	}
	b.mu.Unlock()
	for _, r := range stop {
		r.cancel()
	}
	for _, r := range stop {
		<-r.done
	}
}

// startMember runs g's member of partition p until Disown or the end of
// Run, once the one started before has stopped. b.mu is held; Run runs.
func (b *Bus) startMember(g *group, p int) {
	ctx, cancel := context.WithCancel(b.runCtx)
	r := &runner{bus: b, c: g.members[p], wake: make(chan struct{}, 1), group: g.name, part: p, fenced: true,
		cancel: cancel, done: make(chan struct{})}
	prev := g.last[p]
	g.run[p], g.last[p] = r, r
	b.members.Add(1)
	go func() {
		defer b.members.Done()
		if prev != nil {
			<-prev.done
		}
		r.run(ctx)
		cancel()
		close(r.done)
		if r.lost {
			b.memberLost(p)
		}
	}()
}

// memberLost tells Options.OnLost, once per partition until it is owned or
// disowned again, that a member's commit was refused by the fence.
func (b *Bus) memberLost(p int) {
	b.mu.Lock()
	first := !b.lost.Has(p)
	b.lost = b.lost.With(p)
	b.mu.Unlock()
	if first && b.onLost != nil {
		b.onLost(partition.SetOf(p))
	}
}

// stopped reports whether a member's runner has returned.
func (r *runner) stopped() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// running calls fn for every consumer running or about to: the consumers
// registered and the members of the partitions owned. b.mu is held.
func (b *Bus) running(fn func(r *runner)) {
	for _, r := range b.consumers {
		fn(r)
	}
	for _, g := range b.groups {
		for _, p := range b.owned.List() {
			if r := g.run[p]; r != nil {
				fn(r)
			}
		}
	}
}
