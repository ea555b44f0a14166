package native

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
)

// sseEvent is one parsed server-sent event (or comment).
type sseEvent struct {
	id, name, data, comment string
}

// stream opens an event stream and returns its parsed events; it fails the
// test when the status is not 200.
func (e *tenv) stream(t *testing.T, path string, header map[string]string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(res.Body)
		cancel()
		t.Fatalf("stream: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				ch <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[6:]
			}
		}
	}()
	return ch, cancel
}

// next returns the next event that is not a comment.
func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended early")
			}
			if ev.comment == "" {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

func historyType(t *testing.T, ev sseEvent) string {
	t.Helper()
	if ev.name != "history" {
		t.Fatalf("event %q, want history: %+v", ev.name, ev)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
		t.Fatal(err)
	}
	return m["type"].(string)
}

func TestExecutionEventStream(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	ctx := context.Background()
	arn := e.start(t, "wf", nil)
	_ = e.Engine.Enter(ctx, arn, "A")

	ch, cancel := e.stream(t, "/api/v1/executions/"+esc(arn)+"/events", nil)
	defer cancel()
	if ev := next(t, ch); ev.id != "1" || historyType(t, ev) != "ExecutionStarted" {
		t.Fatalf("first: %+v", ev)
	}
	if ev := next(t, ch); ev.id != "2" || historyType(t, ev) != "TaskStateEntered" {
		t.Fatalf("second: %+v", ev)
	}
	// New events arrive as they are stored.
	_ = e.Engine.Exit(ctx, arn, "A")
	if ev := next(t, ch); ev.id != "3" || historyType(t, ev) != "TaskStateExited" {
		t.Fatalf("live: %+v", ev)
	}
	_ = e.Engine.Succeed(ctx, arn, `{"x":1}`)
	if ev := next(t, ch); ev.id != "4" || historyType(t, ev) != "ExecutionSucceeded" {
		t.Fatalf("last: %+v", ev)
	}
	end := next(t, ch)
	var m map[string]any
	if end.name != "end" || json.Unmarshal([]byte(end.data), &m) != nil || m["status"] != "SUCCEEDED" || m["output"].(map[string]any)["x"] != 1.0 {
		t.Fatalf("end: %+v", end)
	}
	if _, ok := <-ch; ok {
		t.Fatal("the stream goes on after end")
	}
}

func TestExecutionEventStreamResumesAndEnds(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	ctx := context.Background()
	arn := e.start(t, "wf", nil)
	_ = e.Engine.Enter(ctx, arn, "A")
	_ = e.Engine.Exit(ctx, arn, "A")
	_ = e.Engine.Fail(ctx, arn, "E", "C")

	// A finished execution: the events after Last-Event-ID, then end.
	ch, cancel := e.stream(t, "/api/v1/executions/"+esc(arn)+"/events", map[string]string{"Last-Event-ID": "2"})
	defer cancel()
	if ev := next(t, ch); ev.id != "3" {
		t.Fatalf("resumed at %+v", ev)
	}
	if ev := next(t, ch); ev.id != "4" || historyType(t, ev) != "ExecutionFailed" {
		t.Fatalf("then %+v", ev)
	}
	if ev := next(t, ch); ev.name != "end" || !strings.Contains(ev.data, `"FAILED"`) {
		t.Fatalf("end %+v", ev)
	}
	ch2, cancel2 := e.stream(t, "/api/v1/executions/"+esc(arn)+"/events?after=4", nil)
	defer cancel2()
	if ev := next(t, ch2); ev.name != "end" {
		t.Fatalf("after the last event only the end comes: %+v", ev)
	}
}

func TestExecutionEventStreamErrors(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	expectError(t, e.do(t, "GET", "/api/v1/executions/"+esc(arn+"x")+"/events", nil), http.StatusBadRequest, "ExecutionDoesNotExist")
	expectError(t, e.do(t, "GET", "/api/v1/executions/bad/events", nil), http.StatusBadRequest, "InvalidArn")
	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/events?after=x", nil)
	expectError(t, r, http.StatusBadRequest, "ValidationException")
}

func TestStreamHeartbeatAndRecheck(t *testing.T) {
	// Without a watcher, the stream finds new events by rereading.
	e := setup(t, func(h *handler) { h.w = nil; h.heartbeat = 5 * time.Millisecond; h.recheck = 10 * time.Millisecond })
	e.deploy(t, "wf")
	ctx := context.Background()
	arn := e.start(t, "wf", nil)
	ch, cancel := e.stream(t, "/api/v1/executions/"+esc(arn)+"/events", nil)
	defer cancel()
	next(t, ch) // ExecutionStarted
	timeout := time.After(10 * time.Second)
	for beat := false; !beat; {
		select {
		case ev := <-ch:
			beat = ev.comment == "heartbeat"
		case <-timeout:
			t.Fatal("no heartbeat")
		}
	}
	_ = e.Engine.Succeed(ctx, arn, `{}`)
	if ev := next(t, ch); historyType(t, ev) != "ExecutionSucceeded" {
		t.Fatalf("%+v", ev)
	}
	if ev := next(t, ch); ev.name != "end" {
		t.Fatalf("%+v", ev)
	}
}

func TestAllEventsStream(t *testing.T) {
	e := setup(t)
	e.deploy(t, "a")
	e.deploy(t, "b")
	ctx := context.Background()
	ch, cancel := e.stream(t, "/api/v1/events", nil)
	defer cancel()
	chB, cancelB := e.stream(t, "/api/v1/events?workflow=b", nil)
	defer cancelB()
	eventually(t, "both streams to watch", func() bool { return e.Watcher.Watchers() == 2 })

	arnA := e.start(t, "a", nil)
	_ = e.Engine.Enter(ctx, arnA, "A") // no status change: not sent
	_ = e.Engine.Succeed(ctx, arnA, `{}`)
	arnB := e.start(t, "b", nil)

	want := []struct{ arn, status string }{{arnA, "RUNNING"}, {arnA, "SUCCEEDED"}, {arnB, "RUNNING"}}
	for _, w := range want {
		ev := next(t, ch)
		var m map[string]any
		if ev.name != "execution" || json.Unmarshal([]byte(ev.data), &m) != nil || m["executionArn"] != w.arn || m["status"] != w.status {
			t.Fatalf("got %+v, want %s %s", ev, w.arn, w.status)
		}
	}
	if ev := next(t, chB); !strings.Contains(ev.data, arnB) {
		t.Fatalf("filtered stream: %+v", ev)
	}
}

// TestStreamCap: past maxStreams, a stream request gets 503 with
// Retry-After and a message naming the flag, and no error in the log (a
// flood of refused streams logged one error each); a slot freed is reused.
func TestStreamCap(t *testing.T) {
	logs := &nativetest.LogBuffer{}
	e := setup(t, func(h *handler) {
		h.maxStreams = 2
		h.log = slog.New(slog.NewTextHandler(logs, nil))
	})
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	_, cancel1 := e.stream(t, "/api/v1/events", nil)
	defer cancel1()
	_, cancel2 := e.stream(t, "/api/v1/executions/"+esc(arn)+"/events", nil)
	defer cancel2()
	for _, path := range []string{"/api/v1/events", "/api/v1/executions/" + esc(arn) + "/events"} {
		r := e.do(t, "GET", path, nil)
		expectError(t, r, http.StatusServiceUnavailable, "ServiceUnavailable")
		if r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "--max-streams") {
			t.Fatalf("503 without Retry-After or the flag: %v %s", r.header, r.body)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("refused streams logged as errors:\n%s", logs)
	}
	// Other requests still get through.
	expect(t, e.do(t, "GET", "/api/v1/workflows", nil), http.StatusOK)
	cancel1()
	eventually(t, "the slot to be freed", func() bool { return e.h.streams.Load() < 2 })
	_, cancel3 := e.stream(t, "/api/v1/events", nil)
	cancel3()
}
