package tasklog

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasks"
)

// TestGroupCommit: the logs of 50 tasks ending while a store write runs
// are stored together in the next write, not one write each.
func TestGroupCommit(t *testing.T) {
	sq, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	fs := faulty.New(sq)
	release := make(chan struct{})
	var once sync.Once
	fs.SetHook("AppendLogs", func(context.Context, string) error {
		once.Do(func() { <-release }) // hold the first write
		return nil
	})
	s := New(fs, Options{})
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:x"
	first := s.OpenLog(arn, "task-0", "S", 1)
	first.WriteLog(tasks.StreamStdout, []byte("first\n"))
	go first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for fs.Calls("AppendLogs") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first write never came")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	var wg sync.WaitGroup
	for i := 1; i <= 49; i++ {
		w := s.OpenLog(arn, fmt.Sprint("task-", i), "S", 1)
		w.WriteLog(tasks.StreamStdout, []byte("line\n"))
		wg.Go(w.Close)
	}
	for {
		s.mu.Lock()
		n := len(s.queue)
		s.mu.Unlock()
		if n == 49 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d batches queued, want 49", n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	close(release)
	wg.Wait()
	if n := fs.Calls("AppendLogs"); n != 2 {
		t.Errorf("%d store writes for 50 tasks, want 2 (the held one, then the 49 together)", n)
	}
	chunks, err := sq.ReadLogs(context.Background(), arn, store.LogQuery{})
	if err != nil || len(chunks) != 50 {
		t.Fatalf("%d chunks stored (%v), want 50", len(chunks), err)
	}
}
