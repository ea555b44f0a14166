package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/events/pattern"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// TriggersConsumer is the name of the consumer that starts pipelines by
// their triggers.
const TriggersConsumer = "triggers"

// DefaultWindow is how long an upstream outcome counts when a trigger
// gives no window.
const DefaultWindow = 24 * time.Hour

// RunRequest is a start of a workflow that a trigger decided.
type RunRequest struct {
	StateMachineArn   string    `json:"stateMachineArn"`
	Name              string    `json:"name"`
	Input             string    `json:"input"`
	LogicalDate       time.Time `json:"logicalDate,omitzero"`
	DataIntervalStart time.Time `json:"dataIntervalStart,omitzero"`
	Trigger           any       `json:"trigger,omitempty"`
	// Stop lists runs to stop before the start (a schedule's overlap:
	// cancel_other).
	Stop []string `json:"stop,omitempty"`
	// Depth counts the triggers that led to this run: 1 for a run an
	// outcome or an event of a run started by hand or by a schedule
	// triggered, and so on. The run's status events carry it, so that a
	// chain of triggers that loops stops at MaxTriggerDepth.
	Depth int `json:"depth,omitempty"`
}

// MaxTriggerDepth is the longest chain of runs triggering runs (by their
// outcomes or their events): past it a trigger does not start its run, so
// that pipelines triggering each other in a loop stop.
const MaxTriggerDepth = 8

// Starter starts workflows for the bus. Start must treat a run of that
// name that exists already as done (nil), and return errors that trying
// again cannot mend wrapped by Permanent.
type Starter interface {
	Start(ctx context.Context, r RunRequest) error
	// Stop stops a run (aborted, with cause); one that already ended is
	// not an error.
	Stop(ctx context.Context, executionArn, cause string) error
}

// TriggerOptions configure the triggers consumer.
type TriggerOptions struct {
	Store          store.Store
	Starter        Starter
	Region         string
	DefaultAccount string // the account of the "default" namespace
	Log            *slog.Logger
	// RequireGrants: an executions trigger sees another namespace's runs
	// only under that namespace's grant (store.Grants), read again when
	// the catalog changes. A grant revoked stops the outcomes that follow.
	RequireGrants bool
	// Partitioned makes the consumer the member of a group (see
	// TriggerGroup) for cluster partition Partition: it acts only for the
	// workflows w with partition.Of(w.Arn) == Partition (their schedules,
	// their executions and event triggers) and keeps its state, cursors and
	// intents under MemberName(TriggersConsumer, Partition).
	Partitioned bool
	Partition   int
	// Catalog (optional) is the reader of the deployed pipelines, shared
	// with other consumers (the other members); nil: its own.
	Catalog *Catalog
}

// Triggers starts pipelines when their triggers are met. Today: upstream
// outcomes (trigger.executions).
type Triggers struct {
	opt TriggerOptions
	cat *catalog

	stale     atomic.Bool
	mu        sync.Mutex
	workflows []*Workflow
	accounts  map[string]string
	grants    []*store.Grant // with RequireGrants
	// live says that the bus runs the consumer here (load read its
	// state): triggerState is kept up to date. Otherwise Explain and
	// Summaries read the stored state.
	live bool
	triggerState
	// patterns are the compiled event patterns by workflow and revision.
	patterns map[string]*eventPattern
	// byUpstream indexes the executions triggers (downstreamOf); events
	// matches the event triggers (eventsMatcher); both for catalog gen.
	byUpstream    map[string][]*Workflow
	byUpstreamGen uint64
	events        *pattern.Matcher
	eventsOf      map[string]*Workflow
	eventsGen     uint64

	// upSince is when the first tick ran: slots due before it (by more
	// than Late) were missed while the server was down.
	upSince time.Time
	// stored and decided count the starts of each workflow not carried out
	// yet, for overlap policies (pendingStarts); reset every tick.
	stored, decided map[string]int
	// gen counts the loads of the catalog and the state; the schedules'
	// heap (due, used by the bus goroutine only) is rebuilt when it moved.
	gen           uint64
	dueGen        uint64
	due           dueHeap
	compiledCache map[string][]*compiled
}

// NewTriggers returns the triggers consumer; register Consumer() on a bus.
func NewTriggers(o TriggerOptions) *Triggers {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	t := &Triggers{opt: o, cat: &catalog{st: o.Store, region: o.Region, defaultAccount: o.DefaultAccount}}
	// Where the bus has not loaded it (yet, or at all on a node of a
	// cluster that does not run the bus), the first refresh reads the
	// catalog.
	t.stale.Store(true)
	return t
}

// Consumer returns the bus consumer of the triggers.
func (t *Triggers) Consumer() Consumer {
	return Consumer{Name: t.name(), Load: t.load, Handle: t.handle, Tick: t.tick, Act: t.act, Unload: t.unload}
}

// name is the consumer's name: TriggersConsumer, or its member's.
func (t *Triggers) name() string {
	if t.opt.Partitioned {
		return MemberName(TriggersConsumer, t.opt.Partition)
	}
	return TriggersConsumer
}

// readCatalog reads the pipelines with triggers (of its partition only
// when partitioned), the accounts of the namespaces and, with
// RequireGrants, the grants.
func (t *Triggers) readCatalog(ctx context.Context) ([]*Workflow, map[string]string, []*store.Grant, error) {
	part := -1
	if t.opt.Partitioned {
		part = t.opt.Partition
	}
	if t.opt.Catalog != nil {
		return t.opt.Catalog.load(ctx, t.opt.RequireGrants, part)
	}
	wfs, accounts, err := t.cat.load(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if part >= 0 {
		wfs = ofPartition(wfs, part)
	}
	var grants []*store.Grant
	if t.opt.RequireGrants {
		if grants, err = t.opt.Store.ListGrants(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	return wfs, accounts, grants, nil
}

// runLog is the state of one pipeline's executions trigger: by upstream
// (namespace/name), the outcomes not yet consumed.
type runLog struct {
	Outcomes map[string][]outcome `json:"outcomes"`
}

// outcome is one terminal status of an upstream run.
type outcome struct {
	EventID     string          `json:"eventId"`
	Workflow    string          `json:"workflow"`
	Namespace   string          `json:"namespace"`
	Arn         string          `json:"executionArn"`
	Status      string          `json:"status"`
	Time        time.Time       `json:"time"`
	LogicalDate string          `json:"logicalDate,omitempty"`
	Output      json.RawMessage `json:"output,omitempty"`
	Depth       int             `json:"depth,omitempty"`
}

const execKeyPrefix = "x/"

// triggerState is the triggers' state that is stored.
type triggerState struct {
	// execs is the run log of each pipeline with an executions trigger:
	// the unconsumed outcomes of its upstreams.
	execs map[string]*runLog
	// slots is the state of each schedule, by its key.
	slots map[string]*slotState
	// paused are the workflows whose schedules are paused.
	paused map[string]bool
}

// readState reads the stored state of the triggers; damaged entries are
// left out (and logged when logDamage).
func (t *Triggers) readState(ctx context.Context, logDamage bool) (*triggerState, error) {
	s := &triggerState{execs: map[string]*runLog{}, slots: map[string]*slotState{}, paused: map[string]bool{}}
	damaged := func(what, key string, err error) {
		if logDamage {
			t.opt.Log.Error("triggers: a stored "+what+" is damaged; starting it afresh", "key", key, "err", err)
		}
	}
	err := t.opt.Store.ConsumerState(ctx, t.name(), func(key string, v []byte) error {
		switch {
		case strings.HasPrefix(key, pausedKeyPrefix):
			s.paused[strings.TrimPrefix(key, pausedKeyPrefix)] = true
		case strings.HasPrefix(key, schedKeyPrefix):
			var st slotState
			if err := json.Unmarshal(v, &st); err != nil {
				damaged("schedule state", key, err)
				return nil
			}
			s.slots[key] = &st
		case strings.HasPrefix(key, execKeyPrefix):
			var rl runLog
			if err := json.Unmarshal(v, &rl); err != nil {
				damaged("run log", key, err)
				return nil
			}
			s.execs[strings.TrimPrefix(key, execKeyPrefix)] = &rl
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// load reads the catalog of pipelines, the grants and the stored state.
func (t *Triggers) load(ctx context.Context) error {
	t.stale.Store(false) // read here; a change from now on marks it again
	wfs, accounts, grants, err := t.readCatalog(ctx)
	var s *triggerState
	if err == nil {
		s, err = t.readState(ctx, true)
	}
	if err != nil {
		t.stale.Store(true)
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.workflows, t.accounts, t.grants, t.patterns, t.triggerState, t.live = wfs, accounts, grants, nil, *s, true
	t.gen++
	return nil
}

// unload notes that the bus no longer runs the consumer here.
func (t *Triggers) unload() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live = false
	// Run again (a member of a cluster owned again), the slots due while
	// it ran nowhere are missed: their catchup decides.
	t.upSince = time.Time{}
}

// stateNow returns the state Explain and Summaries answer from: nil where
// the bus runs the consumer (its memory is up to date), else the stored
// state, read now.
func (t *Triggers) stateNow(ctx context.Context) (*triggerState, error) {
	t.mu.Lock()
	live := t.live
	t.mu.Unlock()
	if live {
		return nil, nil
	}
	return t.readState(ctx, false)
}

// SetStarter sets what starts the runs (the server's service, made after
// the bus); call it before the bus runs.
func (t *Triggers) SetStarter(s Starter) { t.opt.Starter = s }

// Changed tells the triggers that workflows changed: the catalog is read
// again before the next events.
func (t *Triggers) Changed() { t.stale.Store(true) }

// refresh reads the catalog again when it changed.
func (t *Triggers) refresh(ctx context.Context) error {
	if !t.stale.Swap(false) {
		return nil
	}
	wfs, accounts, grants, err := t.readCatalog(ctx)
	if err != nil {
		t.stale.Store(true)
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.workflows, t.accounts, t.patterns, t.grants = wfs, accounts, nil, grants
	t.gen++
	return nil
}

// statusEvent is what triggers read of an execution status event.
type statusEvent struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Time       string `json:"time"`
	Detail     struct {
		ExecutionArn    string  `json:"executionArn"`
		StateMachineArn string  `json:"stateMachineArn"`
		Status          string  `json:"status"`
		StopDate        *int64  `json:"stopDate"`
		Output          *string `json:"output"`
		LogicalDate     string  `json:"logicalDate"`
		TriggerDepth    int     `json:"triggerDepth"`
	} `json:"detail"`
}

func terminal(status string) bool {
	switch status {
	case "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED":
		return true
	}
	return false
}

// handle records the upstream outcomes in the run logs and fires the
// triggers they complete.
func (t *Triggers) handle(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	dirty := map[string]bool{}
	down := t.downstreamOf()
	for _, ev := range evs {
		for _, m := range t.matchEvent(ev) {
			t.decide(m.w, m.in, c)
		}
		if len(down) == 0 {
			continue // no executions trigger (of its partition): no need to read the event
		}
		var se statusEvent
		if json.Unmarshal(ev.Body, &se) != nil || se.Source != "aws.states" ||
			se.DetailType != "Step Functions Execution Status Change" || !terminal(se.Detail.Status) {
			continue
		}
		if ev.Bus != "default" || ev.Account != accountOf(se.Detail.StateMachineArn) {
			continue // only the server's own events, on the run's namespace's bus, are outcomes
		}
		at := ev.Time
		if se.Detail.StopDate != nil {
			at = time.UnixMilli(*se.Detail.StopDate).UTC()
		}
		for _, w := range down[se.Detail.StateMachineArn] {
			x := w.Trigger.Executions
			matched := false
			for _, cond := range append(append([]pipeline.UpstreamCondition(nil), x.AllOf...), x.AnyOf...) {
				ns := cond.Namespace
				if ns == "" {
					ns = w.Namespace
				}
				acct, ok := t.accounts[ns]
				if !ok || t.cat.stateMachineArn(acct, cond.Name) != se.Detail.StateMachineArn || !contains(cond.Status, se.Detail.Status) {
					continue
				}
				if t.opt.RequireGrants && !store.Granted(t.grants, ns, w.Namespace, cond.Name) {
					continue // the upstream namespace does not (or no longer) grant it
				}
				o := outcome{EventID: se.ID, Workflow: cond.Name, Namespace: ns, Arn: se.Detail.ExecutionArn,
					Status: se.Detail.Status, Time: at, LogicalDate: logicalDay(se.Detail.LogicalDate), Depth: se.Detail.TriggerDepth}
				if se.Detail.Output != nil && json.Valid([]byte(*se.Detail.Output)) {
					o.Output = json.RawMessage(*se.Detail.Output)
				}
				t.record(w, x, condKey(ns, cond.Name), o)
				matched = true
			}
			if !matched {
				continue
			}
			dirty[w.Arn] = true
			if r := t.evaluate(w, x, at); r != nil {
				t.decide(w, r, c)
			}
		}
	}
	if len(dirty) > 0 && c.State == nil {
		c.State = map[string][]byte{}
	}
	for arn := range dirty {
		b, err := json.Marshal(t.execs[arn])
		if err != nil {
			return err
		}
		c.State[execKeyPrefix+arn] = b
	}
	return nil
}

func condKey(ns, name string) string { return ns + "/" + name }

// logicalDay is the day of a run's logical date (UTC), which match:
// logical_date compares: runs of listings at 03:00 and searches at 05:00
// of the same day stand for the same day.
func logicalDay(stamp string) string {
	if len(stamp) < len(time.DateOnly) {
		return stamp
	}
	return stamp[:len(time.DateOnly)]
}

// record adds an outcome to a pipeline's run log: the newest of its
// upstream (match any), or the newest of its upstream and logical date.
func (t *Triggers) record(w *Workflow, x *pipeline.ExecutionsTrigger, key string, o outcome) {
	rl := t.execs[w.Arn]
	if rl == nil {
		rl = &runLog{Outcomes: map[string][]outcome{}}
		t.execs[w.Arn] = rl
	}
	list := rl.Outcomes[key]
	kept := list[:0]
	for _, old := range list {
		if x.Match == "logical_date" && old.LogicalDate != o.LogicalDate {
			kept = append(kept, old)
		}
	}
	rl.Outcomes[key] = append(kept, o)
}

// evaluate fires a pipeline's executions trigger if its run log meets it
// at now: it consumes the outcomes used and returns the start's intent.
func (t *Triggers) evaluate(w *Workflow, x *pipeline.ExecutionsTrigger, now time.Time) *store.Intent {
	rl := t.execs[w.Arn]
	window := x.Window
	if window <= 0 {
		window = DefaultWindow
	}
	// Outcomes past the window no longer count.
	for k, list := range rl.Outcomes {
		kept := list[:0]
		for _, o := range list {
			if now.Sub(o.Time) <= window {
				kept = append(kept, o)
			}
		}
		if len(kept) == 0 {
			delete(rl.Outcomes, k)
		} else {
			rl.Outcomes[k] = kept
		}
	}
	// The candidate days: any (one candidate, "") or each logical date seen.
	dates := []string{""}
	if x.Match == "logical_date" {
		seen := map[string]bool{}
		dates = dates[:0]
		for _, list := range rl.Outcomes {
			for _, o := range list {
				if !seen[o.LogicalDate] {
					seen[o.LogicalDate] = true
					dates = append(dates, o.LogicalDate)
				}
			}
		}
		sort.Strings(dates)
	}
	for _, day := range dates {
		used := t.satisfied(w, x, rl, day)
		if used == nil {
			continue
		}
		return t.fire(w, x, rl, day, used)
	}
	return nil
}

// satisfied returns the outcome each met condition uses (by condition
// key), or nil when the combination is not met for day ("" : any day).
func (t *Triggers) satisfied(w *Workflow, x *pipeline.ExecutionsTrigger, rl *runLog, day string) map[string]outcome {
	meet := func(conds []pipeline.UpstreamCondition) (all bool, any bool, used map[string]outcome) {
		all, used = true, map[string]outcome{}
		for _, cond := range conds {
			ns := cond.Namespace
			if ns == "" {
				ns = w.Namespace
			}
			key := condKey(ns, cond.Name)
			var best *outcome
			for i, o := range rl.Outcomes[key] {
				if (day == "" || o.LogicalDate == day) && contains(cond.Status, o.Status) {
					if best == nil || o.Time.After(best.Time) {
						best = &rl.Outcomes[key][i]
					}
				}
			}
			if best == nil {
				all = false
				continue
			}
			any = true
			used[key] = *best
		}
		return all, any, used
	}
	allMet, _, allUsed := meet(x.AllOf)
	_, anyMet, anyUsed := meet(x.AnyOf)
	allMet = allMet && len(x.AllOf) > 0
	anyMet = anyMet && len(x.AnyOf) > 0
	var ok bool
	switch {
	case len(x.AllOf) > 0 && len(x.AnyOf) > 0 && x.Operator == "OR":
		ok = allMet || anyMet
	case len(x.AllOf) > 0 && len(x.AnyOf) > 0:
		ok = allMet && anyMet
	case len(x.AllOf) > 0:
		ok = allMet
	default:
		ok = anyMet
	}
	if !ok {
		return nil
	}
	// Only the blocks that are met use (and consume) their outcomes: with
	// OR, an allOf half met keeps its outcomes for later.
	used := map[string]outcome{}
	if allMet {
		maps.Copy(used, allUsed)
	}
	if anyMet {
		maps.Copy(used, anyUsed)
	}
	return used
}

// fire consumes the used outcomes (each and every older one of its
// upstream; of the same day with match logical_date) and returns the
// intent that starts the run.
func (t *Triggers) fire(w *Workflow, x *pipeline.ExecutionsTrigger, rl *runLog, day string, used map[string]outcome) *store.Intent {
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	h.Write([]byte(w.Arn))
	var upstream []map[string]any
	depth := 0
	for _, k := range keys {
		o := used[k]
		depth = max(depth, o.Depth)
		h.Write([]byte{0})
		h.Write([]byte(o.EventID))
		kept := rl.Outcomes[k][:0]
		for _, old := range rl.Outcomes[k] {
			if old.Time.After(o.Time) || (day != "" && old.LogicalDate != day) {
				kept = append(kept, old)
			}
		}
		rl.Outcomes[k] = kept
		u := map[string]any{"workflow": o.Workflow, "namespace": o.Namespace, "executionArn": o.Arn, "status": o.Status,
			"time": o.Time.Format(time.RFC3339Nano)}
		if o.Output != nil {
			u["output"] = o.Output
		}
		if o.LogicalDate != "" {
			u["logicalDate"] = o.LogicalDate
		}
		upstream = append(upstream, u)
	}
	name := "upstream-" + hex.EncodeToString(h.Sum(nil))[:32]
	r := RunRequest{StateMachineArn: w.Arn, Name: name, Input: "{}", Depth: depth + 1,
		Trigger: map[string]any{"type": "executions", "upstream": upstream}}
	if day != "" {
		if ld, err := time.Parse(time.DateOnly, day); err == nil {
			r.LogicalDate = ld
		}
	}
	body, _ := json.Marshal(r)
	return &store.Intent{ID: name, Body: body}
}

// act starts the run an intent describes.
func (t *Triggers) act(ctx context.Context, in *store.Intent) error {
	var r RunRequest
	if err := json.Unmarshal(in.Body, &r); err != nil {
		return Permanent(err)
	}
	for _, arn := range r.Stop {
		// A run that cannot be stopped (it ended meanwhile) does not hold
		// up the start; a store that fails does.
		if err := t.opt.Starter.Stop(ctx, arn, "stopped for "+r.Name+" (overlap: cancel_other)"); err != nil && !IsPermanent(err) {
			return err
		}
	}
	return t.opt.Starter.Start(ctx, r)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// downstreamOf indexes the pipelines with an executions trigger by the
// ARN of each upstream they name (built once per catalog load), so that an
// outcome costs what its downstream pipelines cost, not every pipeline.
// The caller holds t.mu.
func (t *Triggers) downstreamOf() map[string][]*Workflow {
	if t.byUpstream != nil && t.byUpstreamGen == t.gen {
		return t.byUpstream
	}
	idx := map[string][]*Workflow{}
	for _, w := range t.workflows {
		x := w.Trigger.Executions
		if x == nil {
			continue
		}
		seen := map[string]bool{}
		for _, cond := range append(append([]pipeline.UpstreamCondition(nil), x.AllOf...), x.AnyOf...) {
			ns := cond.Namespace
			if ns == "" {
				ns = w.Namespace
			}
			acct, ok := t.accounts[ns]
			if !ok {
				continue
			}
			up := t.cat.stateMachineArn(acct, cond.Name)
			if !seen[up] {
				seen[up] = true
				idx[up] = append(idx[up], w)
			}
		}
	}
	t.byUpstream, t.byUpstreamGen = idx, t.gen
	return idx
}

// decide adds the intent of a triggered start to c, unless the chain of
// triggers that led to it is too long (a loop): then the start is refused,
// as a "Triggered Run Skipped" event.
func (t *Triggers) decide(w *Workflow, in *store.Intent, c *store.ConsumerCommit) {
	var r RunRequest
	if json.Unmarshal(in.Body, &r) == nil && r.Depth > MaxTriggerDepth {
		t.opt.Log.Error("triggers: a chain of runs triggering runs is too long (a loop?); the run is not started",
			"workflow", w.Arn, "depth", r.Depth, "max", MaxTriggerDepth)
		detail := map[string]any{"stateMachineArn": w.Arn, "workflow": w.Name, "namespace": w.Namespace, "name": r.Name,
			"reason": "loop", "message": fmt.Sprintf("%d runs in a row were started by triggers (at most %d): pipelines that trigger each other in a loop stop here", r.Depth, MaxTriggerDepth)}
		id := sha256.Sum256([]byte(in.ID + "\x00loop"))
		body, _ := json.Marshal(map[string]any{"version": "0", "id": uuidOf(id[:16]), "detail-type": "Triggered Run Skipped",
			"source": TriggersSource, "account": w.Account, "time": time.Now().UTC().Format(time.RFC3339), "region": t.opt.Region,
			"resources": []string{w.Arn}, "detail": detail})
		c.Events = append(c.Events, &store.OutboxEvent{Partition: store.PartitionOf(w.Arn), Account: w.Account, Bus: "default", Time: time.Now(), Body: body})
		return
	}
	c.Intents = append(c.Intents, in)
}

// TriggersSource is the source of the triggers' own bus events.
const TriggersSource = "baton.triggers"
