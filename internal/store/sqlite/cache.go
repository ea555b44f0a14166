package sqlite

// execRef is what the write path needs to know of an execution: its
// surrogate key, the id of its last event and its status.
type execRef struct {
	id     int64
	events int64
	status string
}

// maxCached bounds the cache; past it the cache starts over (a miss costs
// one indexed SELECT).
const maxCached = 1 << 20

// execCache maps the ARNs of running executions to their execRef so that
// Commit needs no SELECT for them. It holds only committed state and is
// guarded by Store.wmu. Only closed executions are deleted (and dropped
// from the cache by the delete, under the same lock) and ids never change,
// so an entry can only be stale in its event count, which only Commit
// changes, under the same lock.
type execCache struct {
	m map[string]execRef
}

func (c *execCache) init() { c.m = make(map[string]execRef) }

func (c *execCache) get(arn string) (execRef, bool) {
	r, ok := c.m[arn]
	return r, ok
}

// merge publishes the refs of a committed batch. Executions that are no
// longer RUNNING leave the cache: they rarely change again.
func (c *execCache) merge(local map[string]execRef) {
	if len(c.m)+len(local) > maxCached {
		c.m = make(map[string]execRef)
	}
	for arn, r := range local {
		if r.status == "RUNNING" {
			c.m[arn] = r
		} else {
			delete(c.m, arn)
		}
	}
}
