package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/workflow"
)

// ErrNotRedrivable is wrapped by the errors of Machine.Redrive for an
// execution that cannot be redriven (Step Functions' ExecutionNotRedrivable).
var ErrNotRedrivable = workflow.ErrNotRedrivable

// Redrive resumes a FAILED, TIMED_OUT or ABORTED execution from where it
// stopped, as Step Functions' RedriveExecution does: the states that did not
// succeed run again, each with the input it had, and nothing that succeeded
// runs twice. Inside a Parallel state only the branches that failed or were
// aborted run again, and inside an inline Map only the iterations that
// failed or were aborted (and those never started); the others keep their
// results. A failed branch or iteration goes on from the state that failed
// in it. Retry counters start from zero; variables keep their values as at
// the failure.
//
// Redrive records ExecutionRedriven (redriveCount), increments
// Info.RedriveCount, sets Info.RedriveTime, puts the execution back to
// RUNNING, re-arms the execution timeout (TimeoutSeconds) from now and runs
// the machine like Start. x must have been run by m (or a Machine compiled
// from the same definition). The error wraps ErrNotRedrivable when the
// execution cannot be redriven: it is RUNNING or SUCCEEDED, it kept nothing
// to resume from, or its history is at MaxHistoryEvents.
func (m *Machine) Redrive(x *Execution, now time.Time, out *Output) error {
	switch x.Status {
	case StatusFailed, StatusTimedOut, StatusAborted:
	default:
		return fmt.Errorf("asl: %w: the execution is %s", ErrNotRedrivable, x.Status)
	}
	root := x.Frames[x.Root]
	if root == nil {
		return fmt.Errorf("asl: %w: the execution kept no state to resume from", ErrNotRedrivable)
	}
	x.dropSnapshotCache() // a redrive rebuilds frames: the cache is not kept up to date through it
	if lim := m.opts.MaxHistoryEvents; lim > 0 && x.LastEvent+2 > lim {
		// AWS: the history must leave room for ExecutionRedriven and one more event.
		return fmt.Errorf("asl: %w: the execution history reached its limit of %d events", ErrNotRedrivable, lim)
	}
	if err := m.checkRedo(x); err != nil {
		return err
	}
	x.Status, x.Output, x.Error, x.Cause = StatusRunning, nil, "", ""
	x.queue, x.interrupted = x.queue[:0], false
	x.Info.RedriveCount++
	x.Info.RedriveTime = now
	if ev := m.event(x, nil, now, out, "ExecutionRedriven"); ev != nil {
		ev.Redrives = x.Info.RedriveCount
	}
	prev := x.LastEvent
	if m.def.TimeoutSeconds != nil {
		m.arm(x, 0, timerExecution, now.Add(time.Duration(*m.def.TimeoutSeconds)*time.Second), out)
	}
	m.resumeFrame(x, root, prev, now, out)
	m.drain(x, now, out)
	return nil
}

// checkRedo makes sure every frame kept for a redrive runs a state of m.
func (m *Machine) checkRedo(x *Execution) error {
	var check func(f *Frame) error
	check = func(f *Frame) error {
		g := m.graphs[f.Graph]
		if g == nil || g.states[f.State] == nil {
			return fmt.Errorf("asl: %w: state %q of the execution is not in this state machine", ErrNotRedrivable, f.State)
		}
		if f.Redo != nil {
			for _, c := range slices.Concat(f.Redo.Frames, f.Redo.Resume) {
				if err := check(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, f := range x.Frames {
		if err := check(f); err != nil {
			return err
		}
	}
	return nil
}

// redo is what a Parallel or Map frame keeps of its branches or iterations
// that did not succeed, for Machine.Redrive. It lives until the frame enters
// another state or retries this one.
type redo struct {
	// Frames are the children that failed or were aborted, as they stopped.
	Frames []*Frame `json:"frames,omitempty"`
	// Resume are the Map iterations a redrive still has to resume, as
	// MaxConcurrency allows.
	Resume []*Frame `json:"resume,omitempty"`
	// Results, Items and Effective are the frame's own, which join drops
	// when the children are done.
	Results   []any `json:"results,omitempty"`
	Items     []any `json:"items,omitempty"`
	Effective any   `json:"effective,omitempty"`
}

// keepUnfinished keeps a child of p that failed or is being aborted.
func keepUnfinished(p, c *Frame) {
	if p.Redo == nil {
		p.Redo = &redo{}
	}
	p.Redo.Frames = append(p.Redo.Frames, c)
}

// keepFanout keeps what join is about to drop from a Parallel or Map frame,
// when some of its children did not succeed.
func keepFanout(f *Frame) {
	if f.Redo == nil {
		if f.ChildFail == nil {
			return
		}
		f.Redo = &redo{}
	}
	f.Redo.Results, f.Redo.Items, f.Redo.Effective = f.Results, f.Items, f.Effective
}

// keepForRedrive is what an execution that did not succeed keeps of its
// frames: all of them (only the threads that had not finished are left),
// without their tasks and timers, which ended with the execution.
func keepForRedrive(frames map[int64]*Frame) map[int64]*Frame {
	if len(frames) == 0 {
		return nil
	}
	for _, f := range frames {
		scrub(f)
	}
	return frames
}

// scrub clears what ties a frame to tasks, timers and an execution value.
func scrub(f *Frame) {
	f.TaskID, f.Token, f.Started = "", "", false
	f.TimerID, f.TimeoutTimer, f.HeartbeatTimer, f.Heartbeat = "", "", "", 0
	f.env = jsonpath.Env{}
}

// resumeFrame puts a kept frame back to work: a Parallel or Map state
// resumes its unfinished children, any other state is entered again with
// the input it had.
func (m *Machine) resumeFrame(x *Execution, f *Frame, prev int64, now time.Time, out *Output) {
	scrub(f)
	f.PrevEvent = prev
	s := m.stateOf(f)
	fanout := s.kind == kindParallel || s.kind == kindMap
	switch {
	case f.Phase == phaseJoin:
		x.queue = append(x.queue, f.ID)
	case fanout && f.Phase == phaseChildren,
		fanout && f.Phase == phaseDone && f.Fail != nil && !f.Fail.terminal() && f.Redo != nil:
		m.resumeFanout(x, f, s, now, out)
	default:
		f.Fail, f.Out = nil, nil
		m.enter(x, f, s, f.Input, now, out)
	}
}

// resumeFanout resumes the branches or iterations of a Parallel or Map
// state that had not succeeded, keeping the results of the others.
func (m *Machine) resumeFanout(x *Execution, f *Frame, s *state, now time.Time, out *Output) {
	r := f.Redo
	if r == nil {
		r = &redo{}
		f.Redo = r
	}
	if f.Phase == phaseDone { // failed: join dropped these
		f.Results, f.Items, f.Effective = r.Results, r.Items, r.Effective
		f.Children = nil
	}
	r.Results, r.Items, r.Effective = nil, nil, nil
	f.Fail, f.ChildFail = nil, nil
	f.Phase = phaseChildren
	prev := f.PrevEvent
	byIndex := func(a, b *Frame) int { return a.Index - b.Index }
	live := make([]*Frame, 0, len(f.Children))
	for _, id := range f.Children {
		if c := x.Frames[id]; c != nil {
			live = append(live, c)
		}
	}
	again := r.Frames
	r.Frames = nil
	if s.kind == kindParallel {
		live = append(live, again...)
		slices.SortFunc(live, byIndex)
		f.Children = f.Children[:0]
		for _, c := range live {
			x.Frames[c.ID] = c
			x.touch(c.ID)
			f.Children = append(f.Children, c.ID)
		}
		f.Running = len(live)
		for _, c := range live {
			m.resumeFrame(x, c, prev, now, out)
		}
		if f.Running == 0 {
			f.Phase = phaseJoin
			x.queue = append(x.queue, f.ID)
		}
		return
	}
	// Map: failed iterations count again once they end; aborted ones never
	// counted.
	for _, c := range again {
		if c.Fail != nil {
			f.Finished--
			f.Failures--
		}
	}
	r.Resume = append(again, r.Resume...)
	slices.SortFunc(r.Resume, byIndex)
	slices.SortFunc(live, byIndex)
	f.Children = f.Children[:0]
	for _, c := range live {
		f.Children = append(f.Children, c.ID)
	}
	f.Running = len(live)
	for _, c := range live {
		m.resumeFrame(x, c, prev, now, out)
	}
	m.resumeIterations(x, f, s, prev, now, out)
	for f.Running < f.MaxConc && f.NextItem < len(f.Items) {
		if fail := m.spawnIteration(x, f, s, now, out); fail != nil {
			f.ChildFail = fail
			m.abortChildren(x, f, now, out)
			f.Phase = phaseJoin
			x.queue = append(x.queue, f.ID)
			return
		}
	}
	if f.Running == 0 && f.Finished >= len(f.Items) {
		f.Phase = phaseJoin
		x.queue = append(x.queue, f.ID)
	}
}

// resumeIterations starts the Map iterations a redrive resumes, as many as
// MaxConcurrency allows, before any iteration not yet started.
func (m *Machine) resumeIterations(x *Execution, p *Frame, s *state, prev int64, now time.Time, out *Output) {
	r := p.Redo
	if r == nil || len(r.Resume) == 0 {
		return
	}
	for p.Running < p.MaxConc && len(r.Resume) > 0 {
		c := r.Resume[0]
		r.Resume[0] = nil
		r.Resume = r.Resume[1:]
		p.Running++
		p.Children = append(p.Children, c.ID)
		x.Frames[c.ID] = c
		x.touch(c.ID)
		c.PrevEvent = prev
		if ev := m.event(x, c, now, out, "MapIterationStarted"); ev != nil {
			ev.Name, ev.Index = s.name, c.Index
		}
		m.resumeFrame(x, c, c.PrevEvent, now, out)
	}
	if len(r.Resume) == 0 {
		r.Resume = nil
	}
}

// MarshalJSON writes floats as MarshalExecution does, so that numbers keep
// their form across a snapshot.
func (r *redo) MarshalJSON() ([]byte, error) {
	type plain redo
	c := plain{
		Frames:    framesForJSON(r.Frames),
		Resume:    framesForJSON(r.Resume),
		Results:   floatsAsNumbersSlice(r.Results),
		Items:     floatsAsNumbersSlice(r.Items),
		Effective: floatsAsNumbers(r.Effective),
	}
	return json.Marshal(&c)
}

// UnmarshalJSON reads numbers as UnmarshalExecution does.
func (r *redo) UnmarshalJSON(data []byte) error {
	type plain redo
	var c plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return err
	}
	*r = redo(c)
	for i, v := range r.Results {
		r.Results[i] = fixNumbers(v)
	}
	for i, v := range r.Items {
		r.Items[i] = fixNumbers(v)
	}
	r.Effective = fixNumbers(r.Effective)
	for _, f := range slices.Concat(r.Frames, r.Resume) {
		fixFrameNumbers(f)
	}
	return nil
}

// framesForJSON copies frames with their floats as json.Number.
func framesForJSON(fs []*Frame) []*Frame {
	if fs == nil {
		return nil
	}
	c := make([]*Frame, len(fs))
	for i, f := range fs {
		c[i] = frameForJSON(f)
	}
	return c
}

// fixFrameNumbers turns a decoded frame's json.Number values into numbers.
func fixFrameNumbers(f *Frame) {
	f.Input = fixNumbers(f.Input)
	f.Effective = fixNumbers(f.Effective)
	f.Out = fixNumbers(f.Out)
	for k, v := range f.Vars {
		f.Vars[k] = fixNumbers(v)
	}
	for i, v := range f.Results {
		f.Results[i] = fixNumbers(v)
	}
	for i, v := range f.Items {
		f.Items[i] = fixNumbers(v)
	}
}
