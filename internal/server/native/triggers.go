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
	arn, err := h.triggeredWorkflow(r)
	if err != nil {
		return err
	}
	ex, err := h.triggers.Explain(r.Context(), arn, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ex)
	return nil
}

// triggeredWorkflow returns the ARN of the workflow a triggers route names,
// which must exist (its name may be mistyped).
func (h *handler) triggeredWorkflow(r *http.Request) (string, error) {
	name, err := pathName(r, "name")
	if err != nil {
		return "", err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return "", err
	}
	if _, err := h.svc.DescribeStateMachine(r.Context(), &service.DescribeStateMachineInput{StateMachineArn: arn}); err != nil {
		return "", err
	}
	if h.triggers == nil {
		return "", apierr.New(apierr.ValidationException, "this server runs no triggers")
	}
	return arn, nil
}

// pauseSchedules pauses a workflow's schedules: their slots are skipped.
func (h *handler) pauseSchedules(w http.ResponseWriter, r *http.Request) error {
	return h.setPaused(w, r, true)
}

// resumeSchedules resumes them (the slots skipped meanwhile do not run).
func (h *handler) resumeSchedules(w http.ResponseWriter, r *http.Request) error {
	return h.setPaused(w, r, false)
}

func (h *handler) setPaused(w http.ResponseWriter, r *http.Request, paused bool) error {
	arn, err := h.triggeredWorkflow(r)
	if err != nil {
		return err
	}
	if err := h.triggers.SetPaused(r.Context(), arn, paused); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"stateMachineArn": arn, "paused": paused})
	return nil
}
