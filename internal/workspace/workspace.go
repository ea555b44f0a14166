// Package workspace gives the runs of deployed projects their files: the
// project bundle of the version a run started with, read from the store
// (to compile the pipeline, whose sql steps may name files of the project)
// and extracted into a working directory of the run's own, where its steps
// run. Nothing then depends on the server's current directory, and a later
// deploy never changes the files of a run already going.
//
// A run's directory lives while the run does: it is removed when the run
// ends, and made again from the bundle if the run is redriven. Steps that
// hand files to later steps through it therefore see them within one run,
// not across a redrive; data meant to outlive a run goes to storage.
package workspace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/store"
)

// Bundles is what a Set reads bundles from: the store.
type Bundles interface {
	GetBundle(ctx context.Context, digest string) (*store.Bundle, error)
}

// cacheBytes bounds the decoded bundles kept in memory: a few projects'
// worth, since runs of the same version follow one another.
const cacheBytes = 64 << 20

// markerSuffix names the file beside a run's directory that holds the
// run's execution ARN, so that Sweep can tell whose a directory is.
const markerSuffix = ".arn"

// Set is the working directories of the runs under one root directory.
type Set struct {
	root   string
	src    Bundles
	limits bundle.Limits
	log    *slog.Logger

	mu    sync.Mutex
	dirs  map[string]*sync.Mutex // run ARN -> lock of its directory
	cache map[string]*bundle.Bundle
	order []string // cache keys, oldest first
	size  int64
}

// New returns the Set of directories under root, created (private to this
// user) when missing. limits bound the bundles read back, as at upload.
func New(root string, src Bundles, limits bundle.Limits, log *slog.Logger) (*Set, error) {
	root, err := filepath.Abs(root) // steps get it as their working directory, whatever theirs
	if err != nil {
		return nil, fmt.Errorf("workspaces: %w", err)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("workspaces: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Set{root: root, src: src, limits: limits, log: log, dirs: map[string]*sync.Mutex{}, cache: map[string]*bundle.Bundle{}}, nil
}

// Bundle returns the decoded bundle of digest, from the cache or the store.
func (s *Set) Bundle(ctx context.Context, digest string) (*bundle.Bundle, error) {
	s.mu.Lock()
	b := s.cache[digest]
	s.mu.Unlock()
	if b != nil {
		return b, nil
	}
	row, err := s.src.GetBundle(ctx, digest)
	if errors.Is(err, store.ErrNotFound) {
		// Bundles are never deleted: a missing one is lost, not late.
		return nil, fmt.Errorf("%w: project bundle %s is missing from the store", store.ErrDamaged, digest)
	}
	if err != nil {
		return nil, fmt.Errorf("project bundle %s: %w", digest, err)
	}
	b, err = bundle.Decode(bytes.NewReader(row.Data), s.limits)
	if err != nil {
		return nil, fmt.Errorf("%w: project bundle %s cannot be read: %v", store.ErrDamaged, digest, err)
	}
	if got := b.Digest(); got != digest {
		return nil, fmt.Errorf("%w: project bundle %s: its content has digest %s", store.ErrDamaged, digest, got)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cache[digest]; !ok {
		s.cache[digest] = b
		s.order = append(s.order, digest)
		s.size += b.Size()
		for s.size > cacheBytes && len(s.order) > 1 {
			old := s.order[0]
			s.order = s.order[1:]
			s.size -= s.cache[old].Size()
			delete(s.cache, old)
		}
	}
	return b, nil
}

// Files returns a reader of the files of a bundle, for compiling.
func (s *Set) Files(ctx context.Context, digest string) (func(name string) ([]byte, error), error) {
	b, err := s.Bundle(ctx, digest)
	if err != nil {
		return nil, err
	}
	return func(name string) ([]byte, error) {
		data, ok := b.File(name)
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		return data, nil
	}, nil
}

// name is the directory name of a run: a hash of its ARN, which may hold
// characters a file name should not.
func name(arn string) string {
	h := sha256.Sum256([]byte(arn))
	return hex.EncodeToString(h[:12])
}

// lock returns the lock of a run's directory.
func (s *Set) lock(arn string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.dirs[arn]
	if m == nil {
		m = &sync.Mutex{}
		s.dirs[arn] = m
	}
	return m
}

// Dir returns the working directory of a run, with the files of digest
// ("" for none: an empty directory), extracting them on first use. The
// files are extracted beside it and renamed into place, so a crash midway
// leaves no half-made directory that a restarted run would use.
func (s *Set) Dir(ctx context.Context, arn, digest string) (string, error) {
	m := s.lock(arn)
	m.Lock()
	defer m.Unlock()
	dir := filepath.Join(s.root, name(arn))
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		// In use again (a redrive): a Release of the run's earlier end that
		// comes after this must keep it.
		now := time.Now()
		if err := os.Chtimes(dir+markerSuffix, now, now); err != nil {
			return "", fmt.Errorf("working directory: %w", err)
		}
		return dir, nil
	}
	b := &bundle.Bundle{}
	if digest != "" {
		var err error
		if b, err = s.Bundle(ctx, digest); err != nil {
			return "", err
		}
	}
	tmp, err := os.MkdirTemp(s.root, ".new-"+name(arn)+"-")
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	// Extract wants an empty directory it makes itself.
	files := filepath.Join(tmp, "files")
	if err := b.Extract(files); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("working directory: extracting the project: %w", err)
	}
	if err := os.WriteFile(dir+markerSuffix, []byte(arn), 0o600); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("working directory: %w", err)
	}
	if err := os.Rename(files, dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("working directory: %w", err)
	}
	os.Remove(tmp)
	return dir, nil
}

// Release removes the working directory of a run that ended at endedAt,
// unless the directory was made after that (the run was redriven and went
// on at once).
func (s *Set) Release(arn string, endedAt time.Time) {
	m := s.lock(arn)
	m.Lock()
	dir := filepath.Join(s.root, name(arn))
	if fi, err := os.Stat(dir + markerSuffix); err == nil && fi.ModTime().After(endedAt) {
		m.Unlock()
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		s.log.Warn("removing a run's working directory", "execution", arn, "dir", dir, "err", err)
	}
	os.Remove(dir + markerSuffix)
	m.Unlock()
	s.mu.Lock()
	if s.dirs[arn] == m {
		delete(s.dirs, arn)
	}
	s.mu.Unlock()
}

// Sweep removes what runs that no longer run left behind: the directories
// of runs for which running answers false (ended while the server was
// down, or deleted), and half-made directories of a crash. Call it at
// start, before runs go on.
func (s *Set) Sweep(ctx context.Context, running func(ctx context.Context, arn string) (bool, error)) error {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return fmt.Errorf("workspaces: %w", err)
	}
	var errs []error
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, ".new-"):
			errs = append(errs, os.RemoveAll(filepath.Join(s.root, n)))
		case strings.HasSuffix(n, markerSuffix):
			arn, err := os.ReadFile(filepath.Join(s.root, n))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			keep, err := running(ctx, string(arn))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !keep {
				errs = append(errs, os.RemoveAll(filepath.Join(s.root, strings.TrimSuffix(n, markerSuffix))),
					os.Remove(filepath.Join(s.root, n)))
			}
		case e.IsDir():
			if _, err := os.Stat(filepath.Join(s.root, n+markerSuffix)); errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, os.RemoveAll(filepath.Join(s.root, n))) // no marker: no run owns it
			}
		}
	}
	return errors.Join(errs...)
}
