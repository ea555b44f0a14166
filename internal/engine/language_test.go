package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/tasks"
	"github.com/batonhq/baton/workflow"
)

// toy is a workflow language that is not ASL, to show that the engine runs
// any language through package workflow alone. A definition is a list of
// steps separated by spaces: a task resource, or "wait:N" (N seconds). Each
// task gets the output of the one before.
type toy struct{ restores atomic.Int32 }

func (*toy) Name() string { return "toy" }

func (l *toy) Compile(def []byte, _ workflow.CompileOptions) (workflow.Program, error) {
	steps := strings.Fields(string(def))
	if len(steps) == 0 {
		return nil, errors.New("toy: no steps")
	}
	return &toyProgram{l: l, steps: steps}, nil
}

type toyProgram struct {
	l     *toy
	steps []string
}

// toyState is the whole state of a toy execution; its JSON is the snapshot.
type toyState struct {
	Step   int    `json:"step"`
	Status string `json:"status"`
	Last   int64  `json:"last"` // id of the last history event
	Task   string `json:"task,omitempty"`
	Timer  string `json:"timer,omitempty"`
	Value  any    `json:"value"`
	Error  string `json:"error,omitempty"`
}

type toyInstance struct {
	p *toyProgram
	s toyState
}

func (p *toyProgram) Start(info workflow.Info, now time.Time, out *workflow.Output) workflow.Instance {
	x := &toyInstance{p: p, s: toyState{Status: workflow.StatusRunning, Value: info.Input}}
	x.event(now, out, "ExecutionStarted")
	x.run(now, out)
	return x
}

func (p *toyProgram) Restore(snap []byte) (workflow.Instance, error) {
	p.l.restores.Add(1)
	x := &toyInstance{p: p}
	return x, json.Unmarshal(snap, &x.s)
}

func (x *toyInstance) event(now time.Time, out *workflow.Output, typ string) {
	x.s.Last++
	out.History = append(out.History, workflow.HistoryEvent{ID: x.s.Last, PreviousEventID: x.s.Last - 1, Timestamp: now, Type: typ})
}

// run enters the current step, or ends the execution after the last one.
func (x *toyInstance) run(now time.Time, out *workflow.Output) {
	if x.s.Step == len(x.p.steps) {
		x.s.Status = workflow.StatusSucceeded
		x.event(now, out, "ExecutionSucceeded")
		return
	}
	x.event(now, out, "StepStateEntered") // a transition, by its suffix
	id := strconv.Itoa(x.s.Step)
	if secs, ok := strings.CutPrefix(x.p.steps[x.s.Step], "wait:"); ok {
		n, _ := strconv.Atoi(secs)
		x.s.Timer = "timer-" + id
		out.Commands = append(out.Commands, workflow.ArmTimer{TimerID: x.s.Timer, At: now.Add(time.Duration(n) * time.Second), Purpose: "wait"})
		return
	}
	x.s.Task = "task-" + id
	out.Commands = append(out.Commands, workflow.RunTask{TaskID: x.s.Task, Resource: x.p.steps[x.s.Step], Input: x.s.Value, StateName: id})
}

func (x *toyInstance) Apply(ev workflow.Event, now time.Time, out *workflow.Output) {
	if x.s.Status != workflow.StatusRunning {
		return
	}
	switch ev := ev.(type) {
	case workflow.TaskSucceeded:
		if ev.TaskID != x.s.Task {
			return
		}
		x.s.Task, x.s.Value = "", ev.Output
	case workflow.TaskFailed:
		if ev.TaskID != x.s.Task {
			return
		}
		x.s.Task, x.s.Status, x.s.Error = "", workflow.StatusFailed, ev.Error
		x.event(now, out, "ExecutionFailed")
		return
	case workflow.TimerFired:
		if ev.TimerID != x.s.Timer {
			return
		}
		x.s.Timer = ""
	case workflow.Stop:
		x.s.Status, x.s.Error = workflow.StatusAborted, ev.Error
		if x.s.Task != "" {
			out.Commands = append(out.Commands, workflow.CancelTask{TaskID: x.s.Task})
		}
		x.event(now, out, "ExecutionAborted")
		return
	default:
		return
	}
	x.s.Step++
	x.run(now, out)
}

func (x *toyInstance) Continue(time.Time, *workflow.Output) {}
func (x *toyInstance) Interrupted() bool                    { return false }
func (x *toyInstance) Redrive(time.Time, *workflow.Output) error {
	return fmt.Errorf("toy: %w", workflow.ErrNotRedrivable)
}
func (x *toyInstance) Status() string { return x.s.Status }
func (x *toyInstance) Result() workflow.Result {
	return workflow.Result{Output: x.s.Value, Error: x.s.Error}
}
func (x *toyInstance) Tasks(fn func(taskID, token string)) {
	if x.s.Task != "" {
		fn(x.s.Task, "")
	}
}
func (x *toyInstance) HasTask(id string) bool { return id != "" && id == x.s.Task }
func (x *toyInstance) Timers(fn func(timerID string)) {
	if x.s.Timer != "" {
		fn(x.s.Timer)
	}
}
func (x *toyInstance) Snapshot() ([]byte, error) { return json.Marshal(x.s) }

// The engine runs a language it knows only through package workflow: a
// task on an executor, its result, a timer while the execution is out of
// memory (restored from its snapshot when the timer fires), another task,
// and the outcome stored.
func TestEngineRunsAnyLanguage(t *testing.T) {
	lang := &toy{}
	w := newTunedWorld(t, func(c *engine.Config) {
		c.Languages = map[string]workflow.Language{"toy": lang}
		c.Classify = nil // every resource on an executor
	})
	w.execs["zz:inc"] = tasks.ExecutorFunc(func(ctx context.Context, r tasks.Request) (any, error) {
		var n int64
		switch v := r.Input.(map[string]any)["n"].(type) {
		case int64:
			n = v
		case float64: // a value restored from the toy's snapshot (encoding/json)
			n = int64(v)
		}
		return map[string]any{"n": n + 1}, nil
	})
	req := w.req("toy", "zz:inc wait:5 zz:inc", `{"n":1}`)
	req.Language = "toy"
	ex := w.start(req.Name, req.Definition, req.Input) // the default language: the only one
	if ex.Language != "toy" {
		t.Fatalf("language %q", ex.Language)
	}
	ex2, err := w.eng.Start(context.Background(), func() engine.StartRequest { r := w.req("toy2", "zz:inc", `{"n":5}`); r.Language = "toy"; return r }())
	if err != nil {
		t.Fatal(err)
	}

	// The first task ran; the execution waits for its timer, out of memory.
	eventually(t, "the timer", func() bool {
		h := w.history(ex.Arn)
		return len(h) == 3 && h[2] == "StepStateEntered"
	})
	row := w.wait(ex2.Arn, "SUCCEEDED")
	if row.Output != `{"n":6}` || row.Language != "toy" {
		t.Fatalf("second execution: %+v", row)
	}
	before := lang.restores.Load()
	w.clk.Advance(5 * time.Second)
	row = w.wait(ex.Arn, "SUCCEEDED")
	if row.Output != `{"n":3}` {
		t.Fatalf("output %s", row.Output)
	}
	if lang.restores.Load() == before {
		t.Fatal("the execution was never restored from its snapshot: it stayed in memory while it waited")
	}
	h := strings.Join(w.history(ex.Arn), ",")
	if h != "ExecutionStarted,StepStateEntered,StepStateEntered,StepStateEntered,ExecutionSucceeded" || row.EventCount != 5 {
		t.Fatalf("history %s, event count %d", h, row.EventCount)
	}

	// An unknown language is refused at start, with what is wrong.
	bad := w.req("bad", "zz:inc", `{}`)
	bad.Language = "cobol"
	_, err = w.eng.Start(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), `no workflow language "cobol"`) {
		t.Fatalf("unknown language: %v", err)
	}
}
