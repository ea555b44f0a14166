package native

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/server/native/nativetest"
	"github.com/batonhq/baton/internal/service"
)

// project encodes a bundle of the files given as name, text pairs.
func project(files ...string) []byte {
	b := &bundle.Bundle{}
	for i := 0; i+1 < len(files); i += 2 {
		b.Files = append(b.Files, bundle.File{Name: files[i], Mode: 0o644, Data: []byte(files[i+1])})
	}
	return b.Bytes()
}

const okPipeline = "name: orders\nsteps:\n  - name: load\n    type: sql\n    connection: db\n    file: sql/load.sql\n"

// TestPutBundle: a bundle is refused with what is wrong (not gzip, no
// pipeline.yaml, an invalid pipeline with its positions, a step's file
// missing, too large, not declared as gzip), and stored once by digest:
// 201 the first time, 200 after; GET answers it back as stored.
func TestPutBundle(t *testing.T) {
	env := nativetest.New(t, service.Config{Bundles: bundle.Limits{MaxBytes: 64 << 10}})
	e := &tenv{Env: env}
	e.h = newHandler(env.Service, env.Watcher, nil, Options{})
	e.url = nativetest.Serve(t, e.h)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("not a tar"))
	zw.Close()
	for _, tt := range []struct {
		name, ct string
		body     []byte
		status   int
		code     string
		msg      string
	}{
		{"not gzip", gzipType, []byte("hello"), 400, "ValidationException", "gzip"},
		{"gzip of no tar", gzipType, gz.Bytes(), 400, "ValidationException", "bundle"},
		{"no pipeline.yaml", gzipType, project("README.md", "hi"), 400, "InvalidDefinition", "no pipeline.yaml"},
		{"invalid pipeline", gzipType, project("pipeline.yaml", "name: x\nsteps:\n  - name: a\n    depends_on: [zz]\n    command: [true]\n"), 400, "InvalidDefinition", "pipeline.yaml:4:"},
		{"missing sql file", gzipType, project("pipeline.yaml", okPipeline), 400, "InvalidDefinition", "sql/load.sql"},
		{"too large", gzipType, project("pipeline.yaml", okPipeline, "sql/load.sql", strings.Repeat("x", 200<<10)), 413, "ValidationException", "--max-bundle-bytes"},
		{"json", "application/json", project("pipeline.yaml", okPipeline), 415, CodeUnsupportedMediaType, "application/gzip"},
		{"form", "application/x-www-form-urlencoded", project("pipeline.yaml", okPipeline), 415, CodeUnsupportedMediaType, "application/gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.doCT(t, "POST", "/api/v1/bundles", tt.ct, string(tt.body))
			expectError(t, r, tt.status, tt.code)
			if !strings.Contains(string(r.body), tt.msg) {
				t.Errorf("message %s, want it to say %q", r.body, tt.msg)
			}
		})
	}

	good := project("pipeline.yaml", okPipeline, "sql/load.sql", "insert into t values (1);")
	r := e.doCT(t, "POST", "/api/v1/bundles", gzipType, string(good))
	expect(t, r, http.StatusCreated)
	m := r.json(t)
	digest, _ := m["digest"].(string)
	if !strings.HasPrefix(digest, "sha256:") || m["files"] != float64(2) || m["pipeline"] != "orders" || m["created"] != true {
		t.Fatalf("upload: %s", r.body)
	}
	expect(t, e.doCT(t, "POST", "/api/v1/bundles", gzipType, string(good)), http.StatusOK)
	got := e.do(t, "GET", "/api/v1/bundles/"+digest, nil)
	expect(t, got, http.StatusOK)
	b, err := bundle.Decode(bytes.NewReader(got.body), bundle.Limits{})
	if err != nil || b.Digest() != digest {
		t.Fatalf("GET answered a bundle of digest %v (%v), want %s", b, err, digest)
	}
	expectError(t, e.do(t, "GET", "/api/v1/bundles/sha256:"+strings.Repeat("0", 64), nil), 400, "ResourceNotFound")
	expectError(t, e.do(t, "GET", "/api/v1/bundles/nope", nil), 400, "ValidationException")
}

// TestDeployBundle: deploying an uploaded bundle creates the workflow of
// its pipeline.yaml with version 1 keeping the bundle; the same bundle
// again changes nothing; other files make version 2; the workflow is
// described with its pipeline.yaml text; a deploy of a bundle takes no
// name or definition; a name held by a state machine is not taken over.
func TestDeployBundle(t *testing.T) {
	e := setup(t)
	upload := func(files ...string) string {
		t.Helper()
		r := e.doCT(t, "POST", "/api/v1/bundles", gzipType, string(project(files...)))
		if r.status/100 != 2 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		return r.json(t)["digest"].(string)
	}
	one := upload("pipeline.yaml", okPipeline, "sql/load.sql", "select 1;")
	r := e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": one})
	expect(t, r, http.StatusCreated)
	m := r.json(t)
	if m["result"] != "CREATED" || !strings.HasSuffix(m["stateMachineVersionArn"].(string), ":orders:1") {
		t.Fatalf("deploy: %s", r.body)
	}
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": one})
	expect(t, r, http.StatusOK)
	if m := r.json(t); m["result"] != "UNCHANGED" || !strings.HasSuffix(m["stateMachineVersionArn"].(string), ":orders:1") {
		t.Fatalf("deploy again: %s", r.body)
	}
	two := upload("pipeline.yaml", okPipeline, "sql/load.sql", "select 2;")
	r = e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": two, "description": "select 2"})
	expect(t, r, http.StatusOK)
	if m := r.json(t); m["result"] != "UPDATED" || !strings.HasSuffix(m["stateMachineVersionArn"].(string), ":orders:2") {
		t.Fatalf("deploy of other files: %s", r.body)
	}
	sm, err := e.Store.GetStateMachine(context.Background(), m["stateMachineArn"].(string))
	if err != nil || sm.Bundle != two || sm.Language != "pipeline" || sm.Definition != okPipeline {
		t.Fatalf("stored workflow: %+v, %v", sm, err)
	}
	d := e.do(t, "GET", "/api/v1/workflows/orders", nil)
	expect(t, d, http.StatusOK)
	if def := d.json(t)["definition"]; def != okPipeline {
		t.Fatalf("definition %v, want the pipeline.yaml text", def)
	}

	expectError(t, e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": one, "name": "other"}), 400, "ValidationException")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": "sha256:" + strings.Repeat("1", 64)}), 400, "ResourceNotFound")
	e.deploy(t, "taken")
	taken := upload("pipeline.yaml", "name: taken\nsteps:\n  - name: a\n    command: [\"true\"]\n")
	expectError(t, e.do(t, "POST", "/api/v1/workflows", map[string]any{"bundle": taken}), 400, "StateMachineAlreadyExists")
}

// TestExecutionID: describe shows the execution's internal id (the
// store's, not its ARN); the Step Functions answer does not.
func TestExecutionID(t *testing.T) {
	e := setup(t)
	e.deploy(t, "wf")
	arn := e.start(t, "wf", nil)
	r := e.do(t, "GET", "/api/v1/executions/"+esc(arn), nil)
	expect(t, r, http.StatusOK)
	if id, _ := r.json(t)["id"].(float64); id <= 0 {
		t.Fatalf("describe: %s, want an id", r.body)
	}
	out, err := e.Service.DescribeExecution(context.Background(), &service.DescribeExecutionInput{ExecutionArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(out); strings.Contains(string(b), `"id"`) || strings.Contains(string(b), `"ID"`) {
		t.Fatalf("the Step Functions answer shows the internal id: %s", b)
	}
}
