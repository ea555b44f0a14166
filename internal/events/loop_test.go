package events_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// looper runs every start at once to SUCCEEDED, with its status event
// carrying its trigger depth, as the server does.
type looper struct {
	w    *world
	mu   sync.Mutex
	runs []events.RunRequest
}

func (l *looper) Start(ctx context.Context, r events.RunRequest) error {
	l.mu.Lock()
	for _, x := range l.runs {
		if x.Name == r.Name {
			l.mu.Unlock()
			return nil
		}
	}
	l.runs = append(l.runs, r)
	l.mu.Unlock()
	now := time.Now()
	x := &store.Execution{Arn: strings.Replace(r.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + r.Name,
		StateMachineArn: r.StateMachineArn, Name: r.Name, Status: "SUCCEEDED", Input: "{}", Output: "{}", StartDate: now, StopDate: now,
		Language: "pipeline", TraceHeader: service.TriggerDepthHeader(r.Depth), EventCount: 5}
	return l.w.bus.Put(ctx, []*store.OutboxEvent{service.StatusEvent(region, x)})
}

func (l *looper) Stop(context.Context, string, string) error { return nil }

// TestTriggerLoopStops: ping runs on pong's success (an event pattern),
// pong on ping's (an upstream trigger): started once by hand, the chain
// stops after MaxTriggerDepth runs, with a "Triggered Run Skipped" event.
func TestTriggerLoopStops(t *testing.T) {
	w := &world{t: t, dir: t.TempDir(), rec: &recorder{}}
	st := w.open()
	ctx := context.Background()
	for _, sm := range []*store.StateMachine{
		{Arn: smArn(account, "ping"), Name: "ping", Definition: "name: ping\ntrigger:\n  event:\n    pattern: {source: [aws.states], detail: {stateMachineArn: [\"" + smArn(account, "pong") + "\"], status: [SUCCEEDED]}}\nsteps:\n  - {name: a, command: [echo]}\n"},
		{Arn: smArn(account, "pong"), Name: "pong", Definition: "name: pong\ntrigger:\n  executions:\n    anyOf: [{name: ping}]\nsteps:\n  - {name: a, command: [echo]}\n"},
	} {
		sm.Language, sm.Type, sm.RevisionID = "pipeline", store.TypeStandard, "r1"
		if err := st.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
	}
	l := &looper{w: w}
	w.runWith(l)
	if err := l.Start(ctx, events.RunRequest{StateMachineArn: smArn(account, "ping"), Name: "by-hand"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		found := false
		for p := 0; p < store.OutboxPartitions && !found; p++ {
			evs, err := st.ReadOutbox(ctx, p, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				found = found || strings.Contains(string(ev.Body), `"detail-type":"Triggered Run Skipped"`)
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no Triggered Run Skipped event")
		}
		time.Sleep(5 * time.Millisecond) // polling, with the deadline above
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.runs) != 1+events.MaxTriggerDepth {
		t.Fatalf("%d runs, want the one by hand and %d triggered", len(l.runs), events.MaxTriggerDepth)
	}
}
