package native

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
)

// SSE events of a log stream.
const (
	sseLog    = "log"  // one chunk of output: data is a service.LogChunk, id its seq
	sseLogEnd = "done" // the execution ended and every chunk was sent: data is {"executionStatus": ...}
)

// logPoll is how often a log stream rereads the store while its execution
// runs: a task's output is no execution update, so nothing signals it.
const logPoll = 200 * time.Millisecond

// executionLogs answers GET /api/v1/executions/{arn}/logs: a page of the
// execution's task logs as JSON, or with ?follow=true an event stream of
// them that ends once the execution has ended and all its output was sent.
func (h *handler) executionLogs(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	in := &service.GetExecutionLogsInput{ExecutionArn: arn, Step: r.URL.Query().Get("step")}
	if in.Attempt, err = queryInt(r, "attempt"); err != nil {
		return err
	}
	if in.MaxResults, _, err = queryPage(r); err != nil {
		return err
	}
	if in.Offset, err = lastEventID(r, "offset"); err != nil {
		return err
	}
	follow, err := queryBool(r, "follow", false)
	if err != nil {
		return err
	}
	out, err := h.svc.GetExecutionLogs(r.Context(), in)
	if err != nil {
		return err
	}
	if !follow {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	release, err := h.openStream(w)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	updates := h.watch(ctx, arn) // an execution's end ends the wait at once
	stream, err := startSSE(w)
	if err != nil {
		return nil
	}
	if err := h.followLogs(ctx, stream, in, out, updates); err != nil && ctx.Err() == nil {
		h.log.Debug("log stream ended", "arn", arn, "err", err)
	}
	return nil
}

// followLogs sends pages of logs, out first, until a page read after the
// execution ended (its status is read before its logs, and a task's log is
// stored before its result) has sent what was left.
func (h *handler) followLogs(ctx context.Context, stream *sse, in *service.GetExecutionLogsInput, out *service.GetExecutionLogsOutput, updates <-chan engine.Update) error {
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	poll := time.NewTicker(logPoll)
	defer poll.Stop()
	for {
		for _, c := range out.Chunks {
			b, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := stream.event(strconv.FormatInt(c.Seq, 10), sseLog, b); err != nil {
				return err
			}
		}
		in.Offset = out.Offset
		if !out.More {
			if final(out.ExecutionStatus) {
				b, _ := json.Marshal(map[string]string{"executionStatus": out.ExecutionStatus})
				return stream.event("", sseLogEnd, b)
			}
			if err := h.awaitLogs(ctx, stream, beat.C, poll.C, &updates); err != nil {
				return err
			}
		}
		var err error
		if out, err = h.svc.GetExecutionLogs(ctx, in); err != nil {
			return err
		}
	}
}

// awaitLogs waits for the next poll or an update of the execution,
// sending heartbeats meanwhile.
func (h *handler) awaitLogs(ctx context.Context, stream *sse, beat, poll <-chan time.Time, updates *<-chan engine.Update) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-beat:
			if err := stream.comment("heartbeat"); err != nil {
				return err
			}
		case <-poll:
			return nil
		case _, ok := <-*updates:
			if !ok {
				*updates = nil // the watch ended: polls go on
			}
			return nil
		}
	}
}

// taskLogs takes output of an activity task's command from its worker.
func (h *handler) taskLogs(w http.ResponseWriter, r *http.Request) error {
	var req service.SendTaskLogsInput
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if err := h.svc.SendTaskLogs(r.Context(), &req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}
