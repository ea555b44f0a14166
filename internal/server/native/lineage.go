package native

import (
	"net/http"

	"github.com/batonhq/baton/internal/auth"
)

// lineage answers GET /api/v1/lineage?namespace=NS|*: the pipelines of the
// namespace (or of every namespace the caller may see), the datasets they
// read and write, their upstream triggers and their health.
func (h *handler) lineage(w http.ResponseWriter, r *http.Request) error {
	ns := namespaceOf(r)
	var visible func(string) bool
	if ns == auth.AllNamespaces {
		ctx := r.Context()
		visible = func(n string) bool { return auth.Visible(ctx, n) }
	}
	g, err := h.svc.Lineage(r.Context(), ns, visible)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}
