package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/audit"
	"github.com/batonhq/baton/internal/store"
)

// memLog is a store.AuditLog in memory; block, when set, holds writes.
type memLog struct {
	mu      sync.Mutex
	entries []*store.AuditEntry
	block   chan struct{}
}

func (m *memLog) AppendAudit(ctx context.Context, es []*store.AuditEntry) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, es...)
	return nil
}

func (m *memLog) ListAudit(context.Context, store.AuditFilter, store.Page) ([]*store.AuditEntry, string, error) {
	return nil, "", nil
}

func (m *memLog) TrimAudit(context.Context, time.Time, int) (int, error) { return 0, nil }

func (m *memLog) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func entry(i int) *store.AuditEntry {
	return &store.AuditEntry{Time: time.Unix(int64(i), 0), Principal: "t1", Kind: store.CredentialToken, RemoteAddr: "192.0.2.1",
		Method: "POST", Path: "/api/v1/workflows", Namespace: "team-a", Status: 201}
}

func TestWritesStoreAndFile(t *testing.T) {
	m := &memLog{}
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	r, err := audit.New(audit.Options{Store: m, File: file, Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		r.Record(entry(i))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if m.len() != 10 {
		t.Fatalf("%d entries stored, want 10", m.len())
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(file)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if e.Principal != "t1" || e.Status != 201 || e.Namespace != "team-a" {
			t.Errorf("line %d: %+v", n+1, e)
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d lines, want 10", n)
	}
}

// A full buffer drops entries without blocking the caller, and counts them.
func TestFullBufferDrops(t *testing.T) {
	m := &memLog{block: make(chan struct{})}
	r, err := audit.New(audit.Options{Store: m, Buffer: 4, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			r.Record(entry(i))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Record blocked on a full buffer")
	}
	if d := r.Dropped(); d < 100-4-1 {
		t.Errorf("%d dropped, want at least %d", d, 100-4-1)
	}
	close(m.block)
	r.Close()
	if got := int64(m.len()) + r.Dropped(); got != 100 {
		t.Errorf("stored + dropped = %d, want 100", got)
	}
}
