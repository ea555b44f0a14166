package asl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/runner"
	"github.com/batonhq/baton/internal/tasks"
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
			src, _ := a.Get("definition.json")
			in, _ := a.Get("input.json")
			mocks, _ := a.Get("mocks.json")
			def, err := asl.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			m, err := asl.Compile(def, asl.Options{})
			if err != nil {
				t.Fatal(err)
			}
			input, err := asl.ParseJSON([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			mc, err := tasks.ParseMockConfig([]byte(mocks))
			if err != nil {
				t.Fatal(err)
			}
			r, err := tasks.NewResolver(tasks.Options{Mocks: mc, StateMachineName: "golden", TestCase: "Test"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := runner.Run(context.Background(), m, asl.ExecutionInfo{
				ID: "arn:aws:states:us-east-1:123456789012:execution:golden:exec-1", Name: "exec-1",
				RoleArn: "arn:aws:iam::123456789012:role/golden", Region: "us-east-1", Input: input, StartTime: goldenStart,
			}, runner.Options{Resolver: r, SkipWaits: true, Now: func() time.Time { return goldenStart }, KeepHistory: true})
			if err != nil {
				t.Fatal(err)
			}
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
