// Package retrying is a decorator of store.Store that repeats the calls
// failed by a passing failure of the store (a lock held too long, a full
// disk, an I/O error: errors wrapping store.ErrUnavailable), with bounded
// exponential back-off on an injected clock.
//
// Reads are repeated freely. A write is repeated only when the store says
// it had no effect (store.ErrNoEffect: its transaction was rolled back), so
// that a retry never applies a write twice. Refusals (ErrExists,
// ErrNotFound, ErrConflict), a damaged database and a done context are
// returned at once.
package retrying

import (
	"context"
	"errors"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/store"
)

// Policy says how often and how long to retry. Zero fields take the
// defaults of Default.
type Policy struct {
	// Attempts bounds the calls made for one operation (the first one
	// included); 0 takes the default, a negative value retries until the
	// call passes or its context is done.
	Attempts int
	// First is the wait before the first retry; each wait doubles up to Max.
	First, Max time.Duration
	// Retryable, when set, decides alone which failures are retried
	// (the engine retries every failure of a Commit, which is all or
	// nothing by contract, until the store passes).
	Retryable func(op string, err error) bool
	// OnRetry, when set, is told of every failure about to be retried, with
	// the attempt that failed (1, 2, ...) and the wait before the next.
	OnRetry func(op string, attempt int, err error, wait time.Duration)
	// Clock times the waits (default clock.Real).
	Clock clock.Clock
}

// Default is the policy of the server's store: a few quick retries, for
// failures that pass in milliseconds (a lock, a checkpoint); a longer
// outage surfaces to the caller (a 503 that says why).
var Default = Policy{Attempts: 4, First: 10 * time.Millisecond, Max: 200 * time.Millisecond}

// Store is a store.Store whose calls are retried as its Policy says.
type Store struct {
	store.Store
	p Policy
}

// New wraps s.
func New(s store.Store, p Policy) *Store {
	if p.Attempts == 0 {
		p.Attempts = Default.Attempts
	}
	if p.First <= 0 {
		p.First = Default.First
	}
	if p.Max < p.First {
		p.Max = max(Default.Max, p.First)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	return &Store{Store: s, p: p}
}

// Unwrap returns the decorated store.
func (s *Store) Unwrap() store.Store { return s.Store }

// kind tells whether an operation may be repeated after any passing failure.
type kind bool

const (
	read  kind = true
	write kind = false
)

// Retryable reports whether a failure of a call of the given kind may be
// retried by default: a passing failure of the store, and for a write only
// when the store says it had no effect.
func retryable(k kind, err error) bool {
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrDamaged) {
		return false
	}
	return k == read || errors.Is(err, store.ErrNoEffect)
}

// do runs call until it passes, fails for good, runs out of attempts or
// ctx is done; it returns the last error.
func (s *Store) do(ctx context.Context, op string, k kind, call func() error) error {
	wait := s.p.First
	for attempt := 1; ; attempt++ {
		err := call()
		if f, ok := err.(final); ok {
			return f.error
		}
		if err == nil || ctx.Err() != nil || (s.p.Attempts > 0 && attempt >= s.p.Attempts) {
			return err
		}
		if s.p.Retryable != nil {
			if !s.p.Retryable(op, err) {
				return err
			}
		} else if !retryable(k, err) {
			return err
		}
		if s.p.OnRetry != nil {
			s.p.OnRetry(op, attempt, err, wait)
		}
		t := s.p.Clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, s.p.Max)
	}
}

// Timers is retried only when it failed before calling fn: fn's effects
// are the caller's, and a retry would repeat them.
func (s *Store) Timers(ctx context.Context, fn func(store.Timer) error) error {
	return s.do(ctx, "Timers", read, func() error {
		called := false
		err := s.Store.Timers(ctx, func(t store.Timer) error {
			called = true
			return fn(t)
		})
		if err != nil && called {
			return final{err}
		}
		return err
	})
}

// final marks an error that must not be retried, whatever the policy.
type final struct{ error }

// Health reports the decorated store's health, when it has one.
func (s *Store) Health(ctx context.Context) error {
	if h, ok := s.Store.(store.Health); ok {
		return h.Health(ctx)
	}
	return nil
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)
