package native

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/batonhq/baton/internal/pipeline"
)

// TestPipelineSchema: the schema is served as is, revalidates with its
// ETag, and the route is read-only.
func TestPipelineSchema(t *testing.T) {
	e := setup(t)
	r := e.do(t, "GET", "/api/v1/schemas/pipeline.json", nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, pipeline.Schema) || r.header.Get("Content-Type") != "application/schema+json" {
		t.Fatalf("GET schema: %d %q\n%.200s", r.status, r.header.Get("Content-Type"), r.body)
	}
	req, err := http.NewRequest("GET", e.url+"/api/v1/schemas/pipeline.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("If-None-Match", r.header.Get("ETag"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}
	expectError(t, e.do(t, "POST", "/api/v1/schemas/pipeline.json", ""), http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	expectError(t, e.do(t, "GET", "/api/v1/schemas/asl.json", nil), http.StatusNotFound, CodeNotFound)
}
