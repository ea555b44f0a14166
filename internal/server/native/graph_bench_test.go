package native

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// BenchmarkWorkflowGrid answers grid pages of 50 runs of a 100-step
// pipeline that has 10,000 runs, on SQLite, through the handler. The
// newest 50 ran every step (entered, scheduled, started, succeeded,
// exited: 501 events a run); the older ones hold their first 20 steps.
// "first" is the newest page, "deep" the page 150 pages down (runs 7,500
// to 7,549). A run of it:
//
//	go test -run XXX -bench WorkflowGrid -benchtime 20x ./internal/server/native/
func BenchmarkWorkflowGrid(b *testing.B) {
	const runs, full, steps = 10000, 50, 100
	env := nativetest.New(b)
	h := auth.Open(newHandler(env.Service, env.Watcher, nil, Options{})) // as a server without authentication
	ctx := context.Background()

	var pl strings.Builder
	pl.WriteString("name: big\nsteps:\n")
	for i := range steps {
		fmt.Fprintf(&pl, "  - name: s%d\n    command: [\"true\"]\n", i)
		if i > 0 {
			fmt.Fprintf(&pl, "    depends_on: [s%d]\n", i-1)
		}
	}
	put, err := env.Service.PutBundle(ctx, strings.NewReader(string(project("pipeline.yaml", pl.String()))))
	if err != nil {
		b.Fatal(err)
	}
	dep, err := env.Service.DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: put.Digest})
	if err != nil {
		b.Fatal(err)
	}
	smArn := dep.StateMachineArn
	execArn := strings.Replace(smArn, ":stateMachine:", ":execution:", 1)
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var batch []*store.Transition
	for r := range runs {
		n := steps
		if r < runs-full {
			n = 20
		}
		t := start.Add(time.Duration(r) * time.Second)
		x := &store.Execution{Arn: fmt.Sprintf("%s:run-%05d", execArn, r), StateMachineArn: smArn, Name: fmt.Sprintf("run-%05d", r),
			Type: store.TypeStandard, Status: service.StatusSucceeded, Input: "{}", StartDate: t, StopDate: t.Add(time.Minute),
			Language: "pipeline", Definition: pl.String()}
		evs := []store.Event{{ID: 1, Type: "ExecutionStarted", Timestamp: t, Body: []byte(`{"type":"ExecutionStarted"}`)}}
		add := func(typ, body string) {
			id := int64(len(evs) + 1)
			evs = append(evs, store.Event{ID: id, Type: typ, Timestamp: t, Previous: id - 1, Body: []byte(body)})
		}
		for i := range n {
			add("TaskStateEntered", fmt.Sprintf(`{"type":"TaskStateEntered","stateEnteredEventDetails":{"name":"s%d","input":"{\"some\":\"input\"}"}}`, i))
			add("TaskScheduled", `{"type":"TaskScheduled","taskScheduledEventDetails":{"resource":"step:shell","parameters":"{\"command\":[\"true\"]}"}}`)
			add("TaskStarted", `{"type":"TaskStarted","taskStartedEventDetails":{"resource":"step:shell"}}`)
			add("TaskSucceeded", `{"type":"TaskSucceeded","taskSucceededEventDetails":{"output":"{\"rows\":42}"}}`)
			add("TaskStateExited", fmt.Sprintf(`{"type":"TaskStateExited","stateExitedEventDetails":{"name":"s%d","output":"{\"rows\":42}"}}`, i))
		}
		x.EventCount = int64(len(evs))
		batch = append(batch, &store.Transition{Execution: x, New: true, Events: evs})
		if len(batch) == 500 || r == runs-1 {
			if err := env.Store.Commit(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	grid := func(next string) (string, int) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/workflows/big/grid?limit=50&next="+url.QueryEscape(next), nil))
		var out struct {
			Runs []struct{ Name string }
			Next string
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || len(out.Runs) != 50 {
			b.Fatalf("grid: %d %s", w.Code, w.Body.String()[:min(300, w.Body.Len())])
		}
		return out.Next, strings.Count(w.Body.String(), `"SUCCEEDED"`)
	}
	deep := ""
	for range 150 {
		deep, _ = grid(deep)
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			if _, n := grid(""); n != 50+50*steps {
				b.Fatalf("%d SUCCEEDED", n)
			}
		}
	})
	b.Run("deep", func(b *testing.B) {
		for b.Loop() {
			grid(deep)
		}
	})
}
