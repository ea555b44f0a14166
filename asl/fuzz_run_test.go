package asl_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/txtar"
)

// FuzzRun parses arbitrary definitions and, when they are valid, runs them
// to the end in driveChecked's fake world (tasks succeed or fail in turn,
// timers fire in time order): the interpreter must never panic, must always
// finish, and must leak no task, timer or frame.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for i, file := range files {
		// Every fifth case, and every JSONata case (fewer, and the newer
		// code paths).
		if i%5 != 0 && !strings.HasPrefix(filepath.Base(file), "jsonata") {
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
		// Every third task fails, and half the inputs go through a snapshot
		// after every step: no leak, whatever the definition.
		r := driveChecked(t, m, in, driveOptions{failEvery: 3, snap: len(input)%2 == 1, maxSteps: 10000})
		for _, l := range r.leaks {
			t.Errorf("leak: %s", l)
		}
	})
}
