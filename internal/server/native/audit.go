package native

import (
	"net/http"
	"time"

	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

// listAudit answers GET /api/v1/audit?namespace=NS&since=&until=&principal=&limit=&next=:
// the audit log's entries of NS, newest first. The rule asks for admin
// in NS; "*" (every namespace's entries, and those that name none, such
// as refused requests without a credential) needs admin on every
// namespace.
func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ns := namespaceOf(r)
	switch ns {
	case "":
		ns = service.DefaultNamespace
	case auth.AllNamespaces:
		if err := auth.RequireEvery(r.Context(), auth.Admin); err != nil {
			return err
		}
		ns = ""
	}
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Namespace: ns, Principal: q.Get("principal")}
	now := time.Now()
	if f.Since, err = queryTime(q.Get("since"), "since", now); err != nil {
		return err
	}
	if f.Until, err = queryTime(q.Get("until"), "until", now); err != nil {
		return err
	}
	entries, next, err := h.svc.ListAudit(r.Context(), f, limit, next)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries, "nextToken": next})
	return nil
}

// queryTime reads a time query parameter (service.ParseTimeOrAgo).
func queryTime(v, name string, now time.Time) (time.Time, error) {
	t, err := service.ParseTimeOrAgo(v, now)
	if err != nil {
		return time.Time{}, badRequest("query parameter %s=%v", name, err)
	}
	return t, nil
}

// namespaceSettings is the body of PUT /api/v1/namespaces/{name}.
type namespaceSettings struct {
	// ExecutionRetention: "30d", "36h", "0" (keep forever) or "default".
	ExecutionRetention *string `json:"executionRetention"`
}

// putNamespace answers PUT /api/v1/namespaces/{name}
// {"executionRetention":"30d"}: the namespace with its settings.
func (h *handler) putNamespace(w http.ResponseWriter, r *http.Request) error {
	var req namespaceSettings
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.ExecutionRetention == nil {
		return badRequest(`give the settings to change: {"executionRetention": "30d"} ("0" keeps closed executions forever, "default" follows the server's --execution-retention)`)
	}
	out, err := h.svc.SetNamespaceRetention(r.Context(), r.PathValue("name"), *req.ExecutionRetention)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
