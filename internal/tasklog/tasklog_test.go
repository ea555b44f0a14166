package tasklog_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/faulty"
	"github.com/batonhq/baton/internal/store/sqlite"
	"github.com/batonhq/baton/internal/tasklog"
	"github.com/batonhq/baton/internal/tasks"
)

const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:x"

func open(t *testing.T) (*sqlite.Store, *faulty.Store) {
	t.Helper()
	sq, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	return sq, faulty.New(sq)
}

func readAll(t *testing.T, st store.Store) string {
	t.Helper()
	chunks, err := st.ReadLogs(context.Background(), arn, store.LogQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range chunks {
		b.Write(c.Data)
	}
	return b.String()
}

// TestBatched: 10,000 lines written one by one make a few store writes, not
// 10,000, and all of them are stored once the writer is closed.
func TestBatched(t *testing.T) {
	sq, fs := open(t)
	w := tasklog.New(fs, tasklog.Options{FlushBytes: 16 << 10, FlushEvery: time.Hour}).OpenLog(arn, "task-1", "S", 1)
	var want bytes.Buffer
	for i := range 10000 {
		line := fmt.Appendf(nil, "line %05d\n", i) // 11 bytes
		want.Write(line)
		w.WriteLog(tasks.StreamStdout, line)
	}
	w.Close()
	if got := readAll(t, sq); got != want.String() {
		t.Fatalf("stored %d bytes, want %d", len(got), want.Len())
	}
	// 110,000 bytes in batches of 16 KiB: 7 or 8 writes.
	if n := fs.Calls("AppendLogs"); n > 10 {
		t.Errorf("%d store writes for 10,000 lines, want a few", n)
	}
}

// TestFlushEvery: output that stays under FlushBytes is stored within
// FlushEvery, so that a follower sees a quiet command's lines.
func TestFlushEvery(t *testing.T) {
	sq, _ := open(t)
	w := tasklog.New(sq, tasklog.Options{FlushEvery: 10 * time.Millisecond}).OpenLog(arn, "task-1", "S", 1)
	defer w.Close()
	w.WriteLog(tasks.StreamStderr, []byte("hello\n"))
	deadline := time.Now().Add(5 * time.Second)
	for readAll(t, sq) != "hello\n" {
		if time.Now().After(deadline) {
			t.Fatal("a line under FlushBytes was not stored within FlushEvery")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// TestBoundedWhileStoreSlow: while a store write is held, a writer holds at
// most MaxBuffered bytes and then waits; released, everything is stored.
func TestBoundedWhileStoreSlow(t *testing.T) {
	sq, fs := open(t)
	release := make(chan struct{})
	entered := make(chan struct{}, 100)
	fs.SetHook("AppendLogs", func(context.Context, string) error {
		entered <- struct{}{}
		<-release
		return nil
	})
	w := tasklog.New(fs, tasklog.Options{FlushBytes: 1024, MaxBuffered: 4096, FlushEvery: time.Hour}).OpenLog(arn, "t", "S", 1)
	wrote := make(chan int, 1)
	go func() {
		n := 0
		for range 100 { // 100 KiB while the store is held
			w.WriteLog(tasks.StreamStdout, bytes.Repeat([]byte("x"), 1024))
			n++
		}
		wrote <- n
	}()
	<-entered // the first write is held
	select {
	case n := <-wrote:
		t.Fatalf("the writer wrote %d KiB while the store held its first batch; want it to wait past MaxBuffered", n)
	case <-time.After(100 * time.Millisecond): // the writer is blocked (a negative check needs a wait)
	}
	close(release)
	if n := <-wrote; n != 100 {
		t.Fatal(n)
	}
	w.Close()
	if got := len(readAll(t, sq)); got != 100*1024 {
		t.Errorf("stored %d bytes, want %d", got, 100*1024)
	}
}

// TestStoreFailureDoesNotBlock: a failing store loses log batches, never
// the task: writes and Close return.
func TestStoreFailureDoesNotBlock(t *testing.T) {
	_, fs := open(t)
	fs.FailAlways("AppendLogs", faulty.ErrFull)
	w := tasklog.New(fs, tasklog.Options{FlushBytes: 10}).OpenLog(arn, "t", "S", 1)
	for range 100 {
		w.WriteLog(tasks.StreamStdout, []byte("0123456789\n"))
	}
	w.Close()
	if fs.Failed("AppendLogs") == 0 {
		t.Error("no store write was tried")
	}
}

// TestNoSplitCharacters: a character split across two writes (a pipe read
// ends inside it) is stored whole in one chunk, so that every chunk is
// valid UTF-8 text; bytes that are no UTF-8 are kept as they are.
func TestNoSplitCharacters(t *testing.T) {
	sq, _ := open(t)
	w := tasklog.New(sq, tasklog.Options{FlushBytes: 1}).OpenLog(arn, "t", "S", 1)
	for _, p := range []string{"caf\xc3", "\xa9 \xe2\x82", "\xac", "\xff", "end \xe2"} {
		w.WriteLog(tasks.StreamStdout, []byte(p))
	}
	w.Close()
	chunks, err := sq.ReadLogs(context.Background(), arn, store.LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, c := range chunks {
		all = append(all, c.Data...)
		if s := string(c.Data); !utf8.ValidString(s) && s != "\xff" && s != "\xe2" {
			t.Errorf("chunk %q splits a character", s)
		}
	}
	if string(all) != "café €\xffend \xe2" {
		t.Errorf("stored %q", all)
	}
}
