package pipeline

import (
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton/workflow"
)

// fuzzPipeline uses every feature that keeps state between events.
const fuzzPipeline = `
name: p
timeout: 2h
params:
  n: {type: integer, default: 2}
defaults:
  retry: {retries: 1, interval: 1s}
steps:
  - {name: a, command: [x], timeout: 1m}
  - {name: w, type: wait_for, path: "file:///x/*", poll_interval: 1m, timeout: 5m}
  - name: each
    depends_on: [a]
    for_each: "{% [1..$input.n] %}"
    max_concurrency: 1
    command: [x, "{% $item %}"]
  - {name: join, depends_on: [each, w], trigger_rule: one_success, command: [x]}
  - {name: after, depends_on: [join], trigger_rule: all_done, when: "{% $steps.join.status = 'succeeded' %}", command: [x]}
handlers:
  on_failure: [{name: undo, command: [x]}]
  on_exit: [{name: bye, command: [x], timeout: 1m}]
`

// FuzzEvents drives a run with arbitrary sequences of events (results of
// open tasks, late and duplicate results, timers, stops, redrives, retries
// from a step): it must never panic, never leave the commands and the run's
// view of its tasks and timers apart, and behave the same when restored
// from its snapshot after any transition (the harness checks all three).
func FuzzEvents(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 6, 1, 1, 0, 3, 0, 6, 9, 4, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 2, 0, 2, 0, 5, 2, 0, 0, 0, 1, 7, 0})
	f.Add([]byte{3, 3, 6, 200, 4, 4, 0, 0, 0, 0, 5, 3})
	p := compileTest(f, fuzzPipeline, Options{Rand: func() float64 { return 0.5 }}, nil)
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 400 {
			ops = ops[:400]
		}
		h := &harness{t: t, prog: p, now: t0}
		h.start(nil)
		var done []string // task ids that ended, for late results
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i]%8, int(ops[i+1])
			open := h.openIDs()
			switch op {
			case 0, 1:
				if len(open) == 0 {
					continue
				}
				id := open[arg%len(open)]
				rt := h.tasks[id]
				done = append(done, id)
				if op == 1 {
					h.do(workflow.TaskFailed{TaskID: id, Error: "E"})
				} else if rt.StateName == "w" {
					h.do(workflow.TaskSucceeded{TaskID: id, Output: map[string]any{"found": arg%2 == 0}})
				} else {
					h.do(workflow.TaskSucceeded{TaskID: id, Output: int64(arg)})
				}
			case 2:
				h.tick(time.Duration(arg) * 10 * time.Second)
			case 3:
				h.stop()
			case 4:
				_ = h.redrive()
			case 5:
				steps := []string{"a", "w", "each", "join", "after", "nope"}
				_ = h.retryFrom(steps[arg%len(steps)])
			case 6:
				if len(done) > 0 {
					h.do(workflow.TaskSucceeded{TaskID: done[arg%len(done)]})
				}
			case 7:
				h.do(workflow.TimerFired{TimerID: "timer-" + string(rune('0'+arg%10))})
			}
		}
		if h.status() == workflow.StatusRunning {
			h.stop()
			h.stop()
			if h.status() != workflow.StatusAborted {
				t.Fatalf("two stops left the run %s", h.status())
			}
			if len(h.tasks) != 0 || len(h.timers) != 0 {
				t.Fatalf("an aborted run left %d tasks and %d timers", len(h.tasks), len(h.timers))
			}
		}
	})
}

// openIDs lists the open tasks in the order they were asked.
func (h *harness) openIDs() []string {
	var out []string
	for _, id := range h.order {
		if _, ok := h.tasks[id]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
