package native

import (
	"net/http"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/service"
)

// explainTriggers answers "why didn't it run?": each trigger of a
// workflow, the outcomes that meet its conditions or what they wait for,
// and its next scheduled runs.
func (h *handler) explainTriggers(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	// The workflow must exist: its name may be mistyped.
	if _, err := h.svc.DescribeStateMachine(r.Context(), &service.DescribeStateMachineInput{StateMachineArn: arn}); err != nil {
		return err
	}
	if h.triggers == nil {
		return apierr.New(apierr.ValidationException, "this server runs no triggers")
	}
	ex, err := h.triggers.Explain(r.Context(), arn, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ex)
	return nil
}
