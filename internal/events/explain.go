package events

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/pipeline"
)

// Explanation says what starts a workflow and what its triggers wait for:
// "why didn't it run?".
type Explanation struct {
	StateMachineArn string                 `json:"stateMachineArn"`
	Workflow        string                 `json:"workflow"`
	Namespace       string                 `json:"namespace"`
	Schedules       []ScheduleExplanation  `json:"schedules,omitempty"`
	Executions      *ExecutionsExplanation `json:"executions,omitempty"`
	Event           map[string]any         `json:"eventPattern,omitempty"`
	Data            []DataExplanation      `json:"data,omitempty"` // filled by Arrivals.Explain
	// Paused says that its schedules are paused (baton schedule pause).
	Paused bool `json:"paused,omitempty"`
	// Summary is the explanation in a few sentences.
	Summary []string `json:"summary"`
}

// ScheduleExplanation is one schedule's state.
type ScheduleExplanation struct {
	Expression string      `json:"expression"`
	Timezone   string      `json:"timezone"`
	Overlap    string      `json:"overlap"`
	Catchup    string      `json:"catchup"`
	LastSlot   *time.Time  `json:"lastSlot,omitempty"` // the last slot dealt with (ran, skipped or buffered)
	Buffered   []time.Time `json:"buffered,omitempty"`
	Next       []time.Time `json:"next"`
}

// ExecutionsExplanation is an upstream-outcome trigger's state.
type ExecutionsExplanation struct {
	Operator   string                 `json:"operator"`
	Match      string                 `json:"match"`
	Window     string                 `json:"window"`
	Met        bool                   `json:"met"`
	Conditions []ConditionExplanation `json:"conditions"`
}

// ConditionExplanation is one condition: the outcomes that meet it, or
// what it waits for.
type ConditionExplanation struct {
	Block     string    `json:"block"` // allOf or anyOf
	Workflow  string    `json:"workflow"`
	Namespace string    `json:"namespace"`
	Statuses  []string  `json:"statuses"`
	Met       bool      `json:"met"`
	Outcomes  []Outcome `json:"outcomes,omitempty"` // unconsumed, within the window
	Waiting   string    `json:"waiting,omitempty"`
}

// Outcome is an upstream run's outcome that counts for a condition.
type Outcome struct {
	ExecutionArn string    `json:"executionArn"`
	Status       string    `json:"status"`
	Time         time.Time `json:"time"`
	LogicalDate  string    `json:"logicalDate,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt"` // when the window closes on it
}

// ErrNoWorkflow is returned by Explain for a workflow that is not deployed.
var ErrNoWorkflow = fmt.Errorf("no such workflow")

// Explain explains the triggers of a deployed workflow at now: from the
// consumer's memory where the bus runs it, else (a node of a cluster that
// does not run the bus, a server whose bus has not loaded yet) from the
// state stored, read now.
func (t *Triggers) Explain(ctx context.Context, arn string, now time.Time) (*Explanation, error) {
	// What is deployed now: a deploy marked the catalog stale.
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	stored, err := t.stateNow(ctx)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.triggerState
	if stored != nil {
		s = stored
	}
	var w *Workflow
	for _, x := range t.workflows {
		if x.Arn == arn {
			w = x
		}
	}
	ex := &Explanation{StateMachineArn: arn, Workflow: nameOf(arn)}
	if w == nil {
		ex.Summary = []string{"It has no trigger: it runs only when someone starts it (baton start, the API)."}
		return ex, nil
	}
	ex.Namespace = w.Namespace
	ex.Paused = s.paused[arn]
	if ex.Paused && len(w.Trigger.Schedules) > 0 {
		ex.Summary = append(ex.Summary, "Its schedules are paused: their slots are skipped until baton schedule resume.")
	}
	for _, cs := range t.compile(w) {
		se := ScheduleExplanation{Expression: cs.expr.String(), Timezone: cs.loc.String(),
			Overlap: orDefault(cs.s.Overlap, "skip"), Catchup: orDefault(cs.s.Catchup, "none"), Next: []time.Time{}}
		from := now
		if st := s.slots[cs.key]; st != nil {
			last := st.Last
			se.LastSlot, se.Buffered = &last, st.Buffered
			if last.After(from) {
				from = last
			}
		}
		for at := from; len(se.Next) < 3; {
			n, ok := cs.expr.Next(at, cs.loc)
			if !ok {
				break
			}
			se.Next = append(se.Next, n)
			at = n
		}
		ex.Schedules = append(ex.Schedules, se)
		if len(se.Next) > 0 {
			ex.Summary = append(ex.Summary, fmt.Sprintf("Schedule %s (%s) runs next at %s.", se.Expression, se.Timezone, se.Next[0].In(cs.loc).Format(time.RFC3339)))
		} else {
			ex.Summary = append(ex.Summary, fmt.Sprintf("Schedule %s has no more fire times.", se.Expression))
		}
		if len(se.Buffered) > 0 {
			ex.Summary = append(ex.Summary, fmt.Sprintf("%d slot(s) wait for the running run to end (overlap: %s).", len(se.Buffered), se.Overlap))
		}
	}
	if x := w.Trigger.Executions; x != nil {
		ex.Executions = explainExecutions(w, x, s.execs[w.Arn], now)
		ex.Summary = append(ex.Summary, summarizeExecutions(ex.Executions)...)
	}
	if w.Trigger.Event != nil {
		ex.Event = w.Trigger.Event.Pattern
		ex.Summary = append(ex.Summary, "It runs on every event of its namespace's bus that its event pattern matches.")
	}
	if len(w.Trigger.Data) > 0 {
		ex.Summary = append(ex.Summary, fmt.Sprintf("It runs when data arrives under %d watched location(s).", len(w.Trigger.Data)))
	}
	return ex, nil
}

// explainExecutions explains an executions trigger whose run log is rl.
func explainExecutions(w *Workflow, x *pipeline.ExecutionsTrigger, rl *runLog, now time.Time) *ExecutionsExplanation {
	window := x.Window
	if window <= 0 {
		window = DefaultWindow
	}
	ee := &ExecutionsExplanation{Operator: x.Operator, Match: x.Match, Window: window.String()}
	explain := func(block string, conds []pipeline.UpstreamCondition) (all, any bool) {
		all = true
		for _, cond := range conds {
			ns := cond.Namespace
			if ns == "" {
				ns = w.Namespace
			}
			ce := ConditionExplanation{Block: block, Workflow: cond.Name, Namespace: ns, Statuses: cond.Status}
			if rl != nil {
				for _, o := range rl.Outcomes[condKey(ns, cond.Name)] {
					if contains(cond.Status, o.Status) && now.Sub(o.Time) <= window {
						ce.Outcomes = append(ce.Outcomes, Outcome{ExecutionArn: o.Arn, Status: o.Status, Time: o.Time,
							LogicalDate: o.LogicalDate, ExpiresAt: o.Time.Add(window)})
					}
				}
			}
			ce.Met = len(ce.Outcomes) > 0
			if !ce.Met {
				all = false
				ce.Waiting = fmt.Sprintf("waits for a run of %s/%s to end %v (none unconsumed within the last %s)", ns, cond.Name, cond.Status, window)
			} else {
				any = true
			}
			ee.Conditions = append(ee.Conditions, ce)
		}
		return all, any
	}
	allMet, _ := explain("allOf", x.AllOf)
	_, anyMet := explain("anyOf", x.AnyOf)
	switch {
	case len(x.AllOf) > 0 && len(x.AnyOf) > 0 && x.Operator == "OR":
		ee.Met = allMet || anyMet
	case len(x.AllOf) > 0 && len(x.AnyOf) > 0:
		ee.Met = allMet && anyMet
	case len(x.AllOf) > 0:
		ee.Met = allMet
	default:
		ee.Met = anyMet
	}
	return ee
}

func summarizeExecutions(ee *ExecutionsExplanation) []string {
	var out []string
	for _, c := range ee.Conditions {
		if c.Met {
			o := c.Outcomes[len(c.Outcomes)-1]
			out = append(out, fmt.Sprintf("%s: %s/%s is met by %s (%s at %s); it counts until %s.", c.Block, c.Namespace, c.Workflow,
				nameOf(o.ExecutionArn), o.Status, o.Time.Format(time.RFC3339), o.ExpiresAt.Format(time.RFC3339)))
		} else {
			out = append(out, fmt.Sprintf("%s: %s/%s %s.", c.Block, c.Namespace, c.Workflow, c.Waiting))
		}
	}
	if ee.Match == "logical_date" && !ee.Met {
		out = append(out, "Outcomes count only with those of runs of the same logical date (match: logical_date).")
	}
	return out
}

// nameOf returns the last field of an ARN.
func nameOf(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}

// TriggerSummary is what a list of workflows shows of one's triggers.
type TriggerSummary struct {
	// Kinds are "schedule", "upstream", "arrival" and "event", in that
	// order, for the triggers it has.
	Kinds []string
	// NextRun is its schedules' next fire after now (nil: none, or paused).
	NextRun *time.Time
}

// Summaries returns the trigger summary of every workflow with triggers,
// by ARN: the workflows page shows a thousand at once, so this reads the
// consumer's cached catalog once rather than explaining each (and, where
// the bus does not run the consumer, the stored state once).
func (t *Triggers) Summaries(ctx context.Context, now time.Time) (map[string]TriggerSummary, error) {
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	stored, err := t.stateNow(ctx)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	state := &t.triggerState
	if stored != nil {
		state = stored
	}
	out := make(map[string]TriggerSummary, len(t.workflows))
	for _, w := range t.workflows {
		var s TriggerSummary
		tr := w.Trigger
		if len(tr.Schedules) > 0 {
			s.Kinds = append(s.Kinds, "schedule")
		}
		if tr.Executions != nil {
			s.Kinds = append(s.Kinds, "upstream")
		}
		if len(tr.Data) > 0 {
			s.Kinds = append(s.Kinds, "arrival")
		}
		if tr.Event != nil {
			s.Kinds = append(s.Kinds, "event")
		}
		if !state.paused[w.Arn] {
			for _, cs := range t.compile(w) {
				from := now
				if st := state.slots[cs.key]; st != nil && st.Last.After(from) {
					from = st.Last
				}
				if n, ok := cs.expr.Next(from, cs.loc); ok && (s.NextRun == nil || n.Before(*s.NextRun)) {
					s.NextRun = &n
				}
			}
		}
		out[w.Arn] = s
	}
	return out, nil
}
