package notify

import (
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
)

// Group is the notifier of a cluster node: one member per cluster
// partition (partition.Count), each deciding for the workflows of its
// partition under its own consumer name (MemberName(ConsumerName, p)).
// They share the node's Delivery, so that a destination is paced once per
// node, and the cache of the workflows' settings. A member's
// notifications are delivered here from its consumer's Load to its
// Unload (the bus owns and disowns it); Run, Reload, Running, Failed,
// Retry, Test, Current, Status and the Delivery's fields (OnResult,
// GiveUp, MaxBackoff, ...) are the shared Delivery's, over every member.
type Group struct {
	*Delivery
	members []*Notifier
	cat     *catalog
}

// NewGroup returns the members of a notifier split by cluster partition;
// o.Partitioned and o.Partition are set for each.
func NewGroup(o Options, senders map[string]Sender) *Group {
	o = o.defaults()
	o.Partitioned = true
	slots := make([]*slot, partition.Count)
	for p := range slots {
		slots[p] = newSlot(events.MemberName(ConsumerName, p), p)
	}
	g := &Group{Delivery: newDeliveryOf(o.Store, senders, o.Log, o.Clock, true, slots), cat: newCatalog()}
	decoded := &decodedEvents{}
	for p, s := range slots {
		mo := o
		mo.Partition = p
		m := newNotifier(mo, g.Delivery, s, g.cat)
		m.decoded = decoded
		g.members = append(g.members, m)
	}
	return g
}

// Member returns the consumer of partition p (for events.Bus.RegisterGroup).
func (g *Group) Member(p int) events.Consumer { return g.members[p].Consumer() }

// Changed forgets what the members read of workflows' settings: call it
// when workflows are deployed, updated or deleted, or settings change.
func (g *Group) Changed() { g.cat.reset() }
