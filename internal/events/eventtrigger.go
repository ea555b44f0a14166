package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/batonhq/baton/internal/events/pattern"
	"github.com/batonhq/baton/internal/store"
)

// eventPattern is a workflow's trigger.event pattern, compiled.
type eventPattern struct {
	p            *pattern.Pattern
	namesAccount bool // the pattern says which accounts' events it takes
}

// patternOf compiles (once per revision) a workflow's event pattern; nil
// when it has none or it does not compile (it was checked at deploy).
func (t *Triggers) patternOf(w *Workflow) *eventPattern {
	if w.Trigger.Event == nil {
		return nil
	}
	key := w.Arn + "\x00" + w.Revision
	if ep, ok := t.patterns[key]; ok {
		return ep
	}
	src, _ := json.Marshal(w.Trigger.Event.Pattern)
	p, err := pattern.Compile(src)
	var ep *eventPattern
	if err != nil {
		t.opt.Log.Error("triggers: an event pattern does not compile; it does not trigger", "workflow", w.Arn, "err", err)
	} else {
		_, names := w.Trigger.Event.Pattern["account"]
		ep = &eventPattern{p: p, namesAccount: names}
	}
	if t.patterns == nil {
		t.patterns = map[string]*eventPattern{}
	}
	t.patterns[key] = ep
	return ep
}

// matchEvent returns the starts of the workflows whose trigger.event
// pattern matches ev: one per workflow and event, named from both. A
// workflow sees the events of its own namespace's bus, and another's only
// when its pattern names that account.
// eventMatch is a start an event decided.
type eventMatch struct {
	w  *Workflow
	in *store.Intent
}

func (t *Triggers) matchEvent(ev *store.OutboxEvent) []eventMatch {
	m := t.eventsMatcher()
	if len(t.eventsOf) == 0 || ev.Bus != "default" {
		return nil
	}
	parsed, err := pattern.ParseEvent(ev.Body)
	if err != nil {
		return nil
	}
	var out []eventMatch
	for _, arn := range m.MatchEvent(parsed) {
		w := t.eventsOf[arn]
		ep := t.patternOf(w)
		if ep == nil || (ev.Account != w.Account && !ep.namesAccount) {
			continue
		}
		var envelope struct {
			ID     string `json:"id"`
			Detail struct {
				StateMachineArn string `json:"stateMachineArn"`
				TriggerDepth    int    `json:"triggerDepth"`
			} `json:"detail"`
		}
		_ = json.Unmarshal(ev.Body, &envelope)
		if envelope.Detail.StateMachineArn == w.Arn {
			continue // a pipeline does not trigger on its own runs' events (it would loop)
		}
		if ev.Account != w.Account && t.opt.RequireGrants && !t.grantedEvent(ev.Account, w, envelope.Detail.StateMachineArn) {
			continue // another namespace's event, which it did not grant
		}
		if envelope.ID == "" {
			envelope.ID = fmt.Sprintf("seq-%d", ev.Seq) // events put on the bus get an id; this is a safety net
		}
		h := sha256.Sum256([]byte(w.Arn + "\x00" + envelope.ID + "\x00" + ev.Account))
		name := "event-" + hex.EncodeToString(h[:16])
		r := RunRequest{StateMachineArn: w.Arn, Name: name, Input: "{}", Depth: envelope.Detail.TriggerDepth + 1,
			Trigger: map[string]any{"type": "event", "event": json.RawMessage(ev.Body)}}
		body, _ := json.Marshal(r)
		out = append(out, eventMatch{w, &store.Intent{ID: name, Body: body}})
	}
	return out
}

// eventsMatcher returns a matcher of the pipelines' event patterns by
// workflow ARN (built once per catalog load): an event costs what the
// patterns it may match cost, not every pattern. The caller holds t.mu.
func (t *Triggers) eventsMatcher() *pattern.Matcher {
	if t.events != nil && t.eventsGen == t.gen {
		return t.events
	}
	m := pattern.NewMatcher()
	of := map[string]*Workflow{}
	for _, w := range t.workflows {
		if ep := t.patternOf(w); ep != nil {
			m.Add(w.Arn, ep.p)
			of[w.Arn] = w
		}
	}
	t.events, t.eventsOf, t.eventsGen = m, of, t.gen
	return m
}

// grantedEvent tells whether the namespace of account grants w's
// namespace its event: a run's status change by its workflow's grant,
// any other event by a grant of every workflow ("*").
func (t *Triggers) grantedEvent(account string, w *Workflow, stateMachineArn string) bool {
	from := ""
	for ns, a := range t.accounts {
		if a == account {
			from = ns
		}
	}
	if from == "" {
		return false
	}
	workflow := "*"
	if stateMachineArn != "" && accountOf(stateMachineArn) == account {
		workflow = nameOf(stateMachineArn)
	}
	return store.Granted(t.grants, from, w.Namespace, workflow)
}
