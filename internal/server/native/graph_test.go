package native

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/server/native/nativetest"
)

// fanDef is a state machine with a Parallel of two branches, a Map with a
// processor, a Choice and a Catch.
const fanDef = `{"StartAt":"Route","States":{
 "Route":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"Fan"}],"Default":"Done"},
 "Fan":{"Type":"Parallel","Next":"Each","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"Branches":[
   {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
   {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]},
 "Each":{"Type":"Map","Next":"Done","ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Pass","End":true}}}},
 "Done":{"Type":"Succeed"}}}`

// nodes renders a graph answer's nodes as "id:type:parent" and its edges
// as "source>target:kind".
func nodes(t *testing.T, m map[string]any) (string, string) {
	t.Helper()
	var ns, es []string
	for _, n := range m["nodes"].([]any) {
		n := n.(map[string]any)
		ns = append(ns, fmt.Sprintf("%s:%s:%s", n["id"], n["type"], n["parent"]))
	}
	for _, e := range m["edges"].([]any) {
		e := e.(map[string]any)
		es = append(es, fmt.Sprintf("%s>%s:%s", e["source"], e["target"], e["kind"]))
	}
	return strings.Join(ns, " "), strings.Join(es, " ")
}

func TestWorkflowGraph(t *testing.T) {
	e := setup(t)
	r := e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "fan", "definition": json.RawMessage(fanDef), "publish": true})
	expect(t, r, http.StatusCreated)

	r = e.do(t, "GET", "/api/v1/workflows/fan/graph", nil)
	expect(t, r, http.StatusOK)
	ns, es := nodes(t, r.json(t))
	if want := "Route:Choice: Fan:Parallel: Fan#branch1:Branch:Fan A:Pass:Fan#branch1 Fan#branch2:Branch:Fan B:Pass:Fan#branch2 Each:Map: Item:Pass:Each Done:Succeed:"; ns != want {
		t.Errorf("nodes\n got %s\nwant %s", ns, want)
	}
	if want := "Route>Fan:choice Route>Done:default Fan>Each:next Fan>Done:catch Each>Done:next"; es != want {
		t.Errorf("edges\n got %s\nwant %s", es, want)
	}

	// ?version=N draws that version, not the current definition.
	expect(t, e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "fan", "definition": json.RawMessage(passDef)}), http.StatusOK)
	if ns, _ := nodes(t, e.do(t, "GET", "/api/v1/workflows/fan/graph", nil).json(t)); ns != "A:Pass:" {
		t.Errorf("current: %s", ns)
	}
	if ns, _ := nodes(t, e.do(t, "GET", "/api/v1/workflows/fan/graph?version=1", nil).json(t)); !strings.HasPrefix(ns, "Route:Choice:") {
		t.Errorf("version 1: %s", ns)
	}
	expectError(t, e.do(t, "GET", "/api/v1/workflows/fan/graph?version=x", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/workflows/fan/graph?version=7", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
	expectError(t, e.do(t, "GET", "/api/v1/workflows/nope/graph", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
	// GET only.
	r = e.do(t, "POST", "/api/v1/workflows/fan/graph", nil)
	expect(t, r, http.StatusMethodNotAllowed)
}

// TestWorkflowGraphPipeline: a pipeline deployed from a bundle is drawn
// from its pipeline.yaml, in its namespace.
func TestWorkflowGraphPipeline(t *testing.T) {
	e := setup(t)
	expect(t, e.do(t, "POST", "/api/v1/namespaces", map[string]any{"name": "team-a"}), http.StatusCreated)
	pl := "name: etl\nsteps:\n  - {name: extract, command: [\"true\"]}\n  - name: per-day\n    depends_on: [extract]\n    for_each: [1, 2]\n    command: [\"true\"]\n  - {name: load, type: http, url: \"https://x.example\", depends_on: [per-day]}\n"
	r := e.doCT(t, "POST", "/api/v1/bundles", gzipType, string(project("pipeline.yaml", pl)))
	expect(t, r, http.StatusCreated)
	expect(t, e.do(t, "POST", "/api/v1/workflows?namespace=team-a", map[string]any{"bundle": r.json(t)["digest"]}), http.StatusCreated)

	expectError(t, e.do(t, "GET", "/api/v1/workflows/etl/graph", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
	r = e.do(t, "GET", "/api/v1/workflows/etl/graph?namespace=team-a", nil)
	expect(t, r, http.StatusOK)
	ns, es := nodes(t, r.json(t))
	if want := "extract:shell: per-day:for_each: load:http:"; ns != want {
		t.Errorf("nodes\n got %s\nwant %s", ns, want)
	}
	if want := "extract>per-day:dependency per-day>load:dependency"; es != want {
		t.Errorf("edges\n got %s\nwant %s", es, want)
	}
}

// taskEvents appends the events of a task state that runs once and
// succeeds, or fails with errName.
func taskEvents(t *testing.T, eng *nativetest.Engine, arn, state, errName string) {
	t.Helper()
	ctx := context.Background()
	if err := eng.Enter(ctx, arn, state); err != nil {
		t.Fatal(err)
	}
	evs := []nativetest.Event{{Type: "TaskScheduled", DetailsKey: "taskScheduledEventDetails", Details: map[string]any{"resource": "x"}}}
	if errName != "" {
		evs = append(evs, nativetest.Event{Type: "TaskFailed", DetailsKey: "taskFailedEventDetails", Details: map[string]any{"error": errName, "cause": "it broke"}})
	} else {
		evs = append(evs, nativetest.Event{Type: "TaskSucceeded", DetailsKey: "taskSucceededEventDetails", Details: map[string]any{"output": "{}"}})
	}
	if err := eng.Append(ctx, arn, evs...); err != nil {
		t.Fatal(err)
	}
	if errName == "" {
		if err := eng.Exit(ctx, arn, state); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExecutionSteps(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	taskEvents(t, e.Engine, arn, "A", "")
	taskEvents(t, e.Engine, arn, "B", "States.TaskFailed")

	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/steps", nil)
	expect(t, r, http.StatusOK)
	m := r.json(t)
	steps := m["steps"].([]any)
	if len(steps) != 2 || m["lastEventId"] != 8.0 {
		t.Fatalf("steps: %s", r.body)
	}
	a, b := steps[0].(map[string]any), steps[1].(map[string]any)
	if a["id"] != "A" || a["status"] != "SUCCEEDED" || a["attempts"] != 1.0 || b["status"] != "RETRYING" || b["error"] != "States.TaskFailed" || b["cause"] != "it broke" {
		t.Fatalf("steps: %s", r.body)
	}
	// Dates are epoch seconds, as in the history.
	start, ok := a["startDate"].(float64)
	if !ok || start < float64(time.Now().Add(-time.Hour).Unix()) || a["stopDate"].(float64) < start {
		t.Errorf("dates of A: %v %v", a["startDate"], a["stopDate"])
	}
	if _, ok := b["stopDate"]; ok {
		t.Errorf("a running step has no stopDate: %v", b)
	}
	hist := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/history", nil).json(t)["events"].([]any)
	if ts := hist[1].(map[string]any)["timestamp"]; ts != start {
		t.Errorf("A's startDate %v is not its entered event's timestamp %v", start, ts)
	}

	// The run's end settles its steps.
	if err := e.Engine.Fail(context.Background(), arn, "States.TaskFailed", "it broke"); err != nil {
		t.Fatal(err)
	}
	m = e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/steps", nil).json(t)
	if b := m["steps"].([]any)[1].(map[string]any); b["status"] != "FAILED" || m["lastEventId"] != 9.0 {
		t.Fatalf("after the failure: %v", m)
	}

	expectError(t, e.do(t, "GET", "/api/v1/executions/"+esc(strings.Replace(arn, ":execution:wf:", ":execution:wf:x", 1))+"/steps", nil), http.StatusBadRequest, "ExecutionDoesNotExist")
	expectError(t, e.do(t, "GET", "/api/v1/executions/not-an-arn/steps", nil), http.StatusBadRequest, "InvalidArn")
}

// TestExecutionStepsPaged: a history longer than a page of the store is
// read through.
func TestExecutionStepsPaged(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	var evs []nativetest.Event
	for i := range 1100 {
		name := fmt.Sprintf("S%d", i%3)
		evs = append(evs, nativetest.Event{Type: "PassStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": name}},
			nativetest.Event{Type: "PassStateExited", DetailsKey: "stateExitedEventDetails", Details: map[string]any{"name": name}})
	}
	if err := e.Engine.Append(context.Background(), arn, evs...); err != nil {
		t.Fatal(err)
	}
	m := e.do(t, "GET", "/api/v1/executions/"+esc(arn)+"/steps", nil).json(t)
	if m["lastEventId"] != 2201.0 || len(m["steps"].([]any)) != 3 {
		t.Fatalf("steps of a long history: %v", m)
	}
}

func TestWorkflowGrid(t *testing.T) {
	e := setup(t)
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::baton:shell","Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:states:::baton:shell","End":true}}}`
	expect(t, e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "g", "definition": json.RawMessage(def)}), http.StatusCreated)
	ctx := context.Background()
	var arns []string
	for i := range 3 {
		arn := e.start(t, "g", map[string]any{"name": fmt.Sprintf("run-%d", i)})
		arns = append(arns, arn)
		switch i {
		case 0:
			taskEvents(t, e.Engine, arn, "A", "")
			taskEvents(t, e.Engine, arn, "B", "")
			if err := e.Engine.Succeed(ctx, arn, "{}"); err != nil {
				t.Fatal(err)
			}
		case 1:
			taskEvents(t, e.Engine, arn, "A", "E")
			if err := e.Engine.Fail(ctx, arn, "E", "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := e.do(t, "GET", "/api/v1/workflows/g/grid?limit=2", nil)
	expect(t, r, http.StatusOK)
	var g struct {
		Runs []struct {
			ExecutionArn, Name, Status string
			StartDate                  float64
		}
		Steps []string
		Cells [][]string
		Next  string
	}
	if err := json.Unmarshal(r.body, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Runs) != 2 || g.Next == "" || !reflect.DeepEqual(g.Steps, []string{"A", "B"}) || g.Runs[0].StartDate == 0 {
		t.Fatalf("grid: %s", r.body)
	}
	byName := map[string][]string{}
	for i, run := range g.Runs {
		byName[run.Name] = g.Cells[i]
	}
	r = e.do(t, "GET", "/api/v1/workflows/g/grid?limit=2&next="+g.Next, nil)
	expect(t, r, http.StatusOK)
	var g2 struct {
		Runs  []struct{ Name string }
		Cells [][]string
		Next  string
	}
	if err := json.Unmarshal(r.body, &g2); err != nil {
		t.Fatal(err)
	}
	if len(g2.Runs) != 1 || g2.Next != "" {
		t.Fatalf("second page: %s", r.body)
	}
	byName[g2.Runs[0].Name] = g2.Cells[0]
	want := map[string][]string{"run-0": {"SUCCEEDED", "SUCCEEDED"}, "run-1": {"FAILED", ""}, "run-2": {"", ""}}
	if !reflect.DeepEqual(byName, want) {
		t.Errorf("cells %v, want %v", byName, want)
	}

	// A stored definition this server cannot read: no graph, but the grid
	// still shows the steps the runs went through.
	sm, err := e.Store.GetStateMachine(ctx, strings.TrimSuffix(strings.Replace(arns[0], ":execution:", ":stateMachine:", 1), ":run-0"))
	if err != nil {
		t.Fatal(err)
	}
	good := sm.Definition
	sm.Definition = `{"StartAt": "Gone"}`
	if err := e.Store.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	expectError(t, e.do(t, "GET", "/api/v1/workflows/g/graph", nil), http.StatusBadRequest, "InvalidDefinition")
	r = e.do(t, "GET", "/api/v1/workflows/g/grid", nil)
	expect(t, r, http.StatusOK)
	if m := r.json(t); !reflect.DeepEqual(m["steps"], []any{"A", "B"}) {
		t.Errorf("grid without a graph: %s", r.body)
	}
	sm.Definition = good
	if err := e.Store.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}

	expectError(t, e.do(t, "GET", "/api/v1/workflows/g/grid?limit=101", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/workflows/g/grid?limit=0", nil), http.StatusBadRequest, "ValidationException")
	expectError(t, e.do(t, "GET", "/api/v1/workflows/g/grid?next=bogus", nil), http.StatusBadRequest, "InvalidToken")
	expectError(t, e.do(t, "GET", "/api/v1/workflows/nope/grid", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
}
