// Package audit records who changed what, and who was refused, on a
// Baton server: entries are handed to a Recorder, which never blocks the
// request that hands them (a bounded buffer; what does not fit is counted
// and dropped) and writes them in batches from one goroutine to the store
// and, optionally, as JSON lines to a file.
//
// What an entry holds is fixed by store.AuditEntry: time, principal,
// remote address, method and path or AWS operation, namespace, resource
// and status. Never a body or a credential: bodies hold inputs and
// secrets.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/internal/store"
)

// Entry is an audit entry as the API answers it and as the JSON-lines file
// holds it.
type Entry struct {
	Seq        int64     `json:"seq,omitempty"`
	Time       time.Time `json:"time"`
	Principal  string    `json:"principal,omitempty"`
	Kind       string    `json:"kind,omitempty"`
	RemoteAddr string    `json:"remoteAddr"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Operation  string    `json:"operation,omitempty"`
	Namespace  string    `json:"namespace,omitempty"`
	Resource   string    `json:"resource,omitempty"`
	Status     int       `json:"status"`
}

// FromStore converts a stored entry.
func FromStore(e *store.AuditEntry) Entry {
	return Entry{Seq: e.Seq, Time: e.Time.UTC(), Principal: e.Principal, Kind: e.Kind, RemoteAddr: e.RemoteAddr,
		Method: e.Method, Path: e.Path, Operation: e.Operation, Namespace: e.Namespace, Resource: e.Resource, Status: e.Status}
}

// Options configure a Recorder.
type Options struct {
	Store store.AuditLog
	// File, when set, receives every entry as a line of JSON too (created
	// with mode 0600, appended to).
	File string
	// Buffer is how many entries wait for the writer before new ones are
	// dropped (default 8192); Batch, the most written in one transaction
	// (default 500).
	Buffer, Batch int
	Log           *slog.Logger
	// Registry, when set, gets baton_audit_dropped_total.
	Registry prometheus.Registerer
	// LogEvery is how often drops are logged (default a minute).
	LogEvery time.Duration
}

// Recorder buffers entries and writes them from one goroutine.
type Recorder struct {
	opts    Options
	ch      chan *store.AuditEntry
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	file    *os.File
	dropped prometheus.Counter
	drops   atomic.Int64 // since the last log line
	total   atomic.Int64
}

// New starts a Recorder; Close stops it.
func New(opts Options) (*Recorder, error) {
	if opts.Buffer <= 0 {
		opts.Buffer = 8192
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.LogEvery <= 0 {
		opts.LogEvery = time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	r := &Recorder{opts: opts, ch: make(chan *store.AuditEntry, opts.Buffer), stop: make(chan struct{}), done: make(chan struct{}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_audit_dropped_total",
			Help: "Audit entries dropped because the audit log's buffer was full."})}
	if opts.File != "" {
		f, err := os.OpenFile(opts.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("--audit-log: %w", err)
		}
		r.file = f
	}
	if opts.Registry != nil {
		if err := opts.Registry.Register(r.dropped); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	go r.run()
	return r, nil
}

// Record hands e to the writer without waiting: when the buffer is full,
// e is dropped and counted.
func (r *Recorder) Record(e *store.AuditEntry) {
	select {
	case r.ch <- e:
	default:
		r.dropped.Inc()
		r.drops.Add(1)
		r.total.Add(1)
	}
}

// Dropped is how many entries were dropped so far.
func (r *Recorder) Dropped() int64 { return r.total.Load() }

// Close writes what is buffered and stops the writer. Entries recorded
// after it are lost.
func (r *Recorder) Close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	if r.file != nil {
		return r.file.Close()
	}
	return nil
}

// run is the writer: it takes what is buffered, up to a batch, and
// writes it; at stop it writes what is left.
func (r *Recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(r.opts.LogEvery)
	defer tick.Stop()
	batch := make([]*store.AuditEntry, 0, r.opts.Batch)
	for {
		select {
		case e := <-r.ch:
			batch = append(batch[:0], e)
			batch = r.fill(batch)
			r.write(batch)
		case <-tick.C:
			r.logDrops()
		case <-r.stop:
			for {
				batch = r.fill(batch[:0])
				if len(batch) == 0 {
					r.logDrops()
					return
				}
				r.write(batch)
			}
		}
	}
}

// fill adds what is buffered to batch, up to a batch's size.
func (r *Recorder) fill(batch []*store.AuditEntry) []*store.AuditEntry {
	for len(batch) < r.opts.Batch {
		select {
		case e := <-r.ch:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// write stores a batch and appends it to the file.
func (r *Recorder) write(batch []*store.AuditEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.opts.Store.AppendAudit(ctx, batch); err != nil {
		r.opts.Log.Warn("writing the audit log to the database; these entries are lost there", "entries", len(batch), "err", err)
	}
	if r.file == nil {
		return
	}
	var buf []byte
	for _, e := range batch {
		b, _ := json.Marshal(FromStore(e)) // strings, ints and a time: cannot fail
		buf = append(append(buf, b...), '\n')
	}
	if _, err := r.file.Write(buf); err != nil {
		r.opts.Log.Warn("writing the audit log file", "file", r.opts.File, "err", err)
	}
}

// logDrops logs the drops since the last call, if any.
func (r *Recorder) logDrops() {
	if n := r.drops.Swap(0); n > 0 {
		r.opts.Log.Warn("the audit log's buffer was full: entries were dropped (baton_audit_dropped_total); the database may be slow or the server overloaded",
			"dropped", n)
	}
}
