package pipeline

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/workflow"
)

// t0 is the start of every run of these tests (a fake clock: time moves only
// with the harness's tick).
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// harness drives a pipeline run with scripted events on a fake clock. After
// every transition it checks that the run restored from its snapshot
// behaves the same: it applies each event to the instance and to a copy
// restored from the snapshot taken just before, compares what both
// produced and their snapshots, and carries on with the restored copy.
type harness struct {
	t       testing.TB
	prog    workflow.Program
	inst    workflow.Instance
	now     time.Time
	tasks   map[string]workflow.RunTask // open tasks
	order   []string                    // open task ids, in the order asked
	timers  map[string]workflow.ArmTimer
	history []workflow.HistoryEvent
	runs    []workflow.RunTask // every RunTask, in order
	cmds    []string           // every command, in short: "run a#1 attempt 0", "arm retry +10s"...
	noTwin  bool               // skip the snapshot check (benchmarks)
}

func compileTest(t testing.TB, src string, opts Options, files map[string]string) workflow.Program {
	t.Helper()
	lang := NewLanguage(opts)
	var fs func(string) ([]byte, error)
	if files != nil {
		fs = func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, fmt.Errorf("open %s: file does not exist", name)
		}
	}
	p, err := lang.Compile([]byte(src), workflow.CompileOptions{Files: fs})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func newHarness(t testing.TB, src string, opts Options, input any) *harness {
	t.Helper()
	h := &harness{t: t, prog: compileTest(t, src, opts, nil), now: t0}
	h.start(input)
	return h
}

func (h *harness) start(input any) {
	h.tasks, h.timers = map[string]workflow.RunTask{}, map[string]workflow.ArmTimer{}
	var out workflow.Output
	h.inst = h.prog.Start(workflow.Info{ID: "arn:run:1", Name: "run-1", WorkflowName: "p", Input: input, StartTime: h.now}, h.now, &out)
	h.collect(&out)
	h.twinCheck(nil)
}

// do applies an event, with the snapshot check.
func (h *harness) do(ev workflow.Event) {
	h.t.Helper()
	switch e := ev.(type) {
	case workflow.TaskSucceeded:
		delete(h.tasks, e.TaskID)
	case workflow.TaskFailed:
		delete(h.tasks, e.TaskID)
	case workflow.TimerFired:
		delete(h.timers, e.TimerID)
	}
	h.twinCheck(func(inst workflow.Instance, out *workflow.Output) { inst.Apply(ev, h.now, out) })
}

// twinCheck runs step on the instance and on a copy restored from its
// snapshot, and continues with the copy. step nil checks the round trip
// only.
func (h *harness) twinCheck(step func(workflow.Instance, *workflow.Output)) {
	h.t.Helper()
	if h.noTwin {
		if step != nil {
			var out workflow.Output
			step(h.inst, &out)
			h.collect(&out)
		}
		return
	}
	snap, err := h.inst.Snapshot()
	if err != nil {
		h.t.Fatalf("snapshot: %v", err)
	}
	twin, err := h.prog.Restore(snap)
	if err != nil {
		h.t.Fatalf("restore: %v", err)
	}
	if snap2, _ := twin.Snapshot(); string(snap2) != string(snap) {
		h.t.Fatalf("restore changed the snapshot:\n%s\n%s", snap, snap2)
	}
	if step == nil {
		return
	}
	var a, b workflow.Output
	step(h.inst, &a)
	step(twin, &b)
	if x, y := render(&a), render(&b); x != y {
		h.t.Fatalf("the restored run diverged:\noriginal: %s\nrestored: %s", x, y)
	}
	s1, _ := h.inst.Snapshot()
	s2, _ := twin.Snapshot()
	if string(s1) != string(s2) {
		h.t.Fatalf("the restored run's state diverged:\n%s\n%s", s1, s2)
	}
	h.inst = twin
	h.collect(&b)
}

func render(o *workflow.Output) string {
	var b strings.Builder
	for _, c := range o.Commands {
		j, _ := json.Marshal(c)
		fmt.Fprintf(&b, "%T%s\n", c, j)
	}
	for _, e := range o.History {
		j, _ := json.Marshal(e)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func (h *harness) collect(out *workflow.Output) {
	for _, c := range out.Commands {
		switch c := c.(type) {
		case workflow.RunTask:
			h.tasks[c.TaskID] = c
			h.order = append(h.order, c.TaskID)
			h.runs = append(h.runs, c)
			h.cmds = append(h.cmds, fmt.Sprintf("run %s attempt %d", taskName(c), c.Attempt))
		case workflow.CancelTask:
			rt, ok := h.tasks[c.TaskID]
			if !ok {
				h.t.Fatalf("CancelTask of a task not open: %s", c.TaskID)
			}
			delete(h.tasks, c.TaskID)
			h.cmds = append(h.cmds, "cancel "+taskName(rt))
		case workflow.ArmTimer:
			h.timers[c.TimerID] = c
			h.cmds = append(h.cmds, fmt.Sprintf("arm %s +%v", c.Purpose, c.At.Sub(h.now)))
		case workflow.CancelTimer:
			tm, ok := h.timers[c.TimerID]
			if !ok {
				h.t.Fatalf("CancelTimer of a timer not armed: %s", c.TimerID)
			}
			delete(h.timers, c.TimerID)
			h.cmds = append(h.cmds, "unarm "+tm.Purpose)
		}
	}
	h.history = append(h.history, out.History...)
	// the instance's view agrees with the commands
	n := 0
	h.inst.Tasks(func(id, _ string) {
		n++
		if _, ok := h.tasks[id]; !ok {
			h.t.Fatalf("the run has task %s, never asked for", id)
		}
	})
	if n != len(h.tasks) {
		h.t.Fatalf("the run has %d tasks, the commands left %d open", n, len(h.tasks))
	}
	n = 0
	h.inst.Timers(func(string) { n++ })
	if n != len(h.timers) {
		h.t.Fatalf("the run has %d timers, the commands left %d armed", n, len(h.timers))
	}
}

// taskName is a task's step, with "#k" for a for_each item.
func taskName(rt workflow.RunTask) string {
	if m, ok := rt.Input.(map[string]any); ok && m["index"] != nil {
		return fmt.Sprintf("%s#%v", rt.StateName, m["index"])
	}
	return rt.StateName
}

// task finds the open task of a step ("name", or "name#k" for a for_each
// item), the first asked when there are several.
func (h *harness) task(name string) (workflow.RunTask, bool) {
	h.t.Helper()
	step, idx, hasIdx := strings.Cut(name, "#")
	for _, id := range h.order {
		rt, ok := h.tasks[id]
		if !ok || rt.StateName != step {
			continue
		}
		if hasIdx {
			m, _ := rt.Input.(map[string]any)
			if fmt.Sprint(m["index"]) != idx {
				continue
			}
		}
		return rt, true
	}
	return workflow.RunTask{}, false
}

func (h *harness) mustTask(name string) workflow.RunTask {
	h.t.Helper()
	rt, ok := h.task(name)
	if !ok {
		h.t.Fatalf("no open task for %s; open: %v", name, h.openNames())
	}
	return rt
}

func (h *harness) openNames() []string {
	var out []string
	for _, id := range h.order {
		if rt, ok := h.tasks[id]; ok {
			out = append(out, rt.StateName)
		}
	}
	return out
}

func (h *harness) ok(name string, output any) {
	h.t.Helper()
	h.do(workflow.TaskSucceeded{TaskID: h.mustTask(name).TaskID, Output: output})
}

func (h *harness) fail(name, errName string) {
	h.t.Helper()
	h.do(workflow.TaskFailed{TaskID: h.mustTask(name).TaskID, Error: errName, Cause: "it broke"})
}

// tick moves the clock by d, firing the timers that come due, in order.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for {
		var next *workflow.ArmTimer
		for _, tm := range h.timers {
			if !tm.At.After(end) && (next == nil || tm.At.Before(next.At) || tm.At.Equal(next.At) && tm.TimerID < next.TimerID) {
				tm := tm
				next = &tm
			}
		}
		if next == nil {
			break
		}
		if next.At.After(h.now) {
			h.now = next.At
		}
		h.do(workflow.TimerFired{TimerID: next.TimerID})
	}
	h.now = end
}

func (h *harness) stop() { h.do(workflow.Stop{Error: "User", Cause: "stopped by test"}) }

func (h *harness) redrive() error {
	var err error
	h.twinCheck(func(inst workflow.Instance, out *workflow.Output) { err = inst.Redrive(h.now, out) })
	return err
}

func (h *harness) retryFrom(step string) error {
	var err error
	h.twinCheck(func(inst workflow.Instance, out *workflow.Output) {
		err = inst.(workflow.StepRetrier).RetryFrom(step, h.now, out)
	})
	return err
}

func (h *harness) status() string { return h.inst.Status() }

func (h *harness) wantStatus(want string) {
	h.t.Helper()
	if got := h.status(); got != want {
		r := h.inst.Result()
		h.t.Fatalf("status %s (%s: %s), want %s\nhistory: %s", got, r.Error, r.Cause, want, h.types())
	}
}

// types lists the history's event types, with the step name when set.
func (h *harness) types() string {
	var b []string
	for _, e := range h.history {
		s := e.Type
		if e.Name != "" {
			s += "(" + e.Name
			if strings.HasPrefix(e.Type, "MapIteration") {
				s += "#" + strconv.Itoa(e.Index)
			}
			if e.Type == "StepSkipped" {
				s += ":" + e.Error
			}
			s += ")"
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

// ran lists the steps asked to run, in order.
func (h *harness) ran() []string {
	var out []string
	for _, rt := range h.runs {
		out = append(out, rt.StateName)
	}
	return out
}

// skipped returns the reason a step was skipped, "" if it was not.
func (h *harness) skipped(name string) string {
	for _, e := range slices.Backward(h.history) {
		if e.Name == name && e.Type == "StepSkipped" {
			return e.Error
		}
	}
	return ""
}

// script runs one line of a scripted case:
//
//	ok STEP [json]      the step's open task succeeds (STEP#k: item k)
//	fail STEP ERROR     it fails with ERROR
//	tick DURATION       the clock moves, firing due timers
//	stop | redrive | retry STEP
func (h *harness) script(line string) {
	h.t.Helper()
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return
	}
	switch f[0] {
	case "ok":
		var v any
		if len(f) > 2 {
			var err error
			if v, err = workflow.ParseJSON([]byte(strings.Join(f[2:], " "))); err != nil {
				h.t.Fatalf("%s: %v", line, err)
			}
		}
		h.ok(f[1], v)
	case "fail":
		h.fail(f[1], f[2])
	case "tick":
		d, err := time.ParseDuration(f[1])
		if err != nil {
			h.t.Fatalf("%s: %v", line, err)
		}
		h.tick(d)
	case "stop":
		h.stop()
	case "redrive":
		if err := h.redrive(); err != nil {
			h.t.Fatalf("%s: %v", line, err)
		}
	case "retry":
		if err := h.retryFrom(f[1]); err != nil {
			h.t.Fatalf("%s: %v", line, err)
		}
	default:
		h.t.Fatalf("unknown script line %q", line)
	}
}
