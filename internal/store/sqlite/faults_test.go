package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// fill stores n Standard executions with a few history events each, in
// batches, and returns their ARNs.
func fill(t testing.TB, s *Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	snap := make([]byte, 300)
	var arns []string
	var batch []*store.Transition
	for i := range n {
		arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:fill:%08d", i)
		arns = append(arns, arn)
		x := &store.Execution{Arn: arn, StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:fill",
			Name: fmt.Sprintf("%08d", i), Type: store.TypeStandard, Status: "RUNNING", Input: `{"n":1}`,
			StartDate: time.Unix(int64(i), 0), Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			Snapshot: snap}
		tr := &store.Transition{Execution: x, New: true}
		for range 3 {
			tr.Events = append(tr.Events, store.Event{Type: "PassStateEntered", Timestamp: x.StartDate,
				Body: []byte(`{"type":"PassStateEntered","stateEnteredEventDetails":{"name":"A","input":"{\"n\":1}"}}`)})
		}
		batch = append(batch, tr)
		if len(batch) == 1000 || i == n-1 {
			if err := s.Commit(ctx, batch); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			batch = nil
		}
	}
	return arns
}

// damagedDB writes a database of n executions with the store, closes it
// (checkpointing the WAL into the file) and returns its path.
func damagedDB(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	fill(t, s, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatalf("the WAL survived Close: the file alone is not the database")
	}
	return path
}

// corruptPages overwrites count whole pages past the header page with
// random bytes, as the damage reproduced in issue 8 did.
func corruptPages(t *testing.T, path string, count int, seed uint64) {
	t.Helper()
	const page = 4096
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pages := fi.Size() / page
	if pages < 3 {
		t.Fatalf("database of %d pages: too small to damage", pages)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	buf := make([]byte, page)
	for range count {
		p := 1 + r.Int64N(pages-1) // never page 0 (the header page)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		if _, err := f.WriteAt(buf, p*page); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckCatchesDamagedPages: quick_check (the default at Open) and
// integrity_check both find random pages overwritten in a real database,
// and Open refuses it with an error wrapping store.ErrDamaged.
func TestCheckCatchesDamagedPages(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			path := damagedDB(t, 2000)
			if err := Check(context.Background(), path, CheckQuick); err != nil {
				t.Fatalf("quick_check of the sound database: %v", err)
			}
			corruptPages(t, path, 3, seed)
			for _, mode := range []string{"", CheckQuick, CheckFull} {
				err := Check(context.Background(), path, mode)
				if !errors.Is(err, store.ErrDamaged) {
					t.Errorf("Check(%q) = %v, want ErrDamaged", mode, err)
				}
			}
			_, err := Open(filepath.Dir(path), Options{})
			if !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Open = %v, want ErrDamaged", err)
			}
		})
	}
}

// TestCheckOff: with the check off the damaged database opens; a read that
// meets the damage fails with ErrDamaged and Health reports it for good.
func TestCheckOffRuntimeDamage(t *testing.T) {
	path := damagedDB(t, 2000)
	corruptPages(t, path, 20, 7)
	s, err := Open(filepath.Dir(path), Options{Check: CheckOff})
	if err != nil {
		t.Fatalf("Open with the check off: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health before any read: %v", err)
	}
	var readErr error
	page := store.Page{Limit: 1000}
	for {
		var next string
		_, next, readErr = s.ListExecutions(ctx, store.ExecutionFilter{}, page)
		if readErr != nil || next == "" {
			break
		}
		page.Token = next
	}
	if !errors.Is(readErr, store.ErrDamaged) {
		t.Fatalf("listing every execution = %v, want ErrDamaged", readErr)
	}
	if err := s.Health(ctx); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("Health after the damaged read = %v, want ErrDamaged", err)
	}
}

// TestEmptyFileRefused: an existing 0-byte baton.db is not taken for a new
// database, whatever the check.
func TestEmptyFileRefused(t *testing.T) {
	for _, mode := range []string{CheckQuick, CheckFull, CheckOff} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{Check: mode})
		if !errors.Is(err, ErrEmptyFile) {
			t.Errorf("check %s: Open = %v, want ErrEmptyFile", mode, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Size() != 0 {
			t.Errorf("check %s: the empty file was written to", mode)
		}
	}
}

// TestNotADatabase: a file that is not SQLite is damaged, not a new store.
func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("this is not a database, just text: "+fmt.Sprint(make([]byte, 5000))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{CheckQuick, CheckOff} {
		if _, err := Open(dir, Options{Check: mode}); !errors.Is(err, store.ErrDamaged) {
			t.Errorf("check %s: Open = %v, want ErrDamaged", mode, err)
		}
	}
}

func TestCheckUnknownMode(t *testing.T) {
	if err := Check(context.Background(), filepath.Join(t.TempDir(), FileName), "fast"); err == nil {
		t.Error("Check accepted an unknown mode")
	}
}
