package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// TestBackupWhileWriting: backups taken while executions are created and
// advanced are consistent snapshots: restored, each passes integrity_check,
// and every execution in it has exactly the history its row counts.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	defer s.Close()
	ctx := context.Background()

	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Go(func() {
		// Each batch starts 50 executions and adds an event to each of the
		// last batch's: a torn copy would show rows without their events.
		var prev []*store.Execution
		for b := 0; !stop.Load(); b++ {
			var batch []*store.Transition
			for _, x := range prev {
				x.Status = "RUNNING"
				batch = append(batch, &store.Transition{Execution: x,
					Events: []store.Event{{Type: "WaitStateExited", Timestamp: time.Now(), Body: []byte(`{}`)}}})
			}
			prev = nil
			for i := range 50 {
				name := fmt.Sprintf("b%05d-%02d", b, i)
				x := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:bk:" + name,
					StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:bk", Name: name,
					Type: store.TypeStandard, Status: "RUNNING", Input: "{}", StartDate: time.Now(), Snapshot: []byte("s")}
				batch = append(batch, &store.Transition{Execution: x, New: true,
					Events: []store.Event{{Type: "ExecutionStarted", Timestamp: time.Now(), Body: []byte(`{}`)}}})
				prev = append(prev, x)
			}
			if err := s.Commit(ctx, batch); err != nil {
				t.Errorf("Commit: %v", err)
				return
			}
			written.Add(50)
		}
	})
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	for i := range 3 {
		deadline := time.Now().Add(20 * time.Second)
		for written.Load() < int64(500*(i+1)) {
			if time.Now().After(deadline) {
				t.Fatalf("the writer stalled at %d executions", written.Load())
			}
			time.Sleep(time.Millisecond) // polling the writer's progress with a deadline
		}
		dest := filepath.Join(t.TempDir(), "backup.db")
		info, err := Backup(ctx, dir, dest, false)
		if err != nil {
			t.Fatalf("Backup while writing: %v", err)
		}
		if info.Executions < int64(500*(i+1)) {
			t.Errorf("backup %d holds %d executions, want at least %d", i, info.Executions, 500*(i+1))
		}
		restored := t.TempDir()
		copyFile(t, dest, filepath.Join(restored, FileName))
		r, err := Open(restored, Options{Check: CheckFull})
		if err != nil {
			t.Fatalf("opening the restored backup: %v", err)
		}
		checkHistories(t, r, info.Executions)
		r.Close()
	}
}

// checkHistories checks every execution's history has EventCount events.
func checkHistories(t *testing.T, s *Store, want int64) {
	t.Helper()
	ctx := context.Background()
	n := int64(0)
	page := store.Page{Limit: 1000}
	for {
		xs, next, err := s.ListExecutions(ctx, store.ExecutionFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			evs, _, err := s.History(ctx, x.Arn, false, store.Page{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(evs)) != x.EventCount {
				t.Fatalf("%s: %d events in the backup, its row counts %d: not a consistent snapshot", x.Arn, len(evs), x.EventCount)
			}
			n++
		}
		if next == "" {
			break
		}
		page.Token = next
	}
	if n != want {
		t.Errorf("the restored backup lists %d executions, the backup counted %d", n, want)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRefusals: an existing file is kept unless overwrite is set; a
// directory without a database is named.
func TestBackupRefusals(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	s.Close()
	dest := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(dest, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(context.Background(), dir, dest, false); !errors.Is(err, ErrBackupExists) {
		t.Errorf("Backup over an existing file: %v, want ErrBackupExists", err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "keep me" {
		t.Errorf("the existing file was changed")
	}
	if _, err := Backup(context.Background(), dir, dest, true); err != nil {
		t.Errorf("Backup with overwrite: %v", err)
	}
	if err := Check(context.Background(), dest, CheckFull); err != nil {
		t.Errorf("the overwritten backup: %v", err)
	}
	empty := t.TempDir()
	if _, err := Backup(context.Background(), empty, filepath.Join(t.TempDir(), "x.db"), false); err == nil {
		t.Error("Backup of a directory without a database succeeded")
	}
	if _, err := os.Stat(filepath.Join(empty, FileName)); err == nil {
		t.Error("Backup created a database in the directory it copies from")
	}
}

// TestBackupRefusesItsOwnFiles: a backup to the live database (by any path,
// with overwrite) or to a missing directory is refused before anything is
// written, and the database stays whole.
func TestBackupRefusesItsOwnFiles(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	defer s.Close()
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(filepath.Join(dir, FileName), link); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{
		filepath.Join(dir, FileName),
		filepath.Join(dir, "..", filepath.Base(dir), FileName),
		filepath.Join(dir, FileName+"-wal"),
		filepath.Join(dir, FileName+"-shm"),
		filepath.Join(dir, "baton.lock"),
		link,
		filepath.Join(t.TempDir(), "missing", "b.db"),
	} {
		_, err := Backup(context.Background(), dir, dest, true)
		if !errors.Is(err, ErrBackupDest) {
			t.Errorf("Backup to %s: %v, want ErrBackupDest", dest, err)
		}
	}
	if err := Check(context.Background(), filepath.Join(dir, FileName), CheckQuick); err != nil {
		t.Errorf("the live database after the refused backups: %v", err)
	}
}
