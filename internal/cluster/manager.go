package cluster

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/partition"
)

// Member is this node's membership of the cluster in the store
// (*postgres.Member): the leases of the partitions it owns.
type Member interface {
	Acquire(ctx context.Context, p int) (bool, error)
	Release(ctx context.Context, p int) error
	Held() partition.Set
}

// Manager keeps this node's share of the partitions: each partition goes
// to the live node that ranks highest for it (rendezvous hashing), so that
// a node joining or leaving moves only the partitions it gains or loses.
//
// A partition moves only when its owner gives it up: the owner releases
// the ones another live node ranks higher for once none of their built-in
// tasks runs (a step's process is never killed to rebalance), and the
// other takes them. A partition nobody holds (its owner died: its session
// ended and the database freed its lock) goes to the live node that ranks
// highest, or, if that node does not take it within a few rounds, to any.
type Manager struct {
	self   string
	member Member
	dir    Directory
	eng    Engine
	log    *slog.Logger
	every  time.Duration

	// OnTaking is told of partitions once their leases are held, before
	// the engine resumes them; OnTaken once the engine runs them; OnGiving
	// before their leases are given back (or, when a commit found them
	// lost, once the engine dropped them). Set them before Run.
	OnTaking, OnTaken, OnGiving func(partition.Set)

	mu       sync.Mutex // serialises rounds and Drain
	draining bool
	freeFor  [partition.Count]int // rounds a partition was seen without a live owner
	// A partition taken because the node ranking first for it did not
	// take it is kept until round keepUntil, a span doubling each time
	// (keepFor), so that a live node that takes nothing does not make it
	// bounce.
	round     int
	keepUntil [partition.Count]int
	keepFor   [partition.Count]int
	kick      chan struct{}
}

// NewManager returns the manager of this node (self: its holder name),
// running a round every `every` (default 1s).
func NewManager(self string, member Member, dir Directory, eng Engine, every time.Duration, log *slog.Logger) *Manager {
	if every <= 0 {
		every = time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Manager{self: self, member: member, dir: dir, eng: eng, log: log, every: every, kick: make(chan struct{}, 1)}
}

// Run runs rounds until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		if err := m.Round(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("cluster: dividing the partitions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.kick:
		}
	}
}

// Kick runs a round soon (a commit found partitions lost).
func (m *Manager) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// orphanRounds is how many rounds a partition without a live owner waits
// for the node that ranks highest before any node takes it.
const orphanRounds = 3

// minKeepRounds and maxKeepRounds bound how long an orphan taken in place
// of the node ranking first for it is kept.
const (
	minKeepRounds = 30
	maxKeepRounds = 3600
)

// maxMovesPerRound bounds the partitions given up in one round, so that a
// joining node's share arrives in steps rather than all at once.
const maxMovesPerRound = 8

// Round takes the partitions this node should own and nobody holds, and
// gives up the idle ones another live node should own.
func (m *Manager) Round(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.draining {
		return nil
	}
	nodes, err := m.dir.Nodes(ctx)
	if err != nil {
		return err
	}
	live := []string{m.self}
	for _, n := range nodes {
		if n.Holder != m.self {
			live = append(live, n.Holder)
		}
	}
	owners, err := m.dir.Owners(ctx)
	if err != nil {
		return err
	}
	held := m.member.Held()
	m.round++
	var take, give, stale partition.Set
	busy := m.eng.Busy()
	for _, o := range owners {
		p := o.Part
		if p < 0 || p >= partition.Count {
			continue
		}
		best := Rank(p, live)
		switch {
		case held.Has(p):
			if best != m.self && !busy.Has(p) && m.round >= m.keepUntil[p] && give.Len() < maxMovesPerRound {
				give = give.With(p)
			}
		case o.Holder == m.self:
			// Its lock is still taken but its lease no longer held: a
			// release failed half-way. Nobody else can take it.
			stale = stale.With(p)
		case o.Holder == "":
			m.freeFor[p]++
			switch {
			case best == m.self:
				take = take.With(p)
			case m.freeFor[p] > orphanRounds:
				take = take.With(p)
				m.keepFor[p] = min(max(2*m.keepFor[p], minKeepRounds), maxKeepRounds)
				m.keepUntil[p] = m.round + m.keepFor[p]
			}
		default:
			m.freeFor[p] = 0
		}
	}
	if stale &^= m.eng.Owned(); stale != 0 {
		m.release(ctx, stale)
	}
	if give != 0 {
		m.giveUp(ctx, give)
	}
	if take != 0 {
		m.takeOver(ctx, take)
	}
	return nil
}

// takeOver takes the leases of the partitions it can, then hands them to
// the engine, which resumes their executions.
func (m *Manager) takeOver(ctx context.Context, want partition.Set) {
	var got partition.Set
	for _, p := range want.List() {
		if ctx.Err() != nil {
			break // the node drains: what is taken is handed back
		}
		ok, err := m.member.Acquire(ctx, p)
		if err != nil {
			m.log.Warn("cluster: taking a partition's lease", "partition", p, "err", err)
			continue
		}
		if ok {
			got = got.With(p)
			m.freeFor[p] = 0
		}
	}
	if got == 0 {
		return
	}
	start := time.Now()
	if m.OnTaking != nil {
		m.OnTaking(got)
	}
	if err := m.eng.Acquire(ctx, got); err != nil {
		m.log.Error("cluster: resuming the executions of partitions; giving them back", "partitions", got.List(), "err", err)
		m.release(ctx, got)
		return
	}
	if m.OnTaken != nil {
		m.OnTaken(got)
	}
	m.log.Info("cluster: took partitions", "partitions", got.List(), "owned", m.eng.Owned().Len(), "took", time.Since(start).Round(time.Millisecond))
}

// giveUp stops the engine's work on the partitions, then gives back their
// leases.
func (m *Manager) giveUp(ctx context.Context, parts partition.Set) {
	// A built-in task may have been scheduled since Busy was read: the
	// engine keeps such partitions, atomically with its check.
	idle, err := m.eng.ReleaseIdle(ctx, parts)
	if err != nil {
		m.log.Warn("cluster: stopping the work of partitions", "partitions", parts.List(), "err", err)
		return
	}
	if idle == 0 {
		return
	}
	if m.OnGiving != nil {
		m.OnGiving(idle) // before another node can take them
	}
	m.release(ctx, idle)
	m.log.Info("cluster: gave partitions to the nodes that rank higher", "partitions", idle.List(), "owned", m.eng.Owned().Len())
}

func (m *Manager) release(ctx context.Context, parts partition.Set) {
	for _, p := range parts.List() {
		if err := m.member.Release(ctx, p); err != nil {
			m.log.Warn("cluster: giving back a partition's lease", "partition", p, "err", err)
		}
	}
}

// Lost is told of partitions whose lease a commit found taken (the engine
// already dropped them): their leases are given back.
func (m *Manager) Lost(parts partition.Set) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Not while a round takes partitions; and not those a round took
		// again since (the engine dropped these before telling): a fresh
		// lease, and the bus with partition 0.
		m.mu.Lock()
		if parts &^= m.eng.Owned(); parts != 0 {
			if m.OnGiving != nil {
				m.OnGiving(parts)
			}
			m.release(ctx, parts&m.member.Held())
		}
		m.mu.Unlock()
		m.Kick()
	}()
}

// Drain gives every partition back at once (a graceful stop): the engine
// stops their work, then the other nodes take them in their next round.
// No partition is taken after it.
func (m *Manager) Drain(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.draining = true
	held := m.member.Held()
	// The engine may run partitions whose leases are gone (the member's
	// session failed): their work stops too, and the bus with them.
	parts := held | m.eng.Owned()
	if parts == 0 {
		return
	}
	if m.OnGiving != nil {
		m.OnGiving(parts)
	}
	if lost := parts &^ held; lost != 0 {
		// Their commits are refused: only their work is stopped, without
		// waiting long for a batch the store may not answer.
		lctx, cancel := context.WithTimeout(ctx, lostDrainWait)
		_ = m.eng.Release(lctx, lost)
		cancel()
	}
	if held != 0 {
		if err := m.eng.Release(ctx, held); err != nil {
			m.log.Warn("cluster: stopping the work of this node's partitions", "err", err)
		}
		m.release(ctx, held)
	}
	m.log.Info("cluster: handed over this node's partitions", "partitions", held.Len())
}

// lostDrainWait bounds Drain's wait for the work of partitions whose
// leases were lost.
const lostDrainWait = 2 * time.Second

// Rank is the node of nodes that ranks highest for partition p
// (rendezvous hashing); "" when nodes is empty.
func Rank(p int, nodes []string) string {
	var best string
	var bestScore uint64
	for _, n := range nodes {
		h := fnv.New64a()
		h.Write([]byte(n))
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(p))
		h.Write(b[:])
		s := mix(h.Sum64())
		if best == "" || s > bestScore || s == bestScore && n < best {
			best, bestScore = n, s
		}
	}
	return best
}

// mix spreads the bits of an FNV hash (its high bits vary little with the
// last bytes), as in SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
