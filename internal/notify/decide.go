package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// ConsumerName keys the notifier's cursors, state and notifications in
// the store.
const ConsumerName = "notifications"

// Bus event kinds read (see service.BusEvents).
const (
	statesSource      = "aws.states"
	executionChanged  = "Step Functions Execution Status Change"
	pipelineSource    = "baton.pipeline"
	stepChanged       = "Pipeline Step Status Change"
	requestSource     = "baton.notifications"
	notificationAsked = "Notification Requested"
)

// Options configure a Notifier.
type Options struct {
	Store store.Store
	// DefaultAccount is the account of the default namespace.
	DefaultAccount string
	// PublicURL is the server's address as people reach it, for links.
	PublicURL string
	// MaxRuns runs of one workflow are told one by one per Window
	// (defaults 10 and 10 minutes); the others are summed up in one
	// message at the end of the window.
	MaxRuns int
	Window  time.Duration
	// Wake makes the bus tick the notifier now (a window began to hold back
	// runs).
	Wake  func()
	Log   *slog.Logger
	Clock clock.Clock
	// Partitioned makes the notifier the member of a cluster partition
	// (see Group): it decides only for the workflows (and rules) with
	// partition.Of(arn) == Partition, keeps its state and notifications
	// under the consumer name MemberName(ConsumerName, Partition), and
	// delivers them only from its consumer's Load to its Unload.
	Partitioned bool
	Partition   int
}

// Notifier decides the notifications of runs (the bus consumer) and
// delivers them (see Delivery).
type Notifier struct {
	o        Options
	Delivery *Delivery
	name     string // the consumer's
	slot     *slot  // its notifications in the Delivery
	cat      *catalog
	decoded  *decodedEvents // shared by a Group's members; nil: decode each

	mu     sync.Mutex
	health map[string]*health   // by state machine ARN
	rates  map[string]*rate     // by state machine ARN
	runs   map[string]*runState // by execution ARN, until the run ends
}

// catalog caches what the notifier read of workflows (shared by the
// members of a Group).
type catalog struct {
	mu    sync.Mutex
	gen   int // counts Changed: what was read before one is not kept
	cache map[string]*workflowInfo
	names map[string]string // account -> namespace
}

func newCatalog() *catalog { return &catalog{cache: map[string]*workflowInfo{}} }

func (c *catalog) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.cache, c.names = map[string]*workflowInfo{}, nil
}

// health is whether a workflow's last outcome was a failure: its next
// success is announced as a recovery.
type health struct {
	Failing bool      `json:"failing"`
	Since   time.Time `json:"since"`
}

// rate counts the runs of a workflow told in the current window, and those
// held back.
type rate struct {
	// Target and Name: a rule's (its notifications have no settings).
	Target   *Target        `json:"target,omitempty"`
	Name     string         `json:"name,omitempty"`
	Start    time.Time      `json:"start"`
	Told     int            `json:"told"`
	Held     int            `json:"held"`
	ByStatus map[string]int `json:"byStatus,omitempty"`
}

// runState is what the notifier remembers of a run until it ends.
type runState struct {
	Told bool `json:"told"` // admitted by the rate limit: its messages are sent
	// Attempts of steps retried (2 the first retry).
	Attempts map[string]int `json:"attempts,omitempty"`
	Step     string         `json:"step,omitempty"`
	Error    string         `json:"error,omitempty"`
	Cause    string         `json:"cause,omitempty"`
}

type workflowInfo struct {
	arn, name, namespace string
	settings             *Settings
}

// New returns a notifier; register its Consumer on the bus and run its
// Delivery.
func New(o Options, senders map[string]Sender) *Notifier {
	o = o.defaults()
	if !o.Partitioned {
		d := newDelivery(o.Store, senders, o.Log, o.Clock)
		return newNotifier(o, d, d.slots[0], newCatalog())
	}
	s := newSlot(events.MemberName(ConsumerName, o.Partition), o.Partition)
	return newNotifier(o, newDeliveryOf(o.Store, senders, o.Log, o.Clock, true, []*slot{s}), s, newCatalog())
}

func newNotifier(o Options, d *Delivery, s *slot, cat *catalog) *Notifier {
	return &Notifier{o: o, Delivery: d, name: s.name, slot: s, cat: cat}
}

func (o Options) defaults() Options {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.MaxRuns <= 0 {
		o.MaxRuns = 10
	}
	if o.Window <= 0 {
		o.Window = 10 * time.Minute
	}
	return o
}

// Changed forgets what the notifier read of workflows' settings: call it
// when workflows are deployed, updated or deleted, or settings change.
func (n *Notifier) Changed() { n.cat.reset() }

// Consumer is the notifier's consumer of the event bus: it decides, and
// hands what it stored to the Delivery. Partitioned, its Load also starts
// the delivery of its notifications here, and its Unload stops it (and
// waits for a send in flight, see Delivery.unload).
func (n *Notifier) Consumer() events.Consumer {
	c := events.Consumer{Name: n.name, Load: n.load, Handle: n.handle, Tick: n.tick,
		Committed: func(c *store.ConsumerCommit) { n.Delivery.committed(n.slot, c) }}
	if n.o.Partitioned {
		c.Load = func(ctx context.Context) error {
			if err := n.load(ctx); err != nil {
				return err
			}
			return n.Delivery.load(ctx, n.slot, true)
		}
		c.Unload = n.unload
	}
	return c
}

// mine says whether the notifier decides for a workflow (its state
// machine's ARN).
func (n *Notifier) mine(arn string) bool {
	return !n.o.Partitioned || partition.Of(arn) == n.o.Partition
}

// mineRule says whether the notifier decides for the requests of a rule:
// those of the member that fires the rule (events.RulePartition).
func (n *Notifier) mineRule(ruleArn string) bool {
	return !n.o.Partitioned || events.RulePartition(ruleArn) == n.o.Partition
}

// unload stops the delivery of the member's notifications here and
// forgets its state.
func (n *Notifier) unload() {
	n.Delivery.unload(n.slot)
	n.mu.Lock()
	n.health, n.rates, n.runs = nil, nil, nil
	n.mu.Unlock()
}

// State keys of the decider; the delivery keeps its own (see deliver.go).
const (
	keyHealth = "h/"
	keyRate   = "r/"
	keyRun    = "x/"
)

func (n *Notifier) load(ctx context.Context) error {
	h, r, x := map[string]*health{}, map[string]*rate{}, map[string]*runState{}
	err := n.o.Store.ConsumerState(ctx, n.name, func(k string, v []byte) error {
		var err error
		switch {
		case strings.HasPrefix(k, keyHealth):
			var s health
			err = json.Unmarshal(v, &s)
			h[k[len(keyHealth):]] = &s
		case strings.HasPrefix(k, keyRate):
			var s rate
			err = json.Unmarshal(v, &s)
			r[k[len(keyRate):]] = &s
		case strings.HasPrefix(k, keyRun):
			var s runState
			err = json.Unmarshal(v, &s)
			x[k[len(keyRun):]] = &s
		}
		if err != nil {
			n.o.Log.Warn("notifications: a stored state entry cannot be read; ignored", "key", k, "err", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.health, n.rates, n.runs = h, r, x
	n.mu.Unlock()
	return nil
}

// event is what the notifier reads of a bus event.
type event struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Account    string `json:"account"`
	Detail     struct {
		ExecutionArn    string `json:"executionArn"`
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Status          string `json:"status"`
		Step            string `json:"step"`
		Error           string `json:"error"`
		Cause           string `json:"cause"`
		StartDate       int64  `json:"startDate"`
		StopDate        int64  `json:"stopDate"`
		LogicalDate     string `json:"logicalDate"`
		RedriveCount    int    `json:"redriveCount"`
		Attempt         int    `json:"attempt"`
		// A notification asked by a rule's target (events.Rules).
		Rule            string `json:"rule"`
		RuleName        string `json:"ruleName"`
		Channel         string `json:"channel"`
		Address         string `json:"address"`
		Text            string `json:"text"`
		EventID         string `json:"eventId"`
		EventSource     string `json:"eventSource"`
		EventDetailType string `json:"eventDetailType"`
	} `json:"detail"`
}

// decodedEvents shares the decoding of the outbox's events between the
// members of a Group: the bus hands each member the same events, and 64
// members decoding every one was most of a node's work on the bus.
type decodedEvents struct {
	mu sync.Mutex
	m  map[int64]decodedEvent // by Seq
}

type decodedEvent struct {
	e  event
	ok bool
}

// maxDecoded bounds decodedEvents: past it, it starts afresh.
const maxDecoded = 8192

// decode returns the event of ev, and false for one that is not a
// notifier's (or not JSON). d may be nil.
func (d *decodedEvents) decode(ev *store.OutboxEvent) (event, bool) {
	if d == nil {
		return decodeEvent(ev)
	}
	d.mu.Lock()
	x, found := d.m[ev.Seq]
	d.mu.Unlock()
	if found {
		return x.e, x.ok
	}
	e, ok := decodeEvent(ev)
	d.mu.Lock()
	if d.m == nil || len(d.m) >= maxDecoded {
		d.m = map[int64]decodedEvent{}
	}
	d.m[ev.Seq] = decodedEvent{e, ok}
	d.mu.Unlock()
	return e, ok
}

func decodeEvent(ev *store.OutboxEvent) (event, bool) {
	var e event
	if !bytes.Contains(ev.Body, []byte(`"source":"aws.states"`)) && !bytes.Contains(ev.Body, []byte(`"source":"baton.`)) {
		return e, false // quick: most custom events are not ours
	}
	if json.Unmarshal(ev.Body, &e) != nil {
		return e, false
	}
	return e, true
}

func (n *Notifier) handle(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.o.Clock.Now()
	for _, ev := range evs {
		e, ok := n.decoded.decode(ev)
		if !ok {
			continue
		}
		switch {
		case e.Source == statesSource && e.DetailType == executionChanged, e.Source == pipelineSource && e.DetailType == stepChanged:
		case e.Source == requestSource && e.DetailType == notificationAsked:
			if !n.mineRule(e.Detail.Rule) {
				continue
			}
			if err := n.decideRequest(ev, &e, now, c); err != nil {
				return err
			}
			continue
		default:
			continue
		}
		if !n.mine(e.Detail.StateMachineArn) {
			continue
		}
		wf, err := n.workflow(ctx, e.Detail.StateMachineArn)
		if err != nil {
			return err
		}
		if wf == nil || wf.settings == nil {
			continue
		}
		if err := n.decide(ctx, ev, &e, wf, now, c); err != nil {
			return err
		}
	}
	return nil
}

// decide adds the notifications of one status event to c.
func (n *Notifier) decide(ctx context.Context, ev *store.OutboxEvent, e *event, wf *workflowInfo, now time.Time, c *store.ConsumerCommit) error {
	d := &e.Detail
	step := e.Source == pipelineSource
	level := wf.settings.Type
	rs := n.runs[d.ExecutionArn]
	fresh := rs == nil
	if fresh {
		rs = &runState{}
	}
	kind := ""
	ended := false
	switch {
	case step:
		switch d.Status {
		case "RUNNING":
			kind = KindStepStarted
		case "SUCCEEDED":
			kind = KindStepSucceeded
		case "FAILED", "TIMED_OUT":
			kind = KindStepFailed
			rs.Step, rs.Error, rs.Cause = d.Step, d.Error, d.Cause
		case "RETRYING":
			kind = KindStepRetry
			if rs.Attempts == nil {
				rs.Attempts = map[string]int{}
			}
			rs.Attempts[d.Step] = max(rs.Attempts[d.Step], d.Attempt)
		}
	default:
		switch d.Status {
		case "RUNNING":
			kind = KindRunStarted
		case "SUCCEEDED":
			kind = KindRunSucceeded
		case "FAILED":
			kind = KindRunFailed
		case "TIMED_OUT":
			kind = KindRunTimedOut
		case "ABORTED":
			kind = KindRunAborted
		}
		ended = kind != "" && kind != KindRunStarted
	}
	if kind == "" {
		return nil
	}
	failure := kind == KindRunFailed || kind == KindRunTimedOut || kind == KindRunAborted
	// Health: the success after failures is a recovery, told once and
	// always (it ends the alerts).
	h := n.health[wf.arn]
	if failure && (h == nil || !h.Failing) {
		n.health[wf.arn] = &health{Failing: true, Since: now}
		n.setState(c, keyHealth+wf.arn, n.health[wf.arn])
	}
	if kind == KindRunSucceeded && h != nil && h.Failing {
		kind = KindRecovered
		delete(n.health, wf.arn)
		setNil(c, keyHealth+wf.arn)
	}
	if !wants(level, kind) {
		if ended {
			n.endRun(c, d.ExecutionArn, fresh)
		} else if !fresh || rs.Step != "" || rs.Attempts != nil {
			n.runs[d.ExecutionArn] = rs
			n.setState(c, keyRun+d.ExecutionArn, rs)
		}
		return nil
	}
	// The rate limit admits runs, not messages: a run told is told whole.
	if fresh && kind != KindRecovered {
		r := n.rates[wf.arn]
		if r == nil || (r.Held == 0 && !now.Before(r.Start.Add(n.o.Window))) {
			r = &rate{Start: now}
			n.rates[wf.arn] = r
		}
		if r.Told < n.o.MaxRuns {
			r.Told++
			rs.Told = true
		} else {
			if r.Held == 0 && n.o.Wake != nil {
				n.o.Wake() // the summary is due at the window's end
			}
			r.Held++
		}
		n.setState(c, keyRate+wf.arn, r)
	}
	if !rs.Told && kind != KindRecovered {
		if ended {
			if r := n.rates[wf.arn]; r != nil && r.Held > 0 {
				if r.ByStatus == nil {
					r.ByStatus = map[string]int{}
				}
				r.ByStatus[d.Status]++
				n.setState(c, keyRate+wf.arn, r)
			}
			n.endRun(c, d.ExecutionArn, fresh)
		} else {
			n.runs[d.ExecutionArn] = rs
			n.setState(c, keyRun+d.ExecutionArn, rs)
		}
		return nil
	}
	data := &Data{Kind: kind}
	data.Workflow.Name, data.Workflow.Namespace, data.Workflow.Arn = wf.name, wf.namespace, wf.arn
	data.Run.Name, data.Run.Arn, data.Run.Status = d.Name, d.ExecutionArn, d.Status
	data.Run.URL = runURL(n.o.PublicURL, d.ExecutionArn)
	data.Run.LogicalDate, data.Run.Redrives = d.LogicalDate, d.RedriveCount
	if d.StartDate > 0 {
		data.Run.Started = time.UnixMilli(d.StartDate).UTC()
	}
	if d.StopDate > 0 {
		data.Run.Stopped = time.UnixMilli(d.StopDate).UTC()
		data.Run.Duration = duration(data.Run.Stopped.Sub(data.Run.Started))
	}
	if step {
		data.Run.Status = "RUNNING"
		data.Step.Name, data.Step.Status, data.Step.Error, data.Step.Cause = d.Step, d.Status, d.Error, d.Cause
		data.Step.Attempt = max(d.Attempt, rs.Attempts[d.Step])
	} else {
		data.Run.Error, data.Run.Cause = d.Error, d.Cause
		if failure && rs.Step != "" {
			data.Step.Name = rs.Step
			data.Step.Attempt = rs.Attempts[rs.Step]
		}
	}
	if kind == KindStepFailed || (failure && data.Step.Name != "") {
		data.Step.LogTail = logTail(ctx, n.o.Store, d.ExecutionArn, data.Step.Name)
	}
	var raw any
	if json.Unmarshal(ev.Body, &raw) != nil {
		raw = nil
	}
	k := 0
	for ti, t := range wf.settings.Targets {
		if t.Channel == OpsGenie && !failure && kind != KindRecovered {
			continue // an alert per failing run, closed by the recovery
		}
		title, text := render(data, t.Template)
		for _, addrs := range split(t) {
			no := &Notification{
				ID:    notificationID(e.ID, kind, ti, addrs),
				Order: ev.Seq*1024 + int64(min(k, 1023)), Channel: t.Channel, Connection: t.Connection,
				Addresses: addrs, Kind: kind, Workflow: wf.arn, Run: d.ExecutionArn, RunName: d.Name,
				Status: data.Run.Status, Failure: failure || kind == KindStepFailed, Resolve: kind == KindRecovered,
				Alias: "baton:" + wf.arn, Title: title, Text: text, Time: ev.Time,
			}
			if t.Channel == Webhook {
				no.Event = raw
			}
			k++
			if err := addNotification(c, no); err != nil {
				return err
			}
		}
	}
	if ended {
		n.endRun(c, d.ExecutionArn, fresh)
	} else {
		n.runs[d.ExecutionArn] = rs
		n.setState(c, keyRun+d.ExecutionArn, rs)
	}
	return nil
}

// decideRequest adds the notification a rule's target asked for. Rules
// are rate limited like workflows (by rule), with a summary of what was
// held back.
func (n *Notifier) decideRequest(ev *store.OutboxEvent, e *event, now time.Time, c *store.ConsumerCommit) error {
	d := &e.Detail
	t := Target{Channel: d.Channel, Addresses: []string{d.Address}}
	if t.Check() != nil {
		return nil // checked by PutTargets; a bad one stored earlier tells nothing
	}
	r := n.rates[d.Rule]
	if r == nil || (r.Held == 0 && !now.Before(r.Start.Add(n.o.Window))) {
		r = &rate{Start: now}
		n.rates[d.Rule] = r
	}
	r.Target, r.Name = &t, d.RuleName
	if r.Told >= n.o.MaxRuns {
		if r.Held == 0 && n.o.Wake != nil {
			n.o.Wake()
		}
		r.Held++
		n.setState(c, keyRate+d.Rule, r)
		return nil
	}
	r.Told++
	n.setState(c, keyRate+d.Rule, r)
	text := d.Text
	var s string
	if json.Unmarshal([]byte(text), &s) == nil {
		text = s // a JSON string is the message itself
	}
	var raw any
	_ = json.Unmarshal(ev.Body, &raw)
	no := &Notification{ID: notificationID(e.ID, "rule", 0, t.Addresses), Order: ev.Seq * 1024, Channel: t.Channel,
		Addresses: t.Addresses, Kind: KindRule, Workflow: d.Rule,
		Title: fmt.Sprintf("%s: %s from %s", d.RuleName, d.EventDetailType, d.EventSource), Text: text, Time: ev.Time,
		Alias: "baton:" + d.Rule, Failure: true}
	if t.Channel == Webhook {
		no.Event = raw
	}
	return addNotification(c, no)
}

func (n *Notifier) endRun(c *store.ConsumerCommit, arn string, fresh bool) {
	delete(n.runs, arn)
	if !fresh {
		setNil(c, keyRun+arn)
	}
}

// wants says whether a level sends a kind of message.
func wants(level, kind string) bool {
	switch level {
	case LevelFull:
		return true
	case LevelPipeline:
		return !strings.HasPrefix(kind, "step_")
	case LevelFailures:
		switch kind {
		case KindRunFailed, KindRunTimedOut, KindRunAborted, KindStepFailed, KindRecovered, KindSummary:
			return true
		}
	}
	return false
}

// split gives the addresses of each notification of a target: one per
// address, except e-mail (one mail to all).
func split(t Target) [][]string {
	if t.Channel == Email {
		return [][]string{t.Addresses}
	}
	out := make([][]string, len(t.Addresses))
	for i, a := range t.Addresses {
		out[i] = []string{a}
	}
	return out
}

// notificationID is derived from what causes it, so that deciding it
// again (the same event read after a crash) is the same notification.
func notificationID(eventID, kind string, target int, addrs []string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s", eventID, kind, target, strings.Join(addrs, ",")))
	return hex.EncodeToString(h[:12])
}

func addNotification(c *store.ConsumerCommit, no *Notification) error {
	body, err := json.Marshal(no)
	if err != nil {
		return err
	}
	c.Intents = append(c.Intents, &store.Intent{ID: no.ID, Body: body})
	return nil
}

func (n *Notifier) setState(c *store.ConsumerCommit, key string, v any) {
	b, _ := json.Marshal(v)
	if c.State == nil {
		c.State = map[string][]byte{}
	}
	c.State[key] = b
}

// setNil deletes a state key in c.
func setNil(c *store.ConsumerCommit, key string) {
	if c.State == nil {
		c.State = map[string][]byte{}
	}
	c.State[key] = nil
}

// tick sends the summaries of windows that ended with runs held back, and
// forgets windows that ended without.
func (n *Notifier) tick(ctx context.Context, now time.Time, c *store.ConsumerCommit) (time.Time, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var next time.Time
	for arn, r := range n.rates {
		end := r.Start.Add(n.o.Window)
		if now.Before(end) {
			if r.Held > 0 && (next.IsZero() || end.Before(next)) {
				next = end
			}
			continue
		}
		if r.Held > 0 && r.Target != nil {
			wf := &workflowInfo{arn: arn, name: r.Name, settings: &Settings{Type: LevelFull, Targets: []Target{*r.Target}}}
			if err := n.summary(c, wf, r, end); err != nil {
				return now.Add(time.Second), err
			}
		} else if r.Held > 0 {
			wf, err := n.workflow(ctx, arn)
			if err != nil {
				return now.Add(time.Second), err
			}
			if wf != nil && wf.settings != nil {
				if err := n.summary(c, wf, r, end); err != nil {
					return now.Add(time.Second), err
				}
			}
		}
		delete(n.rates, arn)
		setNil(c, keyRate+arn)
	}
	return next, nil
}

func (n *Notifier) summary(c *store.ConsumerCommit, wf *workflowInfo, r *rate, end time.Time) error {
	data := &Data{Kind: KindSummary}
	data.Workflow.Name, data.Workflow.Namespace, data.Workflow.Arn = wf.name, wf.namespace, wf.arn
	data.Summary.Runs, data.Summary.ByStatus, data.Summary.From, data.Summary.To = r.Held, r.ByStatus, r.Start, end
	failed := r.ByStatus["FAILED"]+r.ByStatus["TIMED_OUT"]+r.ByStatus["ABORTED"] > 0
	if !wants(wf.settings.Type, KindSummary) {
		return nil
	}
	id := fmt.Sprintf("summary\x00%s\x00%d", wf.arn, r.Start.UnixNano())
	for ti, t := range wf.settings.Targets {
		if t.Channel == OpsGenie {
			continue
		}
		title, text := render(data, t.Template)
		for _, addrs := range split(t) {
			no := &Notification{ID: notificationID(id, KindSummary, ti, addrs), Order: end.UnixNano(), Channel: t.Channel,
				Connection: t.Connection, Addresses: addrs, Kind: KindSummary, Workflow: wf.arn, Failure: failed,
				Title: title, Text: text, Time: end}
			if t.Channel == Webhook {
				no.Event = map[string]any{"summary": data.Summary, "workflow": wf.arn}
			}
			if err := addNotification(c, no); err != nil {
				return err
			}
		}
	}
	return nil
}

// workflow returns the name, namespace and settings of a state machine;
// nil when it no longer exists.
func (n *Notifier) workflow(ctx context.Context, arn string) (*workflowInfo, error) {
	cat := n.cat
	cat.mu.Lock()
	wf, ok := cat.cache[arn]
	gen, names := cat.gen, cat.names
	cat.mu.Unlock()
	if ok {
		return wf, nil
	}
	keep := func(wf *workflowInfo) {
		cat.mu.Lock()
		defer cat.mu.Unlock()
		if cat.gen == gen {
			cat.cache[arn] = wf
			if cat.names == nil {
				cat.names = names
			}
		}
	}
	st := n.o.Store
	sm, err := st.GetStateMachine(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		keep(nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	wf = &workflowInfo{arn: arn, name: sm.Name}
	if names == nil {
		nss, err := st.ListNamespaces(ctx)
		if err != nil {
			return nil, err
		}
		names = map[string]string{n.o.DefaultAccount: "default"}
		for _, ns := range nss {
			names[ns.AccountID] = ns.Name
		}
	}
	if parts := strings.Split(arn, ":"); len(parts) > 4 {
		wf.namespace = names[parts[4]]
	}
	if sm.Language == pipeline.LanguageName {
		// Deployed definitions were checked; one that no longer parses
		// (an older format) has no notifications.
		if pl, err := pipeline.Parse([]byte(sm.Definition)); err == nil {
			wf.settings = FromPipeline(pl.Notifications)
		}
	} else {
		body, err := st.NotificationSettings(ctx, arn)
		if err != nil {
			return nil, err
		}
		if body != nil {
			if wf.settings, err = ParseSettings(body); err != nil {
				n.o.Log.Warn("notifications: stored settings cannot be read; the workflow is not notified", "stateMachineArn", arn, "err", err)
				wf.settings = nil
			}
		}
	}
	keep(wf)
	return wf, nil
}

// logTail returns the end of the log of a step's last attempt (about 20
// lines, 2 KiB at most), reading at most 2 MiB of it.
func logTail(ctx context.Context, st store.Store, execArn, step string) string {
	if step == "" {
		return ""
	}
	var tail []byte
	attempt := 0
	after := int64(0)
	for range 8 {
		chunks, err := st.ReadLogs(ctx, execArn, store.LogQuery{StateName: step, After: after, Limit: 200, MaxBytes: 256 << 10})
		if err != nil || len(chunks) == 0 {
			break
		}
		for _, ch := range chunks {
			if ch.Attempt != attempt {
				attempt, tail = ch.Attempt, tail[:0]
			}
			tail = append(tail, ch.Data...)
			if len(tail) > 8<<10 {
				tail = append(tail[:0], tail[len(tail)-4<<10:]...)
			}
			after = ch.Seq
		}
	}
	s := strings.TrimRight(string(tail), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	s = strings.Join(lines, "\n")
	if len(s) > 2048 {
		s = s[len(s)-2048:]
		for len(s) > 0 && !utf8Start(s[0]) {
			s = s[1:]
		}
	}
	return s
}
