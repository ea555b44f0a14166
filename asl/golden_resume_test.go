package asl_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// Every golden definition, driven by a deterministic fake world (driver_checks_test.go) with and without
// snapshots: no leaks, same outcome.
func TestAllGoldenSnapshotAndLeaks(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			continue
		}
		if strings.Contains(file, "task_multiple_invocations_indexes") {
			continue // polls until a mock says DONE: loops forever with echo tasks
		}
		def, ok := a.Get("definition.json")
		if !ok {
			continue
		}
		in, _ := a.Get("input.json")
		if strings.TrimSpace(in) == "" {
			in = "{}"
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			runChecked(t, def, in)
		})
	}
}
