// Package partition places executions in the partitions of a cluster.
//
// A cluster divides its work into Count partitions, as Temporal divides
// its history into shards. One node at a time owns a partition (a lease
// in the store with a fencing token) and runs the executions placed in it.
//
// An execution is placed by its workflow: the region, account and state
// machine name of its ARN. All the runs of one workflow live in one
// partition, so that its workflow-level state (the max_active_runs queue,
// its schedules and the consumption of its triggers) has one owner and
// needs no coordination between nodes. The cost: one workflow's runs share
// one node. The placement must never change for an existing execution:
// Count and Of are part of the stored format.
package partition

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"strings"
)

// Count is the fixed number of partitions.
const Count = 64

// Key is what places an execution, state machine, version or alias ARN:
// its region, account and state machine name. Anything else (a malformed
// ARN) is its own key.
func Key(arn string) string {
	// arn:aws:states:REGION:ACCOUNT:TYPE:NAME[:...]
	f := strings.SplitN(arn, ":", 8)
	if len(f) < 7 || f[0] != "arn" {
		return arn
	}
	return f[3] + ":" + f[4] + ":" + f[6]
}

// Of is the partition of an ARN, in [0, Count).
func Of(arn string) int {
	h := fnv.New32a()
	h.Write([]byte(Key(arn)))
	return int(h.Sum32() % Count)
}

// Set is a set of partitions.
type Set uint64

// All is every partition.
const All Set = 1<<Count - 1

// SetOf is the set of the partitions listed.
func SetOf(parts ...int) Set {
	var s Set
	for _, p := range parts {
		s = s.With(p)
	}
	return s
}

// Has reports whether p is in s.
func (s Set) Has(p int) bool { return p >= 0 && p < Count && s&(1<<p) != 0 }

// With is s with p.
func (s Set) With(p int) Set {
	if p < 0 || p >= Count {
		return s
	}
	return s | 1<<p
}

// Without is s without p.
func (s Set) Without(p int) Set {
	if p < 0 || p >= Count {
		return s
	}
	return s &^ (1 << p)
}

// Len is the number of partitions in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// List is the partitions of s, in order.
func (s Set) List() []int {
	var out []int
	for p := 0; p < Count; p++ {
		if s.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

// String writes s as ranges: "0-15,32,40-63" ("" when empty).
func (s Set) String() string {
	var b strings.Builder
	for p := 0; p < Count; p++ {
		if !s.Has(p) {
			continue
		}
		q := p
		for q+1 < Count && s.Has(q+1) {
			q++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if q > p {
			fmt.Fprintf(&b, "%d-%d", p, q)
		} else {
			fmt.Fprintf(&b, "%d", p)
		}
		p = q
	}
	return b.String()
}
