package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// DataExplanation is the state of one watched location: what waits for a
// batch, when the batch starts at the latest, when the location is listed.
type DataExplanation struct {
	Path        string     `json:"path"`
	BatchSize   int        `json:"batchSize"`
	BatchWindow string     `json:"batchWindow,omitempty"`
	Waiting     int        `json:"waiting"`                 // objects arrived, not started yet
	WaitingURLs []string   `json:"waitingUrls,omitempty"`   // the first 20 of them
	StartsBy    *time.Time `json:"startsBy,omitempty"`      // when the window closes on them
	HighWater   *time.Time `json:"highWaterMark,omitempty"` // the newest change time seen
	LastListed  *time.Time `json:"lastListed,omitempty"`
	NextListing *time.Time `json:"nextListing,omitempty"` // the rescan; notifications list sooner
	Error       string     `json:"error,omitempty"`       // why the last listing failed
}

// publish records what Explain tells of the watches.
func (a *Arrivals) publish(xs []*watch) {
	out := map[string][]DataExplanation{}
	for _, x := range xs {
		out[x.w.Arn] = append(out[x.w.Arn], explainWatch(x, a.live[x.key], a.state[x.key]))
	}
	a.mu.Lock()
	a.explained = out
	a.mu.Unlock()
}

// explainWatch tells the state of a watch: lv and st may be nil.
func explainWatch(x *watch, lv *watchLive, st *watchState) DataExplanation {
	e := DataExplanation{Path: x.d.Path, BatchSize: x.d.BatchSize}
	if x.window > 0 {
		e.BatchWindow = x.window.String()
	}
	if lv != nil {
		e.Error = lv.lastErr
		e.LastListed, e.NextListing = timePtr(lv.listed), timePtr(lv.next)
	}
	if st != nil {
		e.Waiting, e.HighWater = len(st.Pending), timePtr(st.Mark)
		for _, o := range st.Pending[:min(len(st.Pending), 20)] {
			e.WaitingURLs = append(e.WaitingURLs, o.URL)
		}
		if len(st.Pending) > 0 && x.window > 0 {
			e.StartsBy = timePtr(st.Pending[0].At.Add(x.window))
		}
	}
	return e
}

// explainStored tells the state of a workflow's watches as stored, for a
// server where the bus does not run the consumer: what arrived and waits;
// when they are listed, and why that fails, only the bus's server knows.
func (a *Arrivals) explainStored(ctx context.Context, arn string) ([]DataExplanation, error) {
	sm, err := a.opt.Store.GetStateMachine(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || sm.Language != pipeline.LanguageName {
		return nil, err
	}
	pl, err := pipeline.Parse([]byte(sm.Definition))
	if err != nil || pl.Trigger == nil {
		return nil, nil // deployed, then no longer valid: no trigger (as the catalog)
	}
	xs := a.watchesOf([]*Workflow{{Arn: sm.Arn, Name: sm.Name, Account: accountOf(sm.Arn), Trigger: pl.Trigger}})
	if len(xs) == 0 {
		return nil, nil
	}
	byKey := map[string]*watch{}
	for _, x := range xs {
		byKey[x.key] = x
	}
	states := map[string]*watchState{}
	err = a.opt.Store.ConsumerState(ctx, a.name(), func(key string, v []byte) error {
		if byKey[key] == nil {
			return nil
		}
		var st watchState
		if json.Unmarshal(v, &st) == nil {
			states[key] = &st
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]DataExplanation, 0, len(xs))
	for _, x := range xs {
		out = append(out, explainWatch(x, nil, states[x.key]))
	}
	return out, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// Explain returns the state of a workflow's watched locations, and says
// it in a few sentences: as of the last tick where the bus runs the
// consumer, else as stored (a node of a cluster that does not run the bus).
func (a *Arrivals) Explain(ctx context.Context, arn string) ([]DataExplanation, []string, error) {
	a.mu.Lock()
	ds, running := a.explained[arn], a.running
	a.mu.Unlock()
	if !running {
		var err error
		if ds, err = a.explainStored(ctx, arn); err != nil {
			return nil, nil, err
		}
	}
	var summary []string
	for _, d := range ds {
		switch {
		case d.Error != "":
			summary = append(summary, fmt.Sprintf("%s cannot be listed: %s", d.Path, d.Error))
		case d.Waiting > 0 && d.StartsBy != nil:
			summary = append(summary, fmt.Sprintf("%s: %d of %d object(s) arrived; the run starts at %d, or at %s at the latest.",
				d.Path, d.Waiting, d.BatchSize, d.BatchSize, d.StartsBy.Format(time.RFC3339)))
		case d.Waiting > 0:
			summary = append(summary, fmt.Sprintf("%s: %d of %d object(s) arrived.", d.Path, d.Waiting, d.BatchSize))
		default:
			summary = append(summary, fmt.Sprintf("%s: nothing new since the last run; a new object starts one.", d.Path))
		}
	}
	return ds, summary, nil
}
