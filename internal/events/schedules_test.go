package events_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
)

// scheduled is a store with one pipeline whose trigger is schedule (YAML),
// and a bus on a fake clock at start.
func scheduled(t *testing.T, start time.Time, schedule string) *world {
	w := &world{t: t, dir: t.TempDir(), rec: &recorder{}, clk: clock.NewFake(start)}
	st := w.open()
	sm := &store.StateMachine{Arn: smArn(account, "listings"), Name: "listings", Language: "pipeline", Type: store.TypeStandard, RevisionID: "r1",
		Definition: "name: listings\ntrigger:\n  schedule:\n" + schedule + "steps:\n  - {name: a, command: [echo, ok]}\n"}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	w.run()
	return w
}

// runsAfter advances the fake clock by d, step by step, and waits until
// want runs were started in all.
func (w *world) runsAfter(d, step time.Duration, want int) []events.RunRequest {
	w.t.Helper()
	end := w.clk.Now().Add(d)
	for w.clk.Now().Before(end) {
		w.waitIdle()
		w.clk.Advance(min(step, end.Sub(w.clk.Now())))
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		w.waitIdle()
		got := w.rec.started()
		if len(got) >= want {
			if len(got) > want {
				w.t.Fatalf("want %d runs, got %d: %+v", want, len(got), got)
			}
			return got
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("want %d runs, got %d: %+v", want, len(got), got)
		}
		time.Sleep(2 * time.Millisecond) // polling, with the deadline above
	}
}

// waitIdle waits until the bus waits on the fake clock with no intent left.
func (w *world) waitIdle() {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ins, err := w.st.Intents(context.Background(), events.TriggersConsumer)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(ins) == 0 && w.clk.Waiters() > 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the bus did not settle: %d intents", len(ins))
		}
		time.Sleep(time.Millisecond) // polling, with the deadline above
	}
}

func TestScheduleDailyWeek(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"cron(0 3 * * ? *)\"\n")
	got := w.runsAfter(7*24*time.Hour, time.Hour, 7)
	for i, r := range got {
		slot := time.Date(2026, 12, 1+i, 3, 0, 0, 0, time.UTC)
		if !r.LogicalDate.Equal(slot) || !strings.HasSuffix(r.Name, slot.Format("-20060102T150405Z")) {
			t.Errorf("run %d: %s for %v, want the slot %v", i, r.Name, r.LogicalDate, slot)
		}
		if i > 0 && !r.DataIntervalStart.Equal(slot.Add(-24*time.Hour)) {
			t.Errorf("run %d: data interval starts %v, want the previous slot", i, r.DataIntervalStart)
		}
		trig, _ := json.Marshal(r.Trigger)
		if !strings.Contains(string(trig), `"scheduled_time":"`+slot.Format(time.RFC3339)+`"`) {
			t.Errorf("run %d: trigger %s", i, trig)
		}
	}
}

func TestScheduleShorthandInTimeZone(t *testing.T) {
	// hour: 3 in Europe/Berlin is 02:00 UTC in winter.
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	w := scheduled(t, start, "    hour: 3\n    timezone: Europe/Berlin\n")
	got := w.runsAfter(24*time.Hour, 30*time.Minute, 1)
	if want := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC); !got[0].LogicalDate.Equal(want) {
		t.Fatalf("slot %v, want %v", got[0].LogicalDate, want)
	}
}

func TestScheduleCatchupLatestAfterDowntime(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"cron(0 3 * * ? *)\"\n    catchup: latest\n    catchup_window: 48h\n")
	w.runsAfter(2*time.Hour, time.Hour, 1) // the 1st at 03:00
	w.stop()
	w.st.Close()
	w.clk.Advance(3*24*time.Hour + time.Hour) // down over the 2nd, 3rd and 4th
	w.open()
	w.run()
	got := w.runsAfter(time.Minute, time.Minute, 2)
	if want := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC); !got[1].LogicalDate.Equal(want) {
		t.Fatalf("caught up %v, want the latest missed slot %v", got[1].LogicalDate, want)
	}
	// The other missed slots are skipped, each an event on the bus.
	skipped := 0
	for p := 0; p < store.OutboxPartitions; p++ {
		evs, err := w.st.ReadOutbox(context.Background(), p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Body), `"detail-type":"Scheduled Run Skipped"`) && strings.Contains(string(ev.Body), `"reason":"missed"`) {
				skipped++
			}
		}
	}
	if skipped != 2 {
		t.Fatalf("want 2 skipped slots on the bus, got %d", skipped)
	}
}

func TestScheduleOverlapSkip(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 59, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"rate(1 hour)\"\n    overlap: skip\n")
	w.runsAfter(2*time.Minute, time.Minute, 1)
	// A run of the workflow is going: the next slot is skipped.
	x := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:listings:long", StateMachineArn: smArn(account, "listings"),
		Name: "long", Type: store.TypeStandard, Status: "RUNNING", Input: "{}", StartDate: w.clk.Now(), Language: "pipeline", Definition: "x"}
	if err := w.st.Commit(context.Background(), []*store.Transition{{Execution: x, New: true}}); err != nil {
		t.Fatal(err)
	}
	w.runsAfter(time.Hour, 10*time.Minute, 1)
	x.Status, x.StopDate = "SUCCEEDED", w.clk.Now()
	if err := w.st.Commit(context.Background(), []*store.Transition{{Execution: x}}); err != nil {
		t.Fatal(err)
	}
	w.runsAfter(time.Hour, 10*time.Minute, 2)
}

func TestScheduleOverlapBufferOne(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 59, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"rate(1 hour)\"\n    overlap: buffer_one\n")
	w.runsAfter(2*time.Minute, time.Minute, 1)
	x := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:listings:long", StateMachineArn: smArn(account, "listings"),
		Name: "long", Type: store.TypeStandard, Status: "RUNNING", Input: "{}", StartDate: w.clk.Now(), Language: "pipeline", Definition: "x"}
	if err := w.st.Commit(context.Background(), []*store.Transition{{Execution: x, New: true}}); err != nil {
		t.Fatal(err)
	}
	// 04:00 and 05:00 come while it runs: one is buffered, one skipped.
	w.runsAfter(2*time.Hour, 10*time.Minute, 1)
	x.Status, x.StopDate = "SUCCEEDED", w.clk.Now()
	if err := w.st.Commit(context.Background(), []*store.Transition{{Execution: x}}); err != nil {
		t.Fatal(err)
	}
	got := w.runsAfter(10*time.Second, time.Second, 2)
	if want := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC); !got[1].LogicalDate.Equal(want) {
		t.Fatalf("the buffered slot: %v, want %v", got[1].LogicalDate, want)
	}
}

func TestSchedulePauseResume(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"cron(0 3 * * ? *)\"\n")
	if err := w.tr.SetPaused(context.Background(), smArn(account, "listings"), true); err != nil {
		t.Fatal(err)
	}
	w.restart() // the pause is stored
	w.runsAfter(2*24*time.Hour, time.Hour, 0)
	if err := w.tr.SetPaused(context.Background(), smArn(account, "listings"), false); err != nil {
		t.Fatal(err)
	}
	got := w.runsAfter(24*time.Hour, time.Hour, 1)
	if want := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC); !got[0].LogicalDate.Equal(want) {
		t.Fatalf("after resuming: %v, want %v (the paused slots do not run)", got[0].LogicalDate, want)
	}
}

// TestScheduleLongDowntimeSkipsInFewEvents: an every-minute schedule down
// for a day skips 1,439 slots in 11 events (10, then one for the rest);
// the slot 30 s before the restart is late, not missed: it runs.
func TestScheduleLongDowntimeSkipsInFewEvents(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 30, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"* * * * *\"\n")
	w.runsAfter(time.Minute, time.Minute, 1)
	w.stop()
	w.st.Close()
	w.clk.Advance(24 * time.Hour)
	w.open()
	w.run()
	w.runsAfter(0, time.Minute, 2)
	events, slots := 0, 0
	for p := 0; p < store.OutboxPartitions; p++ {
		evs, err := w.st.ReadOutbox(context.Background(), p, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			var e struct {
				Detail struct {
					Reason string `json:"reason"`
					Slots  int    `json:"slots"`
				} `json:"detail"`
			}
			if json.Unmarshal(ev.Body, &e) == nil && e.Detail.Reason == "missed" {
				events++
				slots += max(e.Detail.Slots, 1)
			}
		}
	}
	if events != 11 || slots != 1439 {
		t.Fatalf("%d skipped-slot events for %d slots, want 11 for 1439", events, slots)
	}
}

// TestExplainWhereTheBusDoesNotRun: a Triggers the bus does not run (on a
// node of a cluster that does not run it) explains a schedule from the
// stored state: the last slot dealt with and the pause, as the running
// one does.
func TestExplainWhereTheBusDoesNotRun(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	w := scheduled(t, start, "    cron: \"cron(0 3 * * ? *)\"\n")
	w.runsAfter(2*time.Hour, time.Hour, 1)
	ctx := context.Background()
	arn := smArn(account, "listings")
	elsewhere := events.NewTriggers(events.TriggerOptions{Store: w.st, Region: region, DefaultAccount: account})
	if err := elsewhere.SetPaused(ctx, arn, true); err != nil {
		t.Fatal(err)
	}
	w.waitIdle()
	now := w.clk.Now()
	describe := func(tr *events.Triggers) string {
		t.Helper()
		ex, err := tr.Explain(ctx, arn, now)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ex)
		return string(b)
	}
	// The running one learns of the pause as a cluster's notice tells it.
	w.tr.NotePaused(arn, true)
	got, want := describe(elsewhere), describe(w.tr)
	if got != want || !strings.Contains(want, `"lastSlot":"2026-12-01T03:00:00Z"`) || !strings.Contains(want, `"paused":true`) {
		t.Fatalf("explained where the bus does not run:\n%s\nwhere it runs:\n%s", got, want)
	}
	sums, err := elsewhere.Summaries(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if s := sums[arn]; s.NextRun != nil || len(s.Kinds) != 1 {
		t.Fatalf("summary of a paused schedule where the bus does not run: %+v", s)
	}
}
