package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/workflow"
)

// The internal API's one streaming call, op "watch": a node relays the
// live updates of its engine (engine.Watch) to another node, which serves
// the event streams and waits of executions it does not run. The request
// is signed and verified as every call is; the answer is newline-delimited
// JSON, one watchLine a line, each written with its own deadline and
// flushed, until the caller goes.

const opWatch = "watch"

// watchLine is one line of a watch stream: an update, or an error that
// ends the stream, or neither: the first line (the peer's engine watches
// from now on) and the heartbeats. A reply (an older node's "unknown
// operation") reads as a watchLine with Err.
type watchLine struct {
	Update *wireUpdate `json:"update,omitempty"`
	Err    *replyError `json:"err,omitempty"`
}

// wireUpdate is an engine.Update on the wire.
type wireUpdate struct {
	ExecutionArn    string    `json:"arn"`
	StateMachineArn string    `json:"stateMachineArn,omitempty"`
	Status          string    `json:"status"`
	LastEventID     int64     `json:"lastEventId"`
	Time            time.Time `json:"time"`
}

func (u *wireUpdate) engine() engine.Update {
	return engine.Update{ExecutionArn: u.ExecutionArn, StateMachineArn: u.StateMachineArn, Status: u.Status, LastEventID: u.LastEventID, Time: u.Time}
}

// Bounds of the watch streams a node serves.
const (
	// watchBeat is the interval of a stream's heartbeat lines: a caller
	// that reads none for watchIdle takes the peer for dead.
	watchBeat = 15 * time.Second
	// watchOwnCheck is how often a stream of one execution checks that
	// this node still runs its partition; once it does not, the stream
	// ends (not owner) and the caller follows the partition.
	watchOwnCheck = time.Second
	// watchWriteGrace is how long a line may take to be written: a caller
	// that stops reading loses its stream, not the engine's updates.
	watchWriteGrace = 10 * time.Second
	// maxServedWatches caps the streams a node serves at once; past it a
	// caller is told to retry (each holds a connection and a watcher).
	maxServedWatches = 1024
	// maxDedup bounds the executions a stream of every execution
	// remembers the last status of; past it, it forgets them all (a
	// status may then be sent twice, which the readers tolerate).
	maxDedup = 100_000
	// maxWatchLine bounds a line a caller reads.
	maxWatchLine = 64 << 10
)

// serveWatch streams the updates of arn ("": every execution, each sent
// only when its status differs from the last sent) from this node's
// engine.
func (h *rpcHandler) serveWatch(w http.ResponseWriter, r *http.Request, arn string) {
	rc := http.NewResponseController(w)
	// The request was read: the stream outlives the server's read and
	// write timeouts, and each line gets a deadline of its own instead.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-cache")
	write := func(l watchLine) error {
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		_ = rc.SetWriteDeadline(time.Now().Add(watchWriteGrace))
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
		return rc.Flush()
	}
	fail := func(err error) { _ = write(watchLine{Err: encodeError(err)}) }
	if h.watches.Add(1) > h.maxWatches {
		h.watches.Add(-1)
		fail(apierr.New(apierr.ServiceUnavailable, "this node already relays %d watches, its limit; retry later", h.maxWatches))
		return
	}
	defer h.watches.Add(-1)
	p := partition.Of(arn)
	if arn != "" && !h.eng.Owned().Has(p) {
		fail(notOwner(arn))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	updates := h.eng.Watch(ctx, arn)
	if write(watchLine{}) != nil { // the engine watches: the caller may read
		return
	}
	beat := time.NewTicker(h.beat)
	defer beat.Stop()
	own := time.NewTicker(h.ownCheck)
	defer own.Stop()
	sent := map[string]string{} // arn "": execution -> last status sent, while not final
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if write(watchLine{}) != nil {
				return
			}
		case <-own.C:
			if arn != "" && !h.eng.Owned().Has(p) {
				fail(notOwner(arn))
				return
			}
		case u, ok := <-updates:
			if !ok {
				return
			}
			if arn == "" {
				if sent[u.ExecutionArn] == u.Status {
					continue
				}
				if final(u.Status) {
					delete(sent, u.ExecutionArn)
				} else {
					if len(sent) >= maxDedup {
						clear(sent)
					}
					sent[u.ExecutionArn] = u.Status
				}
			}
			if write(watchLine{Update: &wireUpdate{u.ExecutionArn, u.StateMachineArn, u.Status, u.LastEventID, u.Time}}) != nil {
				return
			}
		}
	}
}

// notOwner is the engine's error for a call on an execution of a
// partition this node does not run.
func notOwner(arn string) error {
	return &apierr.Error{Code: engine.NotOwnerCode, Status: http.StatusServiceUnavailable,
		Message: fmt.Sprintf("this node does not run the partition of %s (partition %d); retry", arn, partition.Of(arn))}
}

// final tells whether an execution status is an end.
func final(status string) bool {
	switch status {
	case workflow.StatusSucceeded, workflow.StatusFailed, workflow.StatusTimedOut, workflow.StatusAborted:
		return true
	}
	return false
}

// errStreamEnded is a watch stream's end without an error line (the peer
// stopped, or its connection was cut).
var errStreamEnded = errors.New("the watch stream ended")

// watch follows the updates of arn ("": every execution) on the node at
// addr, calling up once the peer watches and each for each update, until
// ctx ends, the peer ends the stream (the error says why) or nothing, not
// even a heartbeat, came for idle. It has no deadline of its own: the
// connection and the stream's first line must come within connect.
func (c *client) watch(ctx context.Context, addr, arn string, connect, idle time.Duration, up func(), each func(engine.Update)) error {
	body, err := json.Marshal(&request{Op: opWatch, Arn: arn, To: strings.TrimRight(addr, "/")})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errConnect := fmt.Errorf("the cluster's node %s did not start the watch within %v", addr, connect)
	errIdle := fmt.Errorf("the cluster's node %s sent nothing for %v", addr, idle)
	timer := time.AfterFunc(connect, func() { cancel(errConnect) })
	defer func() { timer.Stop() }()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(addr, "/")+Path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", sign(c.key, body, time.Now()))
	resp, err := c.http.Do(hr)
	if err != nil {
		return cause(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return apierr.New(apierr.ServiceUnavailable, "the cluster's node %s answered %s: %s", addr, resp.Status, strings.TrimSpace(string(msg)))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), maxWatchLine)
	for first := true; sc.Scan(); first = false {
		var l watchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("reading the watch stream of the cluster's node %s: %w", addr, err)
		}
		if l.Err != nil {
			return l.Err.err()
		}
		if first {
			timer.Stop()
			timer = time.AfterFunc(idle, func() { cancel(errIdle) })
			up()
		} else {
			timer.Reset(idle)
		}
		if l.Update != nil {
			each(l.Update.engine())
		}
	}
	if err := sc.Err(); err != nil {
		return cause(ctx, err)
	}
	return errStreamEnded
}

// cause is the reason ctx was cancelled, when it was, else err.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		return c
	}
	return err
}
