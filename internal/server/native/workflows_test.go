package native

import (
	"net/http"
	"strings"
	"testing"
)

func TestDeployCreateUpdateUnchanged(t *testing.T) {
	e := setup(t)
	r := e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "etl", "definition": passDef})
	expect(t, r, http.StatusCreated)
	m := r.json(t)
	if m["result"] != "CREATED" || !strings.HasSuffix(m["stateMachineArn"].(string), ":stateMachine:etl") || m["revisionId"] == "" {
		t.Fatalf("create: %v", m)
	}
	if _, ok := m["stateMachineVersionArn"]; ok {
		t.Errorf("no version was asked for: %v", m)
	}

	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "etl", "definition": passDef})
	expect(t, r, http.StatusOK)
	if m2 := r.json(t); m2["result"] != "UNCHANGED" || m2["revisionId"] != m["revisionId"] {
		t.Fatalf("same definition again: %v", m2)
	}

	changed := `{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}`
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "etl", "definition": changed, "publish": true, "description": "v1"})
	expect(t, r, http.StatusOK)
	m3 := r.json(t)
	if m3["result"] != "UPDATED" || m3["revisionId"] == m["revisionId"] || !strings.HasSuffix(m3["stateMachineVersionArn"].(string), ":etl:1") {
		t.Fatalf("update with publish: %v", m3)
	}

	// Publishing an unchanged definition returns its version.
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "etl", "definition": changed, "publish": true})
	expect(t, r, http.StatusOK)
	if m4 := r.json(t); m4["result"] != "UNCHANGED" || m4["stateMachineVersionArn"] != m3["stateMachineVersionArn"] {
		t.Fatalf("unchanged publish: %v", m4)
	}

	// The type cannot change.
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "etl", "definition": changed, "type": "EXPRESS"})
	expectError(t, r, http.StatusBadRequest, "ValidationException")

	// The service's validation speaks through.
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "bad", "definition": `{"StartAt":"Nope","States":{}}`})
	expectError(t, r, http.StatusBadRequest, "InvalidDefinition")
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "no spaces allowed?", "definition": passDef})
	expectError(t, r, http.StatusBadRequest, "InvalidName")
}

func TestWorkflowGetListDeleteVersions(t *testing.T) {
	e := setup(t)
	e.deploy(t, "b")
	e.deploy(t, "a")

	r := e.do(t, "GET", "/api/v1/workflows", nil)
	expect(t, r, http.StatusOK)
	list := r.json(t)["stateMachines"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["name"] != "a" {
		t.Fatalf("list: %s", r.body)
	}
	r = e.do(t, "GET", "/api/v1/workflows?limit=1", nil)
	page := r.json(t)
	if len(page["stateMachines"].([]any)) != 1 || page["nextToken"] == "" {
		t.Fatalf("page of 1: %s", r.body)
	}
	r = e.do(t, "GET", "/api/v1/workflows?limit=1&next="+page["nextToken"].(string), nil)
	if got := r.json(t)["stateMachines"].([]any); len(got) != 1 || got[0].(map[string]any)["name"] != "b" {
		t.Fatalf("second page: %s", r.body)
	}

	r = e.do(t, "GET", "/api/v1/workflows/a", nil)
	expect(t, r, http.StatusOK)
	m := r.json(t)
	if def, ok := m["definition"].(map[string]any); !ok || def["StartAt"] != "A" || m["name"] != "a" || m["type"] != "STANDARD" {
		t.Fatalf("describe: %s", r.body)
	}

	r = e.do(t, "POST", "/api/v1/workflows/a/versions", map[string]any{"description": "first"})
	expect(t, r, http.StatusCreated)
	v := r.json(t)["stateMachineVersionArn"].(string)
	if !strings.HasSuffix(v, ":a:1") {
		t.Fatalf("version %s", v)
	}
	r = e.do(t, "GET", "/api/v1/workflows/a/versions", nil)
	expect(t, r, http.StatusOK)
	if vs := r.json(t)["stateMachineVersions"].([]any); len(vs) != 1 || vs[0].(map[string]any)["stateMachineVersionArn"] != v {
		t.Fatalf("versions: %s", r.body)
	}
	// A version is addressed as NAME:N.
	r = e.do(t, "GET", "/api/v1/workflows/a:1", nil)
	expect(t, r, http.StatusOK)

	expect(t, e.do(t, "DELETE", "/api/v1/workflows/a", nil), http.StatusNoContent)
	expectError(t, e.do(t, "GET", "/api/v1/workflows/a", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
	expectError(t, e.do(t, "POST", "/api/v1/workflows/a/versions", nil), http.StatusBadRequest, "StateMachineDoesNotExist")
}

func TestDeployYAMLText(t *testing.T) {
	e := setup(t)
	yaml := "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n"
	r := e.do(t, "POST", "/api/v1/workflows", map[string]any{"name": "y", "definition": yaml})
	expect(t, r, http.StatusCreated)
	r = e.do(t, "GET", "/api/v1/workflows/y", nil)
	if d, ok := r.json(t)["definition"].(string); !ok || d != yaml {
		t.Fatalf("a YAML definition comes back as its text: %s", r.body)
	}
}

// TestWorkflowSummaries: the list gives each workflow's namespace, kind,
// tags and (?runs=N) latest runs newest first; ?namespace=* lists every
// namespace; runs above 50 are refused; describe says namespace and kind.
func TestWorkflowSummaries(t *testing.T) {
	e := setup(t)
	e.deploy(t, "etl")
	expect(t, e.do(t, "POST", "/api/v1/namespaces", map[string]any{"name": "team-a"}), http.StatusCreated)
	expect(t, e.do(t, "POST", "/api/v1/workflows?namespace=team-a", map[string]any{"name": "loader", "definition": passDef}), http.StatusCreated)
	for _, n := range []string{"r1", "r2", "r3"} {
		expect(t, e.do(t, "POST", "/api/v1/workflows/etl/executions", map[string]any{"name": n}), http.StatusCreated)
	}
	r := e.do(t, "GET", "/api/v1/workflows?runs=2", nil)
	expect(t, r, http.StatusOK)
	list := r.json(t)["stateMachines"].([]any)
	if len(list) != 1 {
		t.Fatalf("default namespace: %s", r.body)
	}
	wf := list[0].(map[string]any)
	runs, _ := wf["recentRuns"].([]any)
	if wf["namespace"] != "default" || wf["kind"] != "asl" || wf["tags"] == nil || len(runs) != 2 || runs[0].(map[string]any)["name"] != "r3" {
		t.Fatalf("etl: %s", r.body)
	}
	r = e.do(t, "GET", "/api/v1/workflows?namespace=*", nil)
	names := map[string]string{}
	for _, x := range r.json(t)["stateMachines"].([]any) {
		m := x.(map[string]any)
		names[m["name"].(string)] = m["namespace"].(string)
		if _, has := m["recentRuns"]; has {
			t.Errorf("recentRuns without ?runs: %v", m)
		}
	}
	if len(names) != 2 || names["etl"] != "default" || names["loader"] != "team-a" {
		t.Fatalf("every namespace: %s", r.body)
	}
	expectError(t, e.do(t, "GET", "/api/v1/workflows?runs=51", nil), http.StatusBadRequest, "ValidationException")
	r = e.do(t, "GET", "/api/v1/workflows/loader?namespace=team-a", nil)
	if m := r.json(t); m["namespace"] != "team-a" || m["kind"] != "asl" {
		t.Fatalf("describe: %s", r.body)
	}
}

// TestLineageRoute: GET /api/v1/lineage lists a namespace's pipelines
// with their health ("never-run" before any run) and, with *, every
// namespace's.
func TestLineageRoute(t *testing.T) {
	e := setup(t)
	expect(t, e.do(t, "POST", "/api/v1/namespaces", map[string]any{"name": "team-a"}), http.StatusCreated)
	r := e.do(t, "GET", "/api/v1/lineage?namespace=*", nil)
	expect(t, r, http.StatusOK)
	m := r.json(t)
	if _, ok := m["pipelines"].([]any); !ok {
		t.Fatalf("lineage: %s", r.body)
	}
	if _, ok := m["edges"].([]any); !ok {
		t.Fatalf("lineage: %s", r.body)
	}
	expectError(t, e.do(t, "GET", "/api/v1/lineage?namespace=nope", nil), http.StatusBadRequest, "ResourceNotFound")
}
