package native

import (
	"github.com/batonhq/baton/internal/auth"
	"net/http"
)

// listNamespaces answers GET /api/v1/namespaces: every namespace the
// caller may see, default first.
func (h *handler) listNamespaces(w http.ResponseWriter, r *http.Request) error {
	all, err := h.svc.ListNamespaces(r.Context())
	if err != nil {
		return err
	}
	out := all[:0]
	for _, n := range all {
		if auth.Visible(r.Context(), n.Name) {
			out = append(out, n)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespaces": out})
	return nil
}

// createNamespace answers POST /api/v1/namespaces {"name": ...}: 201 with
// the namespace and its account id.
func (h *handler) createNamespace(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	out, err := h.svc.CreateNamespace(r.Context(), req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}
