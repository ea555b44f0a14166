package native

import (
	"net/http"
	"strings"

	"github.com/batonhq/baton/internal/notify"
)

// workflowNotifications answers a workflow's notification settings.
func (h *handler) workflowNotifications(w http.ResponseWriter, r *http.Request) error {
	arn, err := h.namedWorkflow(r)
	if err != nil {
		return err
	}
	out, err := h.svc.GetNotificationSettings(r.Context(), arn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// setWorkflowNotifications sets the notification settings of a workflow
// that is not a pipeline (the body: {"type": ..., "targets": [...]}).
func (h *handler) setWorkflowNotifications(w http.ResponseWriter, r *http.Request) error {
	arn, err := h.namedWorkflow(r)
	if err != nil {
		return err
	}
	var set notify.Settings
	if err := h.decodeBody(w, r, &set, false); err != nil {
		return err
	}
	out, err := h.svc.SetNotificationSettings(r.Context(), arn, &set)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteWorkflowNotifications removes them: its runs are no longer told.
func (h *handler) deleteWorkflowNotifications(w http.ResponseWriter, r *http.Request) error {
	arn, err := h.namedWorkflow(r)
	if err != nil {
		return err
	}
	out, err := h.svc.SetNotificationSettings(r.Context(), arn, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *handler) namedWorkflow(r *http.Request) (string, error) {
	name, err := pathName(r, "name")
	if err != nil {
		return "", err
	}
	return h.workflowArn(r, name)
}

// failedNotifications lists the notifications of the namespace's workflows
// that could not be delivered.
func (h *handler) failedNotifications(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.FailedNotifications(r.Context(), namespaceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// retryNotifications queues failed notifications again: {"ids": [...]},
// or every one of the namespace with no ids.
func (h *handler) retryNotifications(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	if len(req.IDs) > 1000 {
		return badRequest("%d ids; give at most 1000 at once, or none for all", len(req.IDs))
	}
	n, err := h.svc.RetryNotifications(r.Context(), namespaceOf(r), req.IDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"retried": n})
	return nil
}

// testNotification sends a test message to a target (the body) and says,
// per address, whether it was delivered.
func (h *handler) testNotification(w http.ResponseWriter, r *http.Request) error {
	var t notify.Target
	if err := h.decodeBody(w, r, &t, false); err != nil {
		return err
	}
	res, err := h.svc.TestNotification(r.Context(), &t)
	if err != nil {
		return err
	}
	type result struct {
		Address   string `json:"address"`
		Delivered bool   `json:"delivered"`
		Error     string `json:"error,omitempty"`
	}
	out := struct {
		Results []result `json:"results"`
	}{Results: []result{}}
	for _, a := range t.Addresses {
		key := a
		if t.Channel == notify.Email {
			key = strings.Join(t.Addresses, ",")
		}
		e, ok := res[key]
		out.Results = append(out.Results, result{Address: a, Delivered: ok && e == "", Error: e})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// notificationStatus answers the delivery's health: what is queued, what
// fails and since when, how many were given up.
func (h *handler) notificationStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := h.svc.NotificationStatus(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
