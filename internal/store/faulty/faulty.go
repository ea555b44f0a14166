// Package faulty wraps a store.Store and fails its calls on demand, the
// way a full disk or a damaged database fails the real one: tests of the
// engine and the server use it to reach the store's failure paths in
// milliseconds, without a small filesystem.
package faulty

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/batonhq/baton/internal/store"
)

// Errors like those store/sqlite returns, wrapping the same sentinels.
var (
	// ErrFull is a write refused for a full disk (SQLITE_FULL).
	ErrFull = fmt.Errorf("%w: the disk is full: database or disk is full (SQLITE_FULL, injected)", store.ErrUnavailable)
	// ErrCorrupt is a read that met a damaged page (SQLITE_CORRUPT).
	ErrCorrupt = fmt.Errorf("%w: database disk image is malformed (SQLITE_CORRUPT, injected)", store.ErrDamaged)
)

// Store is a store.Store whose Commit and GetExecution fail while a fault
// is set. The zero faults pass every call through.
type Store struct {
	store.Store

	mu       sync.Mutex
	commit   error
	get      error
	getOnly  map[string]bool // when non-empty, get fails only for these ARNs
	commits  atomic.Int64    // Commit calls that failed
	attempts atomic.Int64    // Commit calls
	gets     atomic.Int64    // GetExecution calls that failed
}

// New wraps s.
func New(s store.Store) *Store { return &Store{Store: s} }

// FailCommits makes every Commit fail with err until called with nil.
func (f *Store) FailCommits(err error) {
	f.mu.Lock()
	f.commit = err
	f.mu.Unlock()
}

// FailGets makes GetExecution fail with err, for the given ARNs only when
// some are given, until called with a nil err.
func (f *Store) FailGets(err error, arns ...string) {
	f.mu.Lock()
	f.get = err
	f.getOnly = map[string]bool{}
	for _, a := range arns {
		f.getOnly[a] = true
	}
	f.mu.Unlock()
}

// Failed is the number of Commit calls that failed with an injected fault;
// Attempts counts every Commit call; FailedGets the GetExecution calls
// that failed.
func (f *Store) Failed() int64     { return f.commits.Load() }
func (f *Store) Attempts() int64   { return f.attempts.Load() }
func (f *Store) FailedGets() int64 { return f.gets.Load() }

// Commit fails with the injected fault, storing nothing, or stores batch.
func (f *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	f.attempts.Add(1)
	f.mu.Lock()
	err := f.commit
	f.mu.Unlock()
	if err != nil {
		f.commits.Add(1)
		return err
	}
	return f.Store.Commit(ctx, batch)
}

// GetExecution fails with the injected fault or reads the execution.
func (f *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	f.mu.Lock()
	err := f.get
	if len(f.getOnly) > 0 && !f.getOnly[arn] {
		err = nil
	}
	f.mu.Unlock()
	if err != nil {
		f.gets.Add(1)
		return nil, fmt.Errorf("execution %q: %w", arn, err)
	}
	return f.Store.GetExecution(ctx, arn)
}

// Health reports the injected commit fault (as the SQLite store reports a
// failing write) or the wrapped store's own health when it has one.
func (f *Store) Health(ctx context.Context) error {
	f.mu.Lock()
	err := f.commit
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if h, ok := f.Store.(store.Health); ok {
		return h.Health(ctx)
	}
	return nil
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)
