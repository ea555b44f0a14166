package events

import (
	"fmt"
	"time"
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
		e := DataExplanation{Path: x.d.Path, BatchSize: x.d.BatchSize}
		if x.window > 0 {
			e.BatchWindow = x.window.String()
		}
		if lv := a.live[x.key]; lv != nil {
			e.Error = lv.lastErr
			e.LastListed, e.NextListing = timePtr(lv.listed), timePtr(lv.next)
		}
		if st := a.state[x.key]; st != nil {
			e.Waiting, e.HighWater = len(st.Pending), timePtr(st.Mark)
			for _, o := range st.Pending[:min(len(st.Pending), 20)] {
				e.WaitingURLs = append(e.WaitingURLs, o.URL)
			}
			if len(st.Pending) > 0 && x.window > 0 {
				e.StartsBy = timePtr(st.Pending[0].At.Add(x.window))
			}
		}
		out[x.w.Arn] = append(out[x.w.Arn], e)
	}
	a.mu.Lock()
	a.explained = out
	a.mu.Unlock()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// Explain returns the state of a workflow's watched locations as of the
// last tick, and says it in a few sentences.
func (a *Arrivals) Explain(arn string) ([]DataExplanation, []string) {
	a.mu.Lock()
	ds := a.explained[arn]
	a.mu.Unlock()
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
	return ds, summary
}
