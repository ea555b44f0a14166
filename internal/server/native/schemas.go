package native

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/batonhq/baton/internal/pipeline"
)

// schemaETag identifies this binary's pipeline schema, so that editors
// revalidate cheaply and pick up a new schema after an upgrade.
var schemaETag = func() string {
	sum := sha256.Sum256(pipeline.Schema)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// pipelineSchema serves the JSON Schema of pipeline.yaml, the one this
// server validates deploys against, for editors' yaml-language-server
// modelines (docs/pipeline.md). Read-only, so behind the guard like every
// route.
func (h *handler) pipelineSchema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("ETag", schemaETag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if r.Header.Get("If-None-Match") == schemaETag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	_, _ = w.Write(pipeline.Schema)
	return nil
}
