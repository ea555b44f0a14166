package native

import (
	"net/http"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/service"
)

// Grants between namespaces (docs/api.md, Grants): ?namespace= is the
// granting (upstream) namespace, whose admin decides.

// listGrants answers GET /api/v1/grants?namespace=NS: the grants from or
// to NS ("*": every grant between visible namespaces).
func (h *handler) listGrants(w http.ResponseWriter, r *http.Request) error {
	ns := namespaceOf(r)
	if ns == "" {
		ns = service.DefaultNamespace
	}
	all, err := h.svc.ListGrants(r.Context(), ns)
	if err != nil {
		return err
	}
	out := all[:0]
	for _, g := range all {
		if auth.Visible(r.Context(), g.From) || auth.Visible(r.Context(), g.To) {
			out = append(out, g)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": out})
	return nil
}

// grantRequest is the body of POST /api/v1/grants.
type grantRequest struct {
	To       string `json:"to"`
	Workflow string `json:"workflow"`
}

// createGrant answers POST /api/v1/grants?namespace=FROM {"to","workflow"}.
func (h *handler) createGrant(w http.ResponseWriter, r *http.Request) error {
	var req grantRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.To == "" || req.Workflow == "" {
		return badRequest(`a grant needs "to" (the namespace that may trigger) and "workflow" (a workflow's name of this namespace, or "*")`)
	}
	from := namespaceOf(r)
	if from == "" {
		from = service.DefaultNamespace
	}
	g, err := h.svc.CreateGrant(r.Context(), from, req.To, req.Workflow, auth.FromContext(r.Context()).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

// deleteGrant answers DELETE /api/v1/grants?namespace=FROM&to=TO&workflow=W.
func (h *handler) deleteGrant(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from := namespaceOf(r)
	if from == "" {
		from = service.DefaultNamespace
	}
	if q.Get("to") == "" || q.Get("workflow") == "" {
		return badRequest("name the grant to revoke: ?to=NAMESPACE&workflow=NAME (or *)")
	}
	if err := h.svc.DeleteGrant(r.Context(), from, q.Get("to"), q.Get("workflow")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
