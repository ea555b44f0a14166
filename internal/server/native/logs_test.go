package native

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// appendLog stores one chunk of output of the task "task-1" of state S.
func (e *tenv) appendLog(t *testing.T, arn, text string) {
	t.Helper()
	err := e.Store.AppendLogs(context.Background(), 0, []*store.LogChunk{{ExecutionArn: arn, TaskID: "task-1", StateName: "S",
		Attempt: 1, Stream: store.LogStdout, Data: []byte(text)}})
	if err != nil {
		t.Fatal(err)
	}
}

func logText(t *testing.T, ev sseEvent) string {
	t.Helper()
	if ev.name != sseLog {
		t.Fatalf("event %q, want log: %+v", ev.name, ev)
	}
	var c service.LogChunk
	if err := json.Unmarshal([]byte(ev.data), &c); err != nil {
		t.Fatal(err)
	}
	if ev.id != "" && ev.id != jsonNumber(c.Seq) {
		t.Errorf("event id %s, chunk seq %d", ev.id, c.Seq)
	}
	return c.Text
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestLogStream: ?follow=true sends the stored chunks, then new ones as
// they are stored, then "done" once the execution has ended; a stream
// resumed with Last-Event-ID goes on after that chunk; a page read answers
// the offset to go on from.
func TestLogStream(t *testing.T) {
	e := setup(t, func(h *handler) { h.maxStreams = 1 })
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	e.appendLog(t, arn, "one\n")
	ch, cancel := e.stream(t, "/api/v1/executions/"+esc(arn)+"/logs?follow=true", nil)
	defer cancel()
	first := next(t, ch)
	if got := logText(t, first); got != "one\n" {
		t.Fatalf("first chunk %q", got)
	}
	// One stream at a time here (--max-streams 1): a second one is refused.
	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/logs?follow=true", nil)
	expectError(t, r, http.StatusServiceUnavailable, "ServiceUnavailable")
	// A page read is no stream: it is answered.
	page := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/logs", nil)
	expect(t, page, http.StatusOK)
	m := page.json(t)
	if m["executionStatus"] != "RUNNING" || len(m["chunks"].([]any)) != 1 || m["offset"].(float64) == 0 {
		t.Fatalf("page: %s", page.body)
	}

	e.appendLog(t, arn, "two\n")
	if got := logText(t, next(t, ch)); got != "two\n" {
		t.Fatalf("live chunk %q", got)
	}
	if err := e.Engine.Succeed(context.Background(), arn, `{}`); err != nil {
		t.Fatal(err)
	}
	end := next(t, ch)
	if end.name != sseLogEnd || !strings.Contains(end.data, "SUCCEEDED") {
		t.Fatalf("end: %+v", end)
	}
	cancel()
	eventually(t, "the stream's slot", func() bool { return e.h.streams.Load() == 0 })

	// Resumed after the first chunk: the second, then done at once.
	ch2, cancel2 := e.stream(t, "/api/v1/executions/"+esc(arn)+"/logs?follow=true", map[string]string{"Last-Event-ID": first.id})
	defer cancel2()
	if got := logText(t, next(t, ch2)); got != "two\n" {
		t.Fatalf("resumed chunk %q", got)
	}
	if ev := next(t, ch2); ev.name != sseLogEnd {
		t.Fatalf("resumed end: %+v", ev)
	}
}

// TestLogPageBounds: a page ends at limit chunks or once it holds 4 MiB of
// text, and then says more, so that a reader pages on and a follower does
// not wait for output that is already stored.
func TestLogPageBounds(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	mib := []byte(strings.Repeat("x", 1<<20))
	for i := range 5 { // one task each: chunks of one attempt may be joined
		err := e.Store.AppendLogs(context.Background(), 0, []*store.LogChunk{{ExecutionArn: arn, TaskID: "task-" + jsonNumber(int64(i)),
			StateName: "S", Attempt: 1, Stream: store.LogStdout, Data: mib}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		query  string
		chunks int
		more   bool
	}{
		{"?limit=2", 2, true},
		{"", 4, true},
		{"?offset=", 0, false}, // the offset of the page before is added below
	} {
		q := tt.query
		if q == "?offset=" {
			page := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/logs?limit=4", nil)
			q += jsonNumber(int64(page.json(t)["offset"].(float64)))
			tt.chunks = 1
		}
		r := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/logs"+q, nil)
		expect(t, r, http.StatusOK)
		m := r.json(t)
		if got := len(m["chunks"].([]any)); got != tt.chunks || (m["more"] == true) != tt.more {
			t.Errorf("%s: %d chunks, more %v; want %d, %v", q, got, m["more"], tt.chunks, tt.more)
		}
	}
}
