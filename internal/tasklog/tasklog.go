// Package tasklog stores the output of task commands (tasks.LogSinks) in
// a store.Store (or sends it to a server), batched: a chatty command makes one store write per
// FlushBytes of output or per FlushEvery, not one per line, and holds at
// most MaxBuffered bytes in memory per attempt (past it the command waits
// on its pipe until the store has taken the batch).
package tasklog

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// Options tune the logs; zero fields take the defaults.
type Options struct {
	// MaxBytes is the most output kept per attempt; past it the oldest is
	// cut (default store.DefaultMaxLogBytes).
	MaxBytes int64
	// FlushBytes of buffered output start a store write (default 64 KiB).
	FlushBytes int
	// FlushEvery bounds how long output waits in memory (default 200 ms):
	// what a follower sees lags the command by about this much.
	FlushEvery time.Duration
	// MaxBuffered bounds the bytes held per attempt while a write is in
	// flight (default 1 MiB).
	MaxBuffered int
	Log         *slog.Logger
}

// Appender is where the logs go: a store.Store, or a server a worker
// sends them to.
type Appender interface {
	AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error
}

// Sinks opens the logs of task attempts on an Appender. The batches of
// all its attempts are group-committed: while one store write runs, the
// batches that come meanwhile wait and go together in the next, so that
// many tasks ending at once make a few writes, not one each.
type Sinks struct {
	st  Appender
	opt Options

	mu      sync.Mutex
	queue   []*appendReq
	running bool // a goroutine runs the queue
}

// appendReq is a batch waiting for its group commit.
type appendReq struct {
	chunks []*store.LogChunk
	done   chan error
}

// append stores chunks with the batches queued meanwhile.
func (s *Sinks) append(chunks []*store.LogChunk) error {
	r := &appendReq{chunks: chunks, done: make(chan error, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	if !s.running {
		s.running = true
		go s.commitLoop()
	}
	s.mu.Unlock()
	return <-r.done
}

// commitLoop stores the queued batches together until the queue is empty.
func (s *Sinks) commitLoop() {
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		if len(q) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		var all []*store.LogChunk
		for _, r := range q {
			all = append(all, r.chunks...)
		}
		err := s.st.AppendLogs(context.Background(), s.opt.MaxBytes, all)
		for _, r := range q {
			r.done <- err
		}
	}
}

var _ tasks.LogSinks = (*Sinks)(nil)

// New returns the sinks that store logs in st.
func New(st Appender, opt Options) *Sinks {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = store.DefaultMaxLogBytes
	}
	if opt.FlushBytes <= 0 {
		opt.FlushBytes = 64 << 10
	}
	if opt.FlushEvery <= 0 {
		opt.FlushEvery = 200 * time.Millisecond
	}
	if opt.MaxBuffered < opt.FlushBytes {
		opt.MaxBuffered = max(1<<20, opt.FlushBytes)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Sinks{st: st, opt: opt}
}

// OpenLog returns the log of one attempt. It costs nothing until the
// command writes.
func (s *Sinks) OpenLog(executionArn, taskID, stateName string, attempt int) tasks.LogWriter {
	w := &Writer{s: s, key: store.LogChunk{ExecutionArn: executionArn, TaskID: taskID, StateName: stateName, Attempt: attempt}}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// Writer is the log of one attempt: it buffers output and stores it in
// batches.
type Writer struct {
	s   *Sinks
	key store.LogChunk // ExecutionArn, TaskID, StateName, Attempt

	mu       sync.Mutex
	cond     *sync.Cond // signalled when a flush ends
	pending  []*store.LogChunk
	size     int
	flushing bool
	timer    *time.Timer
	closed   bool
	failed   bool // a store write failed (logged once)
	// carry holds, per stream, the start of a UTF-8 character whose end
	// has not come yet, so that no chunk splits a character (the API shows
	// chunks as text).
	carry map[string][]byte
}

// WriteLog buffers p, written on stream; it waits while MaxBuffered bytes
// are held and a store write is in flight.
func (w *Writer) WriteLog(stream string, p []byte) {
	if len(p) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.size >= w.s.opt.MaxBuffered && w.flushing {
		w.cond.Wait()
	}
	if w.closed {
		return
	}
	w.append(stream, p)
}

// append buffers p after the carried start of a character, keeping the
// start of an unfinished one for the next write; w.mu is held.
func (w *Writer) append(stream string, p []byte) {
	if c := w.carry[stream]; len(c) > 0 {
		p = append(c, p...)
		w.carry[stream] = nil
	}
	if i := unfinished(p); i < len(p) {
		if w.carry == nil {
			w.carry = map[string][]byte{}
		}
		w.carry[stream] = append([]byte(nil), p[i:]...)
		p = p[:i]
	}
	if len(p) == 0 {
		return
	}
	w.appendChunk(stream, p)
	switch {
	case w.size >= w.s.opt.FlushBytes && !w.flushing:
		w.startFlush()
	case w.timer == nil && !w.flushing:
		w.timer = time.AfterFunc(w.s.opt.FlushEvery, w.tick)
	}
}

// appendChunk adds p to the last chunk when it is of the same stream and
// not full, else starts a chunk; w.mu is held.
func (w *Writer) appendChunk(stream string, p []byte) {
	if n := len(w.pending); n > 0 && w.pending[n-1].Stream == stream && len(w.pending[n-1].Data) < w.s.opt.FlushBytes {
		last := w.pending[n-1]
		last.Data = append(last.Data, p...)
	} else {
		c := w.key
		c.Stream, c.Time, c.Data = stream, time.Now(), append([]byte(nil), p...)
		w.pending = append(w.pending, &c)
	}
	w.size += len(p)
}

// tick flushes what waited FlushEvery.
func (w *Writer) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer = nil
	if !w.flushing && w.size > 0 {
		w.startFlush()
	}
}

// startFlush hands the pending chunks to a store write on its own
// goroutine; w.mu is held.
func (w *Writer) startFlush() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	batch := w.pending
	w.pending, w.size, w.flushing = nil, 0, true
	go func() {
		w.store(batch)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.flushing = false
		w.cond.Broadcast()
		if w.size >= w.s.opt.FlushBytes && !w.closed {
			w.startFlush()
		} else if w.size > 0 && w.timer == nil && !w.closed {
			w.timer = time.AfterFunc(w.s.opt.FlushEvery, w.tick)
		}
	}()
}

// store writes a batch. A failure loses the batch (the task goes on: its
// log is not its result) and is logged once per attempt.
func (w *Writer) store(batch []*store.LogChunk) {
	if len(batch) == 0 {
		return
	}
	if err := w.s.append(batch); err != nil {
		w.mu.Lock()
		first := !w.failed
		w.failed = true
		w.mu.Unlock()
		if first {
			w.s.opt.Log.Warn("a task's output could not be stored in its log; the task goes on", "execution", w.key.ExecutionArn,
				"task", w.key.TaskID, "state", w.key.StateName, "err", err)
		}
	}
}

// Close stores what is buffered, once the write in flight is done, and
// returns when it is stored: a reader of an ended task's log sees all of
// it.
func (w *Writer) Close() {
	w.mu.Lock()
	for w.flushing {
		w.cond.Wait()
	}
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	for _, stream := range []string{tasks.StreamStdout, tasks.StreamStderr} {
		if c := w.carry[stream]; len(c) > 0 { // never finished: kept as it is
			w.carry[stream] = nil
			w.appendChunk(stream, c)
		}
	}
	batch := w.pending
	w.pending, w.size = nil, 0
	w.cond.Broadcast()
	w.mu.Unlock()
	w.store(batch)
}

// unfinished returns where the UTF-8 character that p ends in starts when
// p stops before its end, else len(p). Bytes that are no UTF-8 are left as
// they are.
func unfinished(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
