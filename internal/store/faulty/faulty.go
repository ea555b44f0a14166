// Package faulty wraps a store.Store and fails its calls on demand, the
// way a full disk or a damaged database fails the real one: tests of the
// engine and the server use it to reach the store's failure paths in
// milliseconds, without a small filesystem.
//
// Each method of store.Store can be given a fault of its own (by its name,
// e.g. "Commit"): fail the next N calls, fail every call, or run a hook
// that may block, count, or fail the call. Faults fire before the wrapped
// store is called, so an injected failure had no effect: its error is
// marked store.NoEffect, as the SQLite store marks a rolled-back write.
package faulty

import (
	"context"
	"fmt"
	"sync"

	"github.com/batonhq/baton/internal/store"
)

// Errors like those store/sqlite returns, wrapping the same sentinels.
var (
	// ErrFull is a write refused for a full disk (SQLITE_FULL).
	ErrFull = fmt.Errorf("%w: the disk is full: database or disk is full (SQLITE_FULL, injected)", store.ErrUnavailable)
	// ErrCorrupt is a read that met a damaged page (SQLITE_CORRUPT).
	ErrCorrupt = fmt.Errorf("%w: database disk image is malformed (SQLITE_CORRUPT, injected)", store.ErrDamaged)
)

// Hook is called before a call of the method it is set for, with the
// call's key (the ARN, token or name the call is about; "" for calls about
// no one thing). Returning a non-nil error fails the call with it; nil lets
// the call through. It may block (to hold a call while a test acts).
type Hook func(ctx context.Context, key string) error

// fault is what is injected into one method.
type fault struct {
	err   error
	next  int  // calls left to fail with err; <0: every call
	after bool // fail after calling the wrapped store (the answer is lost)
	hook  Hook
}

// Store is a store.Store that fails calls while a fault is set. The zero
// faults pass every call through.
type Store struct {
	store.Store

	mu     sync.Mutex
	faults map[string]*fault
	calls  map[string]int64 // calls by method
	failed map[string]int64 // calls failed by an injected fault, by method
}

// New wraps s.
func New(s store.Store) *Store {
	return &Store{Store: s, faults: map[string]*fault{}, calls: map[string]int64{}, failed: map[string]int64{}}
}

// FailNext makes the next n calls of method fail with err.
func (f *Store) FailNext(method string, n int, err error) {
	f.set(method, &fault{err: err, next: n})
}

// FailAfter makes the next n calls of method reach the wrapped store and
// then fail with err, as when a write is stored but its answer is lost:
// such a failure is not marked store.NoEffect.
func (f *Store) FailAfter(method string, n int, err error) {
	f.set(method, &fault{err: err, next: n, after: true})
}

// FailAlways makes every call of method fail with err until Clear (or a
// FailAlways with a nil err).
func (f *Store) FailAlways(method string, err error) {
	if err == nil {
		f.Clear(method)
		return
	}
	f.set(method, &fault{err: err, next: -1})
}

// SetHook runs hook before every call of method until Clear.
func (f *Store) SetHook(method string, hook Hook) { f.set(method, &fault{hook: hook}) }

// Clear removes the fault of method: its calls pass again.
func (f *Store) Clear(method string) { f.set(method, nil) }

func (f *Store) set(method string, ft *fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft == nil {
		delete(f.faults, method)
		return
	}
	f.faults[method] = ft
}

// Calls is the number of calls of method so far; Failed the number that
// failed with an injected fault.
func (f *Store) Calls(method string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Failed is the number of calls of method failed by an injected fault.
func (f *Store) Failed(method string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed[method]
}

// around runs call, a call of method about key, failing it as the
// method's fault says.
func (f *Store) around(ctx context.Context, method, key string, call func() error) error {
	f.mu.Lock()
	f.calls[method]++
	ft := f.faults[method]
	var err error
	var hook Hook
	after := false
	if ft != nil {
		hook, after = ft.hook, ft.after
		if ft.next != 0 && ft.err != nil {
			err = ft.err
			if ft.next > 0 {
				ft.next--
			}
		}
	}
	f.mu.Unlock()
	if hook != nil {
		err = hook(ctx, key)
	}
	if err == nil {
		return call()
	}
	f.mu.Lock()
	f.failed[method]++
	f.mu.Unlock()
	if after {
		call() // its outcome is lost
		return err
	}
	return store.NoEffect(err)
}

// FailCommits makes every Commit fail with err until called with nil (a
// full disk).
func (f *Store) FailCommits(err error) { f.FailAlways("Commit", err) }

// FailGets makes GetExecution fail with err, for the given ARNs only when
// some are given, until called with a nil err (a damaged row).
func (f *Store) FailGets(err error, arns ...string) {
	if err == nil {
		f.Clear("GetExecution")
		return
	}
	if len(arns) == 0 {
		f.FailAlways("GetExecution", err)
		return
	}
	only := map[string]bool{}
	for _, a := range arns {
		only[a] = true
	}
	f.SetHook("GetExecution", func(_ context.Context, arn string) error {
		if only[arn] {
			return fmt.Errorf("execution %q: %w", arn, err)
		}
		return nil
	})
}

// Health reports the injected fault of Commit when it fails every call
// (as the SQLite store reports a failing write), or the wrapped store's
// own health when it has one.
func (f *Store) Health(ctx context.Context) error {
	f.mu.Lock()
	var err error
	if ft := f.faults["Commit"]; ft != nil && ft.next < 0 {
		err = ft.err
	}
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
