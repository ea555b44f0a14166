package workspace

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/store"
)

// bundles is an in-memory bundle source that counts its reads.
type bundles struct {
	mu    sync.Mutex
	m     map[string]*store.Bundle
	reads int
}

func (b *bundles) GetBundle(_ context.Context, digest string) (*store.Bundle, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reads++
	row, ok := b.m[digest]
	if !ok {
		return nil, store.ErrNotFound
	}
	return row, nil
}

func newSet(t *testing.T, files ...bundle.File) (*Set, *bundles, string) {
	t.Helper()
	b := &bundle.Bundle{Files: files}
	src := &bundles{m: map[string]*store.Bundle{}}
	digest := b.Digest()
	src.m[digest] = &store.Bundle{Digest: digest, Data: b.Bytes()}
	s, err := New(filepath.Join(t.TempDir(), "runs"), src, bundle.Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, src, digest
}

// TestDir: a run's directory holds its bundle's files (modes kept), is made
// once however many steps ask at once, and is another run's own.
func TestDir(t *testing.T) {
	s, src, digest := newSet(t, bundle.File{Name: "bin/run.sh", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
		bundle.File{Name: "pipeline.yaml", Mode: 0o644, Data: []byte("name: x\n")})
	ctx := context.Background()
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := s.Dir(ctx, "arn:run:1", digest)
			if err != nil {
				t.Error(err)
			}
			dirs[i] = d
		}()
	}
	wg.Wait()
	for _, d := range dirs[1:] {
		if d != dirs[0] {
			t.Fatalf("steps of one run got different directories: %v", dirs)
		}
	}
	fi, err := os.Stat(filepath.Join(dirs[0], "bin/run.sh"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("bin/run.sh: %v %v", fi, err)
	}
	if src.reads != 1 {
		t.Errorf("the bundle was read %d times from the store, want once (cached)", src.reads)
	}
	other, err := s.Dir(ctx, "arn:run:2", "")
	if err != nil || other == dirs[0] {
		t.Fatalf("another run: %q, %v", other, err)
	}
	if ents, _ := os.ReadDir(other); len(ents) != 0 {
		t.Errorf("a run without a bundle gets an empty directory, got %d entries", len(ents))
	}
	if _, err := s.Dir(ctx, "arn:run:3", "sha256:"+string(make([]byte, 0))); err == nil {
		t.Error("a run with an unknown bundle got a directory")
	}
}

// TestRelease: a run's directory goes when it ends, unless it was made
// again after that (a redrive), and comes back on the next use.
func TestRelease(t *testing.T) {
	s, _, digest := newSet(t, bundle.File{Name: "pipeline.yaml", Mode: 0o644, Data: []byte("name: x\n")})
	ctx := context.Background()
	dir, err := s.Dir(ctx, "arn:r", digest)
	if err != nil {
		t.Fatal(err)
	}
	s.Release("arn:r", time.Now().Add(-time.Hour)) // ended before the directory was made
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a directory made after the run ended was removed: %v", err)
	}
	s.Release("arn:r", time.Now().Add(time.Second))
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("after Release: %v", err)
	}
	again, err := s.Dir(ctx, "arn:r", digest)
	if err != nil || again != dir {
		t.Fatalf("Dir after Release: %q %v", again, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pipeline.yaml")); err != nil {
		t.Fatal(err)
	}
}

// TestSweep: at start, the directories of runs that no longer run and
// half-made ones go; those of running runs stay.
func TestSweep(t *testing.T) {
	s, _, digest := newSet(t, bundle.File{Name: "pipeline.yaml", Mode: 0o644, Data: []byte("name: x\n")})
	ctx := context.Background()
	keep, _ := s.Dir(ctx, "arn:running", digest)
	gone, _ := s.Dir(ctx, "arn:ended", digest)
	half := filepath.Join(s.root, ".new-abc-123")
	if err := os.MkdirAll(filepath.Join(half, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := s.Sweep(ctx, func(_ context.Context, arn string) (bool, error) { return arn == "arn:running", nil })
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{keep: true, gone: false, half: false, gone + markerSuffix: false} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
}
