package native

import (
	"net/http"
)

// listNamespaces answers GET /api/v1/namespaces: every namespace, default
// first.
func (h *handler) listNamespaces(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.ListNamespaces(r.Context())
	if err != nil {
		return err
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
