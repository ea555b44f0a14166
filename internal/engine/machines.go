package engine

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/store"
)

// machineCache compiles each definition once per type.
type machineCache struct {
	mu   sync.Mutex
	opts asl.Options
	exp  time.Duration
	m    map[[32]byte]*asl.Machine
}

func (c *machineCache) init(cfg Config) {
	c.m = map[[32]byte]*asl.Machine{}
	c.exp = cfg.ExpressTimeout
	c.opts = asl.Options{MaxPayloadBytes: cfg.MaxPayloadBytes, Limits: cfg.Limits}
	if cfg.MaxHistoryEvents > 0 {
		c.opts.MaxHistoryEvents = cfg.MaxHistoryEvents
	}
}

// get returns the compiled machine of a definition.
func (c *machineCache) get(def, typ string) (*asl.Machine, error) {
	key := sha256.Sum256([]byte(typ + "\x00" + def))
	c.mu.Lock()
	m, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	d, err := asl.Parse([]byte(def))
	if err != nil {
		return nil, err
	}
	opts := c.opts
	if typ == store.TypeExpress {
		// Express executions keep no history and end after five minutes.
		opts.NoHistory = true
		opts.MaxHistoryEvents = 0
		limit := int64(c.exp / time.Second)
		if d.TimeoutSeconds == nil || *d.TimeoutSeconds > limit {
			d.TimeoutSeconds = &limit
		}
	}
	m, err = asl.Compile(d, opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		clear(c.m) // a crude bound; definitions are few in practice
	}
	c.m[key] = m
	c.mu.Unlock()
	return m, nil
}

// recentNames remembers the executions started in the last minutes, so that
// a duplicate name cannot slip between the store check and the loop.
type recentNames struct {
	set   map[string]struct{}
	order []recentName
}

type recentName struct {
	arn string
	at  time.Time
}

const recentWindow = 30 * time.Second

func (r *recentNames) add(arn string, now time.Time) {
	if r.set == nil {
		r.set = map[string]struct{}{}
	}
	for len(r.order) > 0 && now.Sub(r.order[0].at) > recentWindow {
		delete(r.set, r.order[0].arn)
		r.order = r.order[1:]
	}
	r.set[arn] = struct{}{}
	r.order = append(r.order, recentName{arn, now})
}

func (r *recentNames) has(arn string) bool {
	_, ok := r.set[arn]
	return ok
}
