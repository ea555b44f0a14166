package native

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/batonhq/baton/internal/auth"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// SSE event names.
const (
	sseHistory   = "history"   // one history event of an execution
	sseEnd       = "end"       // the execution ended: data is the execution
	sseExecution = "execution" // an execution's status changed
)

// writeGrace is how long a long request may take to write its answer once
// it has one, and how long a client may leave a stream's event unread
// before the stream is dropped.
const writeGrace = 10 * time.Second

// sse writes a server-sent event stream.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// openStream takes one of the maxStreams slots; release gives it back.
// Past the cap it answers 503 with Retry-After: every stream holds a
// connection and a watcher, and the descriptors they use must not run out.
func (h *handler) openStream(w http.ResponseWriter) (release func(), err error) {
	if h.streams.Add(1) > h.maxStreams {
		h.streams.Add(-1)
		w.Header().Set("Retry-After", "5")
		return nil, apierr.New(apierr.ServiceUnavailable,
			"the server already serves %d event streams, its limit (baton server --max-streams, BATON_MAX_STREAMS); retry later or close other streams", h.maxStreams)
	}
	return func() { h.streams.Add(-1) }, nil
}

// startSSE sends the stream's headers. Streams outlive the server's read
// and write timeouts, so they are lifted; each write gets its own deadline
// instead, so that a client that stops reading does not hold the stream.
func startSSE(w http.ResponseWriter) (*sse, error) {
	httpx.Extend(w, 0)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	s := &sse{w: w, rc: rc}
	return s, s.flush()
}

func (s *sse) flush() error {
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("streaming: %w", err)
	}
	return nil
}

// event writes one event; id is left out when empty.
func (s *sse) event(id, name string, data []byte) error {
	var b bytes.Buffer
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + name + "\n")
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return s.send(b.Bytes())
}

// send writes and flushes p, within writeGrace.
func (s *sse) send(p []byte) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeGrace))
	if _, err := s.w.Write(p); err != nil {
		return err
	}
	return s.flush()
}

// comment writes a comment line, which keeps an idle stream open.
func (s *sse) comment(text string) error {
	return s.send([]byte(": " + text + "\n\n"))
}

// lastEventID reads where a client resumes: the Last-Event-ID header (sent
// by EventSource on reconnection) or the query parameter param (?after=N
// for history, ?offset=N for logs).
func lastEventID(r *http.Request, param string) (int64, error) {
	s := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if s == "" {
		s = r.URL.Query().Get(param)
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("Last-Event-ID (or ?%s=) %q is not an event id: give the id of the last event received (or 0 for the start)", param, s)
	}
	return n, nil
}

// historyStream follows one execution's history.
type historyStream struct {
	h        *handler
	out      *sse
	arn      string
	withData bool
	express  bool  // no history: only the end is sent
	last     int64 // id of the last event sent
}

// executionEvents streams an execution's history events, then new ones as
// they are stored, and ends with an "end" event once the execution is over.
func (h *handler) executionEvents(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	after, err := lastEventID(r, "after")
	if err != nil {
		return err
	}
	withData, err := queryBool(r, "data", true)
	if err != nil {
		return err
	}
	release, err := h.openStream(w)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	updates := h.watch(ctx, arn) // before the first read: no update falls between
	st := &historyStream{h: h, arn: arn, withData: withData, express: isExpress(arn), last: after}
	desc, err := h.svc.DescribeExecution(ctx, &service.DescribeExecutionInput{ExecutionArn: arn})
	switch {
	case err == nil:
	case st.express && isCode(err, apierr.ExecutionDoesNotExist):
		desc = expressRunning(arn)
	default:
		return err
	}
	if st.out, err = startSSE(w); err != nil {
		return nil // the writer cannot stream; nothing more to say
	}
	if err := st.stream(ctx, desc, updates); err != nil && ctx.Err() == nil {
		h.log.Debug("execution event stream ended", "arn", arn, "err", err)
	}
	return nil
}

// stream sends the stored history, then follows updates until the end.
func (st *historyStream) stream(ctx context.Context, desc *service.DescribeExecutionOutput, updates <-chan engine.Update) error {
	if err := st.sendStored(ctx); err != nil {
		return err
	}
	if final(desc.Status) {
		return st.end(desc)
	}
	beat := time.NewTicker(st.h.heartbeat)
	defer beat.Stop()
	recheck := time.NewTicker(st.h.recheck)
	defer recheck.Stop()
	for {
		check := false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-beat.C:
			if err := st.out.comment("heartbeat"); err != nil {
				return err
			}
		case <-recheck.C:
			check = true
		case u, ok := <-updates:
			if !ok {
				return ctx.Err()
			}
			if u.LastEventID > st.last {
				if err := st.catchUp(ctx); err != nil {
					return err
				}
			}
			check = final(u.Status)
		}
		if !check {
			continue
		}
		// A missed update is found here: reread the history and status.
		if err := st.catchUp(ctx); err != nil {
			return err
		}
		desc, err := st.h.svc.DescribeExecution(ctx, &service.DescribeExecutionInput{ExecutionArn: st.arn})
		if err != nil && !(st.express && isCode(err, apierr.ExecutionDoesNotExist)) {
			return err
		}
		if err == nil && final(desc.Status) {
			if err := st.catchUp(ctx); err != nil { // events stored with the end
				return err
			}
			return st.end(desc)
		}
	}
}

// eventID reads the id of a rendered history event.
func eventID(ev json.RawMessage) int64 {
	var e struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(ev, &e)
	return e.ID
}

// send writes history events after the last one sent, in id order.
func (st *historyStream) send(evs []json.RawMessage) error {
	for _, ev := range evs {
		id := eventID(ev)
		if id <= st.last {
			continue
		}
		if err := st.out.event(strconv.FormatInt(id, 10), sseHistory, ev); err != nil {
			return err
		}
		st.last = id
	}
	return nil
}

// historyPageSize is the page size of the stream's history reads.
const historyPageSize = 1000

// sendStored sends the stored history after the last id, oldest first.
func (st *historyStream) sendStored(ctx context.Context) error {
	if st.express {
		return nil
	}
	next := ""
	for {
		page, err := st.h.svc.GetExecutionHistory(ctx, &service.GetExecutionHistoryInput{
			ExecutionArn: st.arn, MaxResults: historyPageSize, NextToken: next, IncludeExecutionData: &st.withData,
		})
		if err != nil {
			return err
		}
		if err := st.send(page.Events); err != nil {
			return err
		}
		if next = page.NextToken; next == "" {
			return nil
		}
	}
}

// catchUp sends the events stored since the last one sent: it reads the
// history newest first down to the last id sent, then sends in id order.
func (st *historyStream) catchUp(ctx context.Context) error {
	if st.express {
		return nil
	}
	var fresh []json.RawMessage
	next := ""
	for {
		page, err := st.h.svc.GetExecutionHistory(ctx, &service.GetExecutionHistoryInput{
			ExecutionArn: st.arn, MaxResults: 100, ReverseOrder: true, NextToken: next, IncludeExecutionData: &st.withData,
		})
		if err != nil {
			return err
		}
		reached := false
		for _, ev := range page.Events {
			if eventID(ev) <= st.last {
				reached = true
				break
			}
			fresh = append(fresh, ev)
		}
		if next = page.NextToken; reached || next == "" {
			break
		}
	}
	slices.Reverse(fresh)
	return st.send(fresh)
}

// end sends the "end" event with the execution as DescribeExecution shows
// it.
func (st *historyStream) end(desc *service.DescribeExecutionOutput) error {
	b, err := json.Marshal(viewOf(desc))
	if err != nil {
		return err
	}
	return st.out.event("", sseEnd, b)
}

// executionUpdate is the data of an "execution" event.
type executionUpdate struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Status          string       `json:"status"`
	LastEventID     int64        `json:"lastEventId"`
	Time            service.Time `json:"time,omitzero"`
}

// allEvents streams the status changes of every execution (of one workflow
// with ?workflow=NAME).
func (h *handler) allEvents(w http.ResponseWriter, r *http.Request) error {
	if h.w == nil {
		return apierr.New(apierr.ServiceUnavailable, "this server does not offer live updates")
	}
	smArn := ""
	if wf := r.URL.Query().Get("workflow"); wf != "" {
		// An unknown or malformed workflow is an error, not a silent stream.
		arn, err := h.workflowArn(r, wf)
		if err != nil {
			return err
		}
		ns, err := h.svc.NamespaceOfArn(r.Context(), arn)
		if err != nil {
			return err
		}
		if err := auth.Require(r.Context(), ns, auth.Viewer); err != nil {
			return err
		}
		if _, err := h.svc.DescribeStateMachine(r.Context(), &service.DescribeStateMachineInput{StateMachineArn: arn}); err != nil {
			return err
		}
		smArn = arn
		if a, err := service.ParseArn(smArn); err == nil {
			smArn = a.StateMachineArn()
		}
	}
	release, err := h.openStream(w)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	updates := h.w.Watch(ctx, "")
	out, err := startSSE(w)
	if err != nil {
		return nil
	}
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	visible := h.visibleArns(r.Context())
	seen := map[string]string{} // execution ARN -> last status sent, while not final
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			if out.comment("heartbeat") != nil {
				return nil
			}
		case u, ok := <-updates:
			if !ok {
				return nil
			}
			if smArn != "" && u.StateMachineArn != smArn || seen[u.ExecutionArn] == u.Status || !visible(u.ExecutionArn) {
				continue
			}
			if final(u.Status) {
				delete(seen, u.ExecutionArn)
			} else {
				seen[u.ExecutionArn] = u.Status
			}
			b, _ := json.Marshal(executionUpdate{u.ExecutionArn, u.StateMachineArn, u.Status, u.LastEventID, service.NewTime(u.Time)})
			if out.event("", sseExecution, b) != nil {
				return nil
			}
		}
	}
}

// visibleArns tells which executions the caller of ctx may see, by the
// namespace of their ARN (a stream of every execution shows only those).
func (h *handler) visibleArns(ctx context.Context) func(arn string) bool {
	if p := auth.FromContext(ctx); p.Has(auth.AllNamespaces, auth.Viewer) {
		return func(string) bool { return true }
	}
	return func(arn string) bool {
		ns, err := h.svc.NamespaceOfArn(ctx, arn)
		return err == nil && auth.Visible(ctx, ns)
	}
}
