package events

// SyncBuckets makes a list buckets in its tick, so that a test on a fake
// clock knows when a listing was recorded.
func SyncBuckets(a *Arrivals) { a.syncBuckets = true }

// SyncGroupBuckets is SyncBuckets for every member of g.
func SyncGroupBuckets(g *ArrivalsGroup) {
	for _, m := range g.members {
		m.syncBuckets = true
	}
}
