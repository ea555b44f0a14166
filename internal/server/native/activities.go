package native

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// activityArn returns the ARN of an activity named by name (of the
// request's namespace) or ARN.
func (h *handler) activityArn(r *http.Request, ref string) (string, error) {
	return h.svc.ActivityArnIn(r.Context(), namespaceOf(r), ref)
}

// createActivityRequest is the body of POST /api/v1/activities.
type createActivityRequest struct {
	Name string        `json:"name"`
	Tags []service.Tag `json:"tags,omitempty"`
}

// createActivity creates an activity, or returns the one of that name.
func (h *handler) createActivity(w http.ResponseWriter, r *http.Request) error {
	var req createActivityRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	out, err := h.svc.CreateActivity(r.Context(), &service.CreateActivityInput{Name: req.Name, Tags: req.Tags, Namespace: namespaceOf(r)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listActivities lists activities by name: ?limit=&next=.
func (h *handler) listActivities(w http.ResponseWriter, r *http.Request) error {
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	out, err := h.svc.ListActivities(r.Context(), &service.ListActivitiesInput{MaxResults: limit, NextToken: next, Namespace: namespaceOf(r)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// describeActivity describes an activity (name or ARN).
func (h *handler) describeActivity(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	arn, err := h.activityArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.DescribeActivity(r.Context(), &service.DescribeActivityInput{ActivityArn: arn})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteActivity deletes an activity.
func (h *handler) deleteActivity(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	arn, err := h.activityArn(r, name)
	if err != nil {
		return err
	}
	if _, err := h.svc.DeleteActivity(r.Context(), &service.DeleteActivityInput{ActivityArn: arn}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pollRequest is the (optional) body of POST .../poll.
type pollRequest struct {
	WorkerName string `json:"workerName,omitempty"`
}

// activityTask is the answer of a poll that got a task.
type activityTask struct {
	TaskToken string          `json:"taskToken"`
	Input     json.RawMessage `json:"input"`
}

// pollActivity hands the worker the activity's next task, waiting up to
// 60 seconds (less with ?wait=D): 200 with the task, 204 when none came.
func (h *handler) pollActivity(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	wait, err := queryWait(r)
	if err != nil {
		return err
	}
	var req pollRequest
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	if wait <= 0 || wait > h.maxPoll {
		wait = h.maxPoll
	}
	// A long poll outlives the server's usual timeouts.
	httpx.Extend(w, wait+writeGrace)
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	arn, err := h.activityArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.GetActivityTask(ctx, &service.GetActivityTaskInput{ActivityArn: arn, WorkerName: req.WorkerName})
	if err != nil && ctx.Err() != nil && r.Context().Err() == nil {
		out, err = &service.GetActivityTaskOutput{}, nil // our own bound ran out: no task
	}
	if err != nil {
		return err
	}
	if out.TaskToken == "" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	in := jsonValue(out.Input)
	if in == nil {
		in = json.RawMessage("{}")
	}
	writeJSON(w, http.StatusOK, activityTask{TaskToken: out.TaskToken, Input: in})
	return nil
}

// taskSuccessRequest is the body of POST /api/v1/tasks/success.
type taskSuccessRequest struct {
	TaskToken string          `json:"taskToken"`
	Output    json.RawMessage `json:"output"` // any JSON value
}

// taskSuccess reports a task's result.
func (h *handler) taskSuccess(w http.ResponseWriter, r *http.Request) error {
	var req taskSuccessRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if _, err := h.svc.SendTaskSuccess(r.Context(), &service.SendTaskSuccessInput{TaskToken: req.TaskToken, Output: jsonText(req.Output)}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// taskFailure reports a task's failure.
func (h *handler) taskFailure(w http.ResponseWriter, r *http.Request) error {
	var req service.SendTaskFailureInput
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if _, err := h.svc.SendTaskFailure(r.Context(), &req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// taskHeartbeat reports that a task is still being worked on.
func (h *handler) taskHeartbeat(w http.ResponseWriter, r *http.Request) error {
	var req service.SendTaskHeartbeatInput
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if _, err := h.svc.SendTaskHeartbeat(r.Context(), &req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}
