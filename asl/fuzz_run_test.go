package asl_test

import (
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/txtar"
)

// FuzzRun parses arbitrary definitions and, when they are valid, runs them
// to the end with tasks that succeed or fail in turn and timers fired in
// time order: the interpreter must never panic, and must always finish.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for i, file := range files {
		if i%5 != 0 {
			continue
		}
		a, err := txtar.ParseFile(file)
		if err != nil {
			continue
		}
		def, _ := a.Get("definition.json")
		in, _ := a.Get("input.json")
		f.Add([]byte(def), []byte(in))
	}
	f.Fuzz(func(t *testing.T, def, input []byte) {
		d, err := asl.Parse(def)
		if err != nil {
			return
		}
		m, err := asl.Compile(d, asl.Options{MaxHistoryEvents: 2000, Rand: func() float64 { return 0.5 }})
		if err != nil {
			t.Fatalf("a valid definition does not compile: %v", err)
		}
		var in any = map[string]any{}
		if v, err := asl.ParseJSON(input); err == nil {
			in = v
		}
		drive(t, m, in)
	})
}

// drive runs an execution with a deterministic fake world.
func drive(t *testing.T, m *asl.Machine, input any) *asl.Execution {
	var out asl.Output
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	x := m.Start(asl.ExecutionInfo{ID: "e", Name: "e", Input: input}, now, &out)
	tasks := map[string]asl.RunTask{}
	timers := map[string]asl.ArmTimer{}
	take := func() {
		for _, c := range out.Commands {
			switch c := c.(type) {
			case asl.RunTask:
				tasks[c.TaskID] = c
			case asl.CancelTask:
				delete(tasks, c.TaskID)
			case asl.ArmTimer:
				timers[c.TimerID] = c
			case asl.CancelTimer:
				delete(timers, c.TimerID)
			}
		}
		out.Reset()
	}
	take()
	for n := 0; !x.Done(); n++ {
		if n > 10000 {
			t.Fatal("the execution does not end")
		}
		if len(tasks) > 0 {
			ids := make([]string, 0, len(tasks))
			for id := range tasks {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			task := tasks[ids[0]]
			delete(tasks, task.TaskID)
			if n%3 == 2 {
				m.Apply(x, asl.TaskFailed{TaskID: task.TaskID, Error: "Fuzz.Error", Cause: "fuzz"}, now, &out)
			} else {
				m.Apply(x, asl.TaskSucceeded{TaskID: task.TaskID, Output: task.Input}, now, &out)
			}
			take()
			continue
		}
		if len(timers) == 0 {
			t.Fatalf("execution %s waits for nothing", x.Status)
		}
		var next asl.ArmTimer
		first := true
		for _, tm := range timers {
			if first || tm.At.Before(next.At) || (tm.At.Equal(next.At) && tm.TimerID < next.TimerID) {
				next, first = tm, false
			}
		}
		delete(timers, next.TimerID)
		if next.At.After(now) {
			now = next.At
		}
		m.Apply(x, asl.TimerFired{TimerID: next.TimerID}, now, &out)
		take()
	}
	return x
}
