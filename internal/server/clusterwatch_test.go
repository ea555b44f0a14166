package server

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/service"
)

// sseEvent is one event of a server-sent event stream.
type sseEvent struct{ name, data string }

// openEvents opens the event stream at path on the server at addr and
// returns its events as they come; the channel closes when the stream
// ends. The stream is closed when ctx ends.
func openEvents(t *testing.T, ctx context.Context, addr, path string) <-chan sseEvent {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	out := make(chan sseEvent, 256)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// TestClusterEventStreamsArePushed: served by the node that does not run
// an execution, its event stream gets its events as its owner commits
// them, relayed from the owner, and the stream of every execution's
// status changes gets those of the owner's executions. The nodes reread
// the store only every hour here, so nothing but the relay can deliver
// them within the test's deadline.
func TestClusterEventStreamsArePushed(t *testing.T) {
	owner, other := settledPair(t, func(c *Config) { c.streamRecheck = time.Hour })("pushed")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	role := "arn:aws:iam::123456789012:role/r"
	act, err := other.Service().CreateActivity(ctx, &service.CreateActivityInput{Name: "gate"})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := other.Service().CreateStateMachine(ctx, &service.CreateStateMachineInput{Name: "pushed", RoleArn: role,
		Definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act.ActivityArn + `","Next":"P"},"P":{"Type":"Pass","End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	all := openEvents(t, ctx, other.Addr(), "/api/v1/events?workflow=pushed")
	x, err := other.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	stream := openEvents(t, ctx, other.Addr(), "/api/v1/executions/"+url.PathEscape(x.ExecutionArn)+"/events")
	// The stored history comes first, up to the activity's task (pushed
	// too if the stream began before it was stored).
	awaitEvent(t, stream, "the activity's task to be scheduled", func(e sseEvent) bool {
		return e.name == "history" && strings.Contains(e.data, `"type":"ActivityScheduled"`)
	})
	task, err := owner.Service().GetActivityTask(ctx, &service.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: "w"})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("the activity's task: %+v, %v", task, err)
	}
	sent := time.Now()
	if _, err := owner.Service().SendTaskSuccess(ctx, &service.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	awaitEvent(t, stream, "the execution's end to be pushed", func(e sseEvent) bool {
		return e.name == "history" && strings.Contains(e.data, `"type":"ExecutionSucceeded"`)
	})
	t.Logf("the end came on the other node's stream %v after the task's result", time.Since(sent))
	awaitEvent(t, stream, "the stream's end", func(e sseEvent) bool { return e.name == "end" })
	// The stream of every execution relays the owner's status changes:
	// no run of the workflow runs on this node, so any that comes was
	// relayed. Its relay may have started after this run's changes: more
	// runs are started until one comes.
	awaitEvent(t, all, "a run's status change to be pushed", func(e sseEvent) bool { return e.name == "execution" }, func() {
		if _, err := other.Service().StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: sm.StateMachineArn}); err != nil {
			t.Error(err)
		}
	})
}

// awaitEvent reads events of ch until one satisfies match, failing when
// the stream ends first or after 15 s; each of poke (if any) runs every
// 200 ms meanwhile.
func awaitEvent(t *testing.T, ch <-chan sseEvent, what string, match func(sseEvent) bool, poke ...func()) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			if match(e) {
				return
			}
		case <-tick.C:
			for _, p := range poke {
				p()
			}
		case <-deadline:
			t.Fatalf("waiting for %s: nothing came in 15s", what)
		}
	}
}
