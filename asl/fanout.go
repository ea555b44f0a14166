package asl

import (
	"fmt"
	"math"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// startParallel starts one child frame per branch, all on the state's
// effective input.
func (m *Machine) startParallel(x *Execution, f *Frame, s *state, now time.Time, out *Output) *Failure {
	if fail := m.tooManyOpen(x, s, len(s.branches)); fail != nil {
		return fail
	}
	m.event(x, f, now, out, "ParallelStateStarted")
	f.Results = make([]any, len(s.branches))
	f.Children = f.Children[:0]
	f.Running = len(s.branches)
	f.ChildFail = nil
	f.Phase = phaseChildren
	for i, g := range s.branches {
		c := m.newFrame(x, f.ID, g, i, f.Effective)
		c.PrevEvent = f.PrevEvent
		f.Children = append(f.Children, c.ID)
		m.enter(x, c, g.startAt, f.Effective, now, out)
	}
	return nil
}

// tooManyOpen fails a Parallel or Map state that would open n more
// branches or iterations than Options.MaxOpenBranches lets one execution
// have open: each is a frame of the execution's snapshot, which is
// serialized after every transition.
func (m *Machine) tooManyOpen(x *Execution, s *state, n int) *Failure {
	limit := m.opts.MaxOpenBranches
	if limit <= 0 || len(x.Frames)-1+n <= limit { // the top level is not a branch
		return nil
	}
	what := "branches"
	if s.kind == kindMap {
		what = "iterations"
	}
	return &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The %s state '%s' cannot start %d %s: the execution would have %d branches and iterations open at once, more than the limit of %d (raise it with --max-open-branches).",
		s.typ, s.name, n, what, len(x.Frames)-1+n, limit)}
}

// startMap reads the items and the Map's limits and starts the first
// iterations.
func (m *Machine) startMap(x *Execution, f *Frame, s *state, now time.Time, out *Output) *Failure {
	env := m.env(x, f, f.Effective)
	items := f.Effective
	f.jsEffective = nil
	if s.js != nil && s.js.items != nil {
		v, fail := s.js.items.eval(m.scope(x, f, f.Input))
		if fail != nil {
			return fail
		}
		if _, ok := v.([]any); !ok {
			return s.js.items.typeError("array", v)
		}
		items = v
	}
	if s.itemsPath != nil {
		v, err := s.itemsPath.Get(env)
		if err != nil {
			return pathFailure(s.itemsPath, err)
		}
		items = v
	}
	list, ok := items.([]any)
	if !ok {
		path := "$"
		if s.itemsPath != nil {
			path = s.itemsPath.String()
		}
		return &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("Map state input at path '%s' must be an array, but was %s", path, value.TypeName(items))}
	}
	maxConc := s.maxConc
	if s.maxConcPath != nil {
		n, fail := intAt(s.maxConcPath, env, "MaxConcurrencyPath")
		if fail != nil {
			return fail
		}
		maxConc = n
	}
	if s.js != nil && s.js.maxConc != nil {
		n, fail := jsonataNumber(s.js.maxConc, m.scope(x, f, f.Input), true, math.MaxInt32)
		if fail != nil {
			return fail
		}
		maxConc = int64(n)
	}
	f.TolCount, f.TolPct, f.HasTol = -1, -1, s.hasTolerance
	if s.src.ToleratedFailureCount != nil {
		f.TolCount = s.tolCount
	}
	if s.src.ToleratedFailurePercentage != nil {
		f.TolPct = s.tolPercent
	}
	if s.tolCountPath != nil {
		n, fail := intAt(s.tolCountPath, env, "ToleratedFailureCountPath")
		if fail != nil {
			return fail
		}
		f.TolCount = n
	}
	if s.tolPercentPath != nil {
		v, _ := s.tolPercentPath.Get(env)
		p, ok := value.Number(v)
		if !ok || p < 0 || p > 100 {
			return &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("ToleratedFailurePercentagePath '%s' must resolve to a number between 0 and 100, but was %s", s.tolPercentPath.String(), value.MarshalString(v))}
		}
		f.TolPct = p
	}
	if s.js != nil && s.js.tolCount != nil {
		n, fail := jsonataNumber(s.js.tolCount, m.scope(x, f, f.Input), true, math.MaxInt32)
		if fail != nil {
			return fail
		}
		f.TolCount = int64(n)
	}
	if s.js != nil && s.js.tolPct != nil {
		n, fail := jsonataNumber(s.js.tolPct, m.scope(x, f, f.Input), false, 100)
		if fail != nil {
			return fail
		}
		f.TolPct = n
	}
	limit := int64(m.opts.MaxInlineConcurrency)
	if maxConc <= 0 || maxConc > limit {
		maxConc = limit
	}
	if ev := m.event(x, f, now, out, "MapStateStarted"); ev != nil {
		ev.Length = len(list)
	}
	f.Items = list
	f.MaxConc = int(maxConc)
	f.NextItem, f.Running, f.Finished, f.Failures = 0, 0, 0, 0
	f.Results = make([]any, len(list))
	f.Children = f.Children[:0]
	f.ChildFail = nil
	f.Phase = phaseChildren
	if len(list) == 0 {
		f.Phase = phaseJoin
		x.queue = append(x.queue, f.ID)
		return nil
	}
	for f.Running < f.MaxConc && f.NextItem < len(list) {
		if fail := m.spawnIteration(x, f, s, now, out); fail != nil {
			return fail
		}
	}
	return nil
}

// intAt reads a non-negative integer at a path.
func intAt(p *jsonpath.Path, env jsonpath.Env, field string) (int64, *Failure) {
	v, err := p.Get(env)
	if err != nil {
		return 0, pathFailure(p, err)
	}
	n, ok := value.Number(v)
	if !ok || n < 0 || n != math.Trunc(n) {
		return 0, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The value of the field '%s' must be a non-negative integer: the path '%s' resolved to %s", field, p.String(), value.MarshalString(v))}
	}
	return int64(n), nil
}

// spawnIteration starts the iteration of the next item.
func (m *Machine) spawnIteration(x *Execution, f *Frame, s *state, now time.Time, out *Output) *Failure {
	idx := f.NextItem
	item := f.Items[idx]
	input := item
	if s.js != nil && s.js.itemSelector != nil {
		sc := m.scope(x, f, f.Effective)
		sc.item = &mapItem{index: idx, value: item}
		if f.jsEffective != nil {
			sc.inputJS, sc.hasInputJS = f.jsEffective, true
		}
		v, fail := s.js.itemSelector.eval(sc)
		if fail != nil {
			return fail
		}
		if sc.hasInputJS {
			f.jsEffective = sc.inputJS // converted once for all the items
		}
		input = v
	} else if s.itemSelector != nil {
		env := jsonpath.Env{
			Input:    f.Effective,
			Context:  func() any { return m.contextObject(x, f, &mapItem{index: idx, value: item}) },
			Var:      func(name string) (any, bool) { return lookupVar(x, f, name) },
			MaxBytes: m.builtBound(),
		}
		v, fail := s.itemSelector.eval(env)
		if fail != nil {
			return fail
		}
		input = v
	}
	if fail := m.tooManyOpen(x, s, 1); fail != nil {
		return fail
	}
	f.NextItem++
	f.Running++
	c := m.newFrame(x, f.ID, s.processor, idx, input)
	c.PrevEvent = f.PrevEvent
	f.Children = append(f.Children, c.ID)
	if ev := m.event(x, c, now, out, "MapIterationStarted"); ev != nil {
		ev.Name, ev.Index = s.name, idx
	}
	m.enter(x, c, s.processor.startAt, input, now, out)
	return nil
}

// childFinished hands a finished branch or iteration to its parent.
func (m *Machine) childFinished(x *Execution, c *Frame, now time.Time, out *Output) {
	p := x.Frames[c.Parent]
	x.dropFrame(c.ID)
	if p == nil {
		return
	}
	x.touch(p.ID)
	for i, id := range p.Children {
		if id == c.ID {
			last := len(p.Children) - 1
			p.Children[i] = p.Children[last]
			p.Children = p.Children[:last]
			break
		}
	}
	p.Running--
	if c.Fail != nil {
		keepUnfinished(p, c) // redrive.go
	}
	s := m.stateOf(p)
	lastStep := c.PrevEvent // the child's last state event, before its iteration event
	// The parent's next event (the next iteration's start, or the state's
	// Succeeded/Failed) follows what the child did last, as AWS links them.
	defer func() {
		if x.Frames[p.ID] != nil {
			p.PrevEvent = c.PrevEvent
		}
	}()
	if s.kind == kindParallel {
		if c.Fail != nil {
			p.ChildFail = c.Fail
			m.abortChildren(x, p, now, out)
		} else {
			x.setResult(p, c.Index, c.Out)
		}
		if p.Running == 0 || p.ChildFail != nil {
			p.Phase = phaseJoin
			x.queue = append(x.queue, p.ID)
		}
		return
	}
	// Map iteration.
	p.Finished++
	if c.Fail != nil {
		if ev := m.event(x, c, now, out, "MapIterationFailed"); ev != nil {
			ev.Name, ev.Index = s.name, c.Index
		}
		p.Failures++
		x.setResult(p, c.Index, map[string]any{"Error": c.Fail.Error, "Cause": c.Fail.Cause})
		if m.toleranceExceeded(p) {
			if p.HasTol {
				p.ChildFail = &Failure{Error: ErrExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"}
			} else {
				p.ChildFail = c.Fail
			}
			m.abortChildren(x, p, now, out)
			p.Phase = phaseJoin
			x.queue = append(x.queue, p.ID)
			return
		}
	} else {
		if ev := m.event(x, c, now, out, "MapIterationSucceeded"); ev != nil {
			ev.Name, ev.Index = s.name, c.Index
		}
		x.setResult(p, c.Index, c.Out)
	}
	if p.NextItem < len(p.Items) {
		p.PrevEvent = lastStep // AWS links the next iteration's start to it
	}
	m.resumeIterations(x, p, s, lastStep, now, out) // redrive.go
	for p.Running < p.MaxConc && p.NextItem < len(p.Items) {
		if fail := m.spawnIteration(x, p, s, now, out); fail != nil {
			// The Map fails as if its ItemSelector had failed up front:
			// through join, so that its error handling and events apply.
			p.ChildFail = fail
			m.abortChildren(x, p, now, out)
			p.Phase = phaseJoin
			x.queue = append(x.queue, p.ID)
			return
		}
	}
	if p.Finished == len(p.Items) {
		p.Phase = phaseJoin
		x.queue = append(x.queue, p.ID)
	}
}

// toleranceExceeded applies ToleratedFailureCount and -Percentage: without
// either, any failed iteration fails the Map.
func (m *Machine) toleranceExceeded(p *Frame) bool {
	if !p.HasTol {
		return p.Failures > 0
	}
	if p.TolCount >= 0 && int64(p.Failures) > p.TolCount {
		return true
	}
	if p.TolPct >= 0 && float64(p.Failures)*100/float64(len(p.Items)) > p.TolPct {
		return true
	}
	return false
}

// abortChildren stops every running child of f, recursively: their tasks
// and timers are cancelled and their frames dropped.
func (m *Machine) abortChildren(x *Execution, f *Frame, now time.Time, out *Output) {
	s := m.stateOf(f)
	x.touch(f.ID)
	for _, id := range f.Children {
		c := x.Frames[id]
		if c == nil {
			continue
		}
		m.abortChildren(x, c, now, out)
		if c.TaskID != "" {
			out.Commands = append(out.Commands, CancelTask{TaskID: c.TaskID})
			delete(x.Tasks, c.TaskID)
		}
		m.cancelTimer(x, c.TimerID, out)
		m.cancelTimer(x, c.TimeoutTimer, out)
		m.cancelTimer(x, c.HeartbeatTimer, out)
		if s.kind == kindMap {
			if ev := m.event(x, c, now, out, "MapIterationAborted"); ev != nil {
				ev.Name, ev.Index = s.name, c.Index
			}
		}
		keepUnfinished(f, c) // redrive.go
		x.dropFrame(id)
	}
	f.Children = f.Children[:0]
	f.Running = 0
}

// join completes a Parallel or Map state once its children are done.
func (m *Machine) join(x *Execution, f *Frame, s *state, now time.Time, out *Output) {
	prefix := "ParallelState"
	if s.kind == kindMap {
		prefix = "MapState"
	}
	results := f.Results
	fail := f.ChildFail
	keepFanout(f) // redrive.go
	f.Results, f.Items, f.Children, f.ChildFail, f.Effective, f.jsEffective = nil, nil, nil, nil, nil, nil
	f.Phase = phaseEnter
	if fail != nil {
		m.handleError(x, f, s, fail, prefix+"Failed", now, out)
		return
	}
	m.event(x, f, now, out, prefix+"Succeeded")
	m.complete(x, f, s, results, now, out)
}
