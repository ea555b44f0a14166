package native

import (
	"net/http"
	"strconv"

	"github.com/batonhq/baton/internal/service"
)

// The routes the web UI draws with: a workflow's graph, the steps of a
// run, and the grid of a workflow's runs by step (docs/api.md).

// workflowGraph draws a workflow (NAME, NAME:VERSION, NAME:ALIAS or an
// ARN); ?version=N draws version N.
func (h *handler) workflowGraph(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return badRequest("query parameter version=%q: want a version number (1, 2, ...; GET %s/workflows/%s/versions lists them)", v, Prefix, name)
		}
		name += ":" + strconv.FormatInt(n, 10)
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.WorkflowGraph(r.Context(), arn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// executionSteps answers the status of each step of an execution.
func (h *handler) executionSteps(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	out, err := h.svc.ExecutionSteps(r.Context(), arn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// workflowGrid answers a page of a workflow's runs by step:
// ?limit= (1 to 100, default 25) and ?next=.
func (h *handler) workflowGrid(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if r.URL.Query().Has("limit") && (limit < 1 || limit > service.MaxGridRuns) {
		return badRequest("query parameter limit=%d: a grid shows 1 to %d runs a page (default %d); page with ?next=", limit, service.MaxGridRuns, service.DefaultGridRuns)
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.WorkflowGrid(r.Context(), &service.WorkflowGridInput{
		StateMachineArn: arn, MaxResults: limit, NextToken: r.URL.Query().Get("next"),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
