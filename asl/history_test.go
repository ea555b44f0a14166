package asl_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/txtar"
)

// TestHistoryJSON compares the rendered history of each testdata/history case
// with its golden .json file (rewrite with -update-golden, then review).
func TestHistoryJSON(t *testing.T) {
	files, _ := filepath.Glob("testdata/history/*.txtar")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res := runArchive(t, a)
			got, err := json.MarshalIndent(res.History, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".txtar") + ".json"
			if *updateGolden {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
				t.Errorf("history differs from %s:\n%s", golden, got)
			}
		})
	}
}
