package events

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/events/schedule"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// Scheduling constants.
const (
	// Late is how far behind its slot a run may start and still count as
	// on time: slots older than that were missed (the server was down) and
	// the schedule's catchup decides.
	Late = time.Minute
	// MaxCatchup bounds the missed slots run (catchup: all) or buffered
	// (overlap: buffer_all) for one schedule; older ones are skipped.
	MaxCatchup = 1000
	// bufferPoll is how often a schedule with buffered slots looks whether
	// its workflow's runs ended.
	bufferPoll = 2 * time.Second
	// SkippedDetailType is the bus event of a slot that did not run.
	SkippedDetailType = "Scheduled Run Skipped"
	// BatonSource is the source of Baton's own bus events.
	BatonSource = "baton.scheduler"
)

const schedKeyPrefix = "s/"

// slotState is what a schedule stored: the last slot it dealt with (ran,
// skipped or buffered), and the slots waiting for a free turn.
type slotState struct {
	Last     time.Time   `json:"last"`
	Buffered []time.Time `json:"buffered,omitempty"`
}

// compiled is a schedule of a workflow, ready to give fire times.
type compiled struct {
	w    *Workflow
	s    pipeline.Schedule
	expr *schedule.Schedule
	loc  *time.Location
	key  string // its state's key: the workflow, the index and the expression
	id   string // short, for run names
}

// CompileSchedule reads a pipeline's schedule: its expression (cron or
// the shorthand) bounded by start and end, and its time zone.
func CompileSchedule(s pipeline.Schedule) (*schedule.Schedule, *time.Location, error) {
	var expr *schedule.Schedule
	var err error
	if s.Cron != "" {
		expr, err = schedule.Parse(s.Cron)
	} else {
		expr, err = schedule.Shorthand(s.Minute, s.Hour, s.Day, s.Weekday, s.Month)
	}
	if err != nil {
		return nil, nil, err
	}
	loc := time.UTC
	if s.Timezone != "" {
		if loc, err = time.LoadLocation(s.Timezone); err != nil {
			return nil, nil, err
		}
	}
	return expr.Within(s.Start, s.End), loc, nil
}

func scheduleHash(arn string, index int, expr *schedule.Schedule, loc *time.Location) [32]byte {
	return sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", arn, index, expr.String(), loc.String()))
}

// ScheduledRunName is the name of the run a workflow's index-th schedule
// starts for slot (see SlotName).
func ScheduledRunName(arn string, index int, expr *schedule.Schedule, loc *time.Location, slot time.Time) string {
	h := scheduleHash(arn, index, expr, loc)
	return SlotName(hex.EncodeToString(h[:4]), slot)
}

// compile reads a workflow's schedules; one that does not compile any more
// (it was validated at deploy) is logged and left out.
func (t *Triggers) compile(w *Workflow) []*compiled {
	var out []*compiled
	for i, s := range w.Trigger.Schedules {
		expr, loc, err := CompileSchedule(s)
		if err != nil {
			t.opt.Log.Error("triggers: a schedule does not compile; it does not run", "workflow", w.Arn, "schedule", i, "err", err)
			continue
		}
		h := scheduleHash(w.Arn, i, expr, loc)
		out = append(out, &compiled{w: w, s: s, expr: expr, loc: loc,
			key: fmt.Sprintf("%s%s/%d/%s", schedKeyPrefix, w.Arn, i, hex.EncodeToString(h[:6])), id: hex.EncodeToString(h[:4])})
	}
	return out
}

// tick runs the schedules' slots that are due at now and returns when the
// next one is. After the catalog changed it looks at every schedule; else
// only at those due, from a heap of their next fire times, so that 10,000
// schedules cost a tick what the due ones cost.
func (t *Triggers) tick(ctx context.Context, now time.Time, c *store.ConsumerCommit) (time.Time, error) {
	if t.upSince.IsZero() {
		t.upSince = now
	}
	t.stored, t.decided = nil, map[string]int{} // per tick
	if err := t.refresh(ctx); err != nil {
		return time.Time{}, err
	}
	t.mu.Lock()
	wfs, gen := t.workflows, t.gen
	t.mu.Unlock()
	if gen != t.dueGen {
		// Everything anew: compile (cached by revision), deal with each.
		t.due = t.due[:0]
		live := map[string]bool{}
		compiled := map[string][]*compiled{}
		for _, w := range wfs {
			key := w.Arn + "\x00" + w.Revision
			css, ok := t.compiledCache[key]
			if !ok {
				css = t.compile(w)
			}
			compiled[key] = css
			for _, cs := range css {
				live[cs.key] = true
				at, err := t.tickOne(ctx, cs, now, c)
				if err != nil {
					return time.Time{}, err
				}
				if !at.IsZero() {
					t.due = append(t.due, dueEntry{at: at, cs: cs})
				}
			}
		}
		t.compiledCache = compiled
		heap.Init(&t.due)
		// Forget the state of schedules that are gone (undeployed, changed).
		t.mu.Lock()
		drop := func(key string) {
			if c.State == nil {
				c.State = map[string][]byte{}
			}
			c.State[key] = nil
		}
		for key := range t.slots {
			if !live[key] {
				delete(t.slots, key)
				drop(key)
			}
		}
		// And the run logs and pauses of workflows whose trigger is gone.
		withExecs, withTrigger := map[string]bool{}, map[string]bool{}
		for _, w := range wfs {
			withTrigger[w.Arn] = true
			withExecs[w.Arn] = w.Trigger.Executions != nil
		}
		for arn := range t.execs {
			if !withExecs[arn] {
				delete(t.execs, arn)
				drop(execKeyPrefix + arn)
			}
		}
		for arn := range t.paused {
			if !withTrigger[arn] {
				delete(t.paused, arn)
				drop(pausedKeyPrefix + arn)
			}
		}
		t.mu.Unlock()
		t.dueGen = gen
	} else {
		for len(t.due) > 0 && !t.due[0].at.After(now) {
			e := heap.Pop(&t.due).(dueEntry)
			at, err := t.tickOne(ctx, e.cs, now, c)
			if err != nil {
				t.dueGen = 0 // start anew after the reload
				return time.Time{}, err
			}
			if !at.IsZero() {
				heap.Push(&t.due, dueEntry{at: at, cs: e.cs})
			}
		}
	}
	if len(t.due) == 0 {
		return time.Time{}, nil
	}
	return t.due[0].at, nil
}

// dueEntry is a schedule and when it is next due.
type dueEntry struct {
	at time.Time
	cs *compiled
}

// dueHeap orders schedules by when they are due.
type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// tickOne deals with the due slots of one schedule and returns when it is
// next due.
func (t *Triggers) tickOne(ctx context.Context, cs *compiled, now time.Time, c *store.ConsumerCommit) (time.Time, error) {
	t.mu.Lock()
	old, known := t.slots[cs.key]
	t.mu.Unlock()
	// Work on a copy: explain reads the stored one meanwhile.
	st := &slotState{Last: now}
	if known {
		st = &slotState{Last: old.Last, Buffered: append([]time.Time(nil), old.Buffered...)}
	}
	sk := &skipper{t: t, cs: cs, c: c}
	defer sk.flush()
	changed := !known // a new schedule starts from now: not the slots before its deploy
	// The slots due: after the last one dealt with, up to now.
	var due []time.Time
	for at := st.Last; ; {
		slot, ok := cs.expr.Next(at, cs.loc)
		if !ok || slot.Add(schedule.Jitter(cs.key, slot, cs.s.Jitter)).After(now) {
			break
		}
		due = append(due, slot)
		if len(due) > MaxCatchup {
			sk.skip(due[0], "missed", "more than 1,000 slots were due at once (the server was not running)")
			due = due[1:]
		}
		at = slot
	}
	if len(due) > 0 {
		st.Last = due[len(due)-1]
		changed = true
	}
	window := cs.s.CatchupWindow
	if window <= 0 {
		window = DefaultWindow
	}
	var run []time.Time
	for i, slot := range due {
		// Missed: due while the server was down (before it came up), not
		// late because the server is busy.
		missed := t.upSince.Sub(slot.Add(schedule.Jitter(cs.key, slot, cs.s.Jitter))) > Late
		switch {
		case t.isPaused(cs.w.Arn):
			sk.skip(slot, "paused", "the workflow's schedules are paused (baton schedule resume starts them again)")
		case !missed:
			run = append(run, slot)
		case cs.s.Catchup == "all" && now.Sub(slot) <= window:
			run = append(run, slot)
		case cs.s.Catchup == "latest" && i == len(due)-1 && now.Sub(slot) <= window:
			run = append(run, slot)
		default:
			sk.skip(slot, "missed", "the server was not running at the slot (catchup: "+orDefault(cs.s.Catchup, "none")+")")
		}
	}
	// Buffered slots go first, then the new ones, each by the overlap policy.
	queue := append(st.Buffered, run...)
	changed = changed || len(st.Buffered) > 0
	st.Buffered = nil
	policy := orDefault(cs.s.Overlap, "skip")
	var active []string // the workflow's runs going, read once
	pending := -1       // and its starts decided but not carried out yet
	for _, slot := range queue {
		if policy != "allow_all" && pending < 0 {
			var err error
			if active, err = t.activeRuns(ctx, cs.w.Arn); err != nil {
				return time.Time{}, err
			}
			if pending, err = t.pendingStarts(ctx, cs.w.Arn); err != nil {
				return time.Time{}, err
			}
		}
		if policy == "allow_all" || len(active)+pending == 0 {
			c.Intents = append(c.Intents, t.slotIntent(cs, slot, nil))
			t.decided[cs.w.Arn]++
			pending++
			continue
		}
		switch policy {
		case "buffer_one":
			if len(st.Buffered) == 0 {
				st.Buffered = append(st.Buffered, slot)
			} else {
				sk.skip(slot, "overlap", "a run of this workflow is going and one slot is buffered already (overlap: buffer_one)")
			}
		case "buffer_all":
			if len(st.Buffered) < MaxCatchup {
				st.Buffered = append(st.Buffered, slot)
			} else {
				sk.skip(slot, "overlap", "1,000 slots are buffered already (overlap: buffer_all)")
			}
		case "cancel_other", "terminate_other":
			c.Intents = append(c.Intents, t.slotIntent(cs, slot, active))
			t.decided[cs.w.Arn]++
			pending++
		default: // skip
			sk.skip(slot, "overlap", "a run of this workflow is going (overlap: skip)")
		}
	}
	if changed || len(st.Buffered) > 0 {
		t.save(cs, st, c)
	}
	next, ok := cs.expr.Next(st.Last, cs.loc)
	var at time.Time
	if ok {
		at = next.Add(schedule.Jitter(cs.key, next, cs.s.Jitter))
	}
	if len(st.Buffered) > 0 && (at.IsZero() || now.Add(bufferPoll).Before(at)) {
		at = now.Add(bufferPoll)
	}
	return at, nil
}

// pendingStarts counts the starts of a workflow decided but not carried
// out: stored by earlier ticks (read once per tick) or decided in this one.
func (t *Triggers) pendingStarts(ctx context.Context, arn string) (int, error) {
	if t.stored == nil {
		ins, err := t.opt.Store.Intents(ctx, t.name())
		if err != nil {
			return 0, err
		}
		t.stored = map[string]int{}
		for _, in := range ins {
			var r RunRequest
			if json.Unmarshal(in.Body, &r) == nil {
				t.stored[r.StateMachineArn]++
			}
		}
	}
	return t.stored[arn] + t.decided[arn], nil
}

// skipper records the skipped slots of one schedule in one tick: each as
// an event, up to maxSkipEvents per reason, then one event for the rest, so
// that a long downtime does not make thousands of events at once.
type skipper struct {
	t    *Triggers
	cs   *compiled
	c    *store.ConsumerCommit
	rest map[string]*skipRun
}

type skipRun struct {
	n           int
	first, last time.Time
	message     string
}

const maxSkipEvents = 10

func (sk *skipper) skip(slot time.Time, reason, message string) {
	if sk.rest == nil {
		sk.rest = map[string]*skipRun{}
	}
	r := sk.rest[reason]
	if r == nil {
		r = &skipRun{first: slot, message: message}
		sk.rest[reason] = r
	}
	r.n++
	r.last = slot
	if r.n <= maxSkipEvents {
		sk.t.skip(sk.cs, slot, reason, message, sk.c, 1, slot)
	}
}

// flush records the slots past maxSkipEvents as one event.
func (sk *skipper) flush() {
	for reason, r := range sk.rest {
		if r.n > maxSkipEvents {
			sk.t.skip(sk.cs, r.last, reason, r.message, sk.c, r.n-maxSkipEvents, r.first)
		}
	}
}

// activeRuns returns the ARNs of the workflow's runs that are RUNNING or
// QUEUED.
func (t *Triggers) activeRuns(ctx context.Context, arn string) ([]string, error) {
	var out []string
	for _, status := range []string{"RUNNING", "QUEUED"} {
		xs, _, err := t.opt.Store.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: arn, Status: status}, store.Page{Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			out = append(out, x.Arn)
		}
	}
	return out, nil
}

// save records a schedule's state in memory and in the commit.
func (t *Triggers) save(cs *compiled, st *slotState, c *store.ConsumerCommit) {
	t.mu.Lock()
	t.slots[cs.key] = st
	t.mu.Unlock()
	b, _ := json.Marshal(st)
	if c.State == nil {
		c.State = map[string][]byte{}
	}
	c.State[cs.key] = b
}

// SlotName is the name of the run of a schedule's slot: the same on every
// node and after every restart, so that a slot runs at most once.
func SlotName(scheduleID string, slot time.Time) string {
	return "scheduled-" + scheduleID + "-" + slot.UTC().Format("20060102T150405Z")
}

// slotIntent is the start of a slot's run (stopping the runs in stop first).
func (t *Triggers) slotIntent(cs *compiled, slot time.Time, stop []string) *store.Intent {
	name := SlotName(cs.id, slot)
	prev, _ := t.previousSlot(cs, slot)
	r := RunRequest{StateMachineArn: cs.w.Arn, Name: name, Input: "{}", LogicalDate: slot, DataIntervalStart: prev,
		Stop: stop, Trigger: map[string]any{"type": "schedule", "schedule": cs.expr.String(),
			"timezone": cs.loc.String(), "scheduled_time": slot.UTC().Format(time.RFC3339)}}
	body, _ := json.Marshal(r)
	return &store.Intent{ID: name, Body: body}
}

// previousSlot returns the slot before slot (the start of its data
// interval); zero when it is the first.
func (t *Triggers) previousSlot(cs *compiled, slot time.Time) (time.Time, bool) {
	return PreviousSlot(cs.expr, cs.loc, slot)
}

// PreviousSlot returns the fire time of expr before slot, searched back up
// to 400 days; false when there is none.
func PreviousSlot(expr *schedule.Schedule, loc *time.Location, slot time.Time) (time.Time, bool) {
	// Search back in growing steps for a time whose next slot is slot.
	for back := time.Minute; back <= 400*24*time.Hour; back *= 4 {
		from := slot.Add(-back)
		var prev time.Time
		for at := from; ; {
			n, ok := expr.Next(at, loc)
			if !ok || !n.Before(slot) {
				break
			}
			prev, at = n, n
		}
		if !prev.IsZero() {
			return prev, true
		}
	}
	return time.Time{}, false
}

// skip records slots that do not run, as an event on the bus: count slots
// from first to slot (one, usually).
func (t *Triggers) skip(cs *compiled, slot time.Time, reason, message string, c *store.ConsumerCommit, count int, first time.Time) {
	t.opt.Log.Info("scheduled runs were skipped", "workflow", cs.w.Arn, "slot", slot, "slots", count, "reason", reason)
	detail := map[string]any{"stateMachineArn": cs.w.Arn, "workflow": cs.w.Name, "namespace": cs.w.Namespace,
		"schedule": cs.expr.String(), "scheduledTime": slot.UTC().Format(time.RFC3339), "reason": reason, "message": message}
	if count > 1 {
		detail["slots"], detail["firstScheduledTime"] = count, first.UTC().Format(time.RFC3339)
	}
	id := sha256.Sum256(fmt.Appendf(nil, "%s\x00skipped\x00%d", SlotName(cs.id, slot), count))
	env := map[string]any{"version": "0", "id": uuidOf(id[:16]), "detail-type": SkippedDetailType, "source": BatonSource,
		"account": cs.w.Account, "time": slot.UTC().Format(time.RFC3339), "region": t.opt.Region,
		"resources": []string{cs.w.Arn}, "detail": detail}
	body, _ := json.Marshal(env)
	c.Events = append(c.Events, &store.OutboxEvent{Partition: store.PartitionOf(cs.w.Arn), Account: cs.w.Account,
		Bus: "default", Time: slot, Body: body})
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// uuidOf formats 16 bytes as a version-4-shaped UUID.
func uuidOf(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

const pausedKeyPrefix = "p/"

// isPaused reports whether a workflow's schedules are paused.
func (t *Triggers) isPaused(arn string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paused[arn]
}

// SetPaused pauses or resumes the schedules of a workflow: while paused,
// its slots are skipped (each a skipped-slot event with reason "paused"),
// and resuming does not run them (backfill them if needed). Other triggers
// are not affected.
func (t *Triggers) SetPaused(ctx context.Context, arn string, paused bool) error {
	var v []byte
	if paused {
		v = []byte("1")
	}
	c := &store.ConsumerCommit{Consumer: t.name(), State: map[string][]byte{pausedKeyPrefix + arn: v}}
	if err := t.opt.Store.CommitConsumer(ctx, c); err != nil {
		return err
	}
	t.NotePaused(arn, paused)
	return nil
}

// NotePaused notes a pause or resume that SetPaused stored (on another
// server of a cluster, whose triggers do not run there).
func (t *Triggers) NotePaused(arn string, paused bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.paused == nil {
		t.paused = map[string]bool{}
	}
	if paused {
		t.paused[arn] = true
	} else {
		delete(t.paused, arn)
	}
}
