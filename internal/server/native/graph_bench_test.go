package native

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
)

// BenchmarkWorkflowGrid answers the grid of 50 runs of a 100-step pipeline
// (each step entered, scheduled, started, succeeded and exited: 501 events
// a run) on SQLite, through the handler. A run of it:
//
//	go test -run XXX -bench WorkflowGrid -benchtime 20x ./internal/server/native/
func BenchmarkWorkflowGrid(b *testing.B) {
	const runs, steps = 50, 100
	env := nativetest.New(b)
	h := newHandler(env.Service, env.Watcher, nil, Options{})
	ctx := context.Background()

	var pl strings.Builder
	pl.WriteString("name: big\nsteps:\n")
	for i := range steps {
		fmt.Fprintf(&pl, "  - name: s%d\n    command: [\"true\"]\n", i)
		if i > 0 {
			fmt.Fprintf(&pl, "    depends_on: [s%d]\n", i-1)
		}
	}
	digest, err := env.Service.PutBundle(ctx, strings.NewReader(string(project("pipeline.yaml", pl.String()))))
	if err != nil {
		b.Fatal(err)
	}
	dep, err := env.Service.DeployPipeline(ctx, &service.DeployPipelineInput{Bundle: digest.Digest})
	if err != nil {
		b.Fatal(err)
	}
	for r := range runs {
		out, err := env.Service.StartExecution(ctx, &service.StartExecutionInput{StateMachineArn: dep.StateMachineArn, Name: fmt.Sprintf("run-%d", r)})
		if err != nil {
			b.Fatal(err)
		}
		var evs []nativetest.Event
		for i := range steps {
			name := fmt.Sprintf("s%d", i)
			evs = append(evs,
				nativetest.Event{Type: "TaskStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": name, "input": `{"some":"input"}`}},
				nativetest.Event{Type: "TaskScheduled", DetailsKey: "taskScheduledEventDetails", Details: map[string]any{"resource": "step:shell", "parameters": `{"command":["true"]}`}},
				nativetest.Event{Type: "TaskStarted", DetailsKey: "taskStartedEventDetails", Details: map[string]any{"resource": "step:shell"}},
				nativetest.Event{Type: "TaskSucceeded", DetailsKey: "taskSucceededEventDetails", Details: map[string]any{"output": `{"rows":42}`}},
				nativetest.Event{Type: "TaskStateExited", DetailsKey: "stateExitedEventDetails", Details: map[string]any{"name": name, "output": `{"rows":42}`}})
		}
		if err := env.Engine.Append(ctx, out.ExecutionArn, evs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/workflows/big/grid?limit=50", nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"SUCCEEDED"`) {
			b.Fatalf("grid: %d %s", w.Code, w.Body.String()[:min(300, w.Body.Len())])
		}
	}
}
