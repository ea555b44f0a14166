package native

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// executionView is DescribeExecution's answer with the input and output as
// JSON values.
type executionView struct {
	*service.DescribeExecutionOutput
	ID     int64           `json:"id,omitempty"` // the store's id, not the ARN
	Input  json.RawMessage `json:"input,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
}

func viewOf(d *service.DescribeExecutionOutput) executionView {
	return executionView{d, d.ID, jsonValue(d.Input), jsonValue(d.Output)}
}

// startRequest is the (optional) body of POST .../executions.
type startRequest struct {
	Name        string          `json:"name,omitempty"`
	Input       json.RawMessage `json:"input,omitempty"` // any JSON value; default {}
	TraceHeader string          `json:"traceHeader,omitempty"`
	// LogicalDate is a pipeline run's $run.logical_date: an RFC 3339 time
	// or a day (2026-11-21, midnight UTC); default its start.
	LogicalDate string `json:"logicalDate,omitempty"`
	// DataIntervalStart begins the data interval of a run given a
	// logicalDate (a schedule's previous slot); default: none, the
	// interval is the logical date alone.
	DataIntervalStart string `json:"dataIntervalStart,omitempty"`
	// Backfill marks a run of a schedule's slot started by hand (baton
	// backfill): $run.scheduled_time is its logical date and $run.trigger
	// says {"type": "backfill"}. It needs logicalDate.
	Backfill bool `json:"backfill,omitempty"`
}

// parseLogicalDate reads a logical date: an RFC 3339 time or a day.
func parseLogicalDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest("logicalDate %q: want an RFC 3339 time (2026-11-21T03:00:00Z) or a day (2026-11-21)", s)
}

// startExecution starts an execution of a workflow (NAME, NAME:VERSION,
// NAME:ALIAS or an ARN). With ?wait=D it waits up to D for the end and
// answers with the execution as DescribeExecution shows it: 200 when it
// ended, 202 when it still runs.
func (h *handler) startExecution(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	wait, err := queryWait(r)
	if err != nil {
		return err
	}
	var req startRequest
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	logical, err := parseLogicalDate(req.LogicalDate)
	if err != nil {
		return err
	}
	intervalStart, err := parseLogicalDate(req.DataIntervalStart)
	if err != nil {
		return err
	}
	if (req.Backfill || !intervalStart.IsZero()) && logical.IsZero() {
		return badRequest("backfill and dataIntervalStart need a logicalDate")
	}
	if !intervalStart.IsZero() && intervalStart.After(logical) {
		return badRequest("dataIntervalStart %s is after logicalDate %s: the interval ends at the logical date", req.DataIntervalStart, req.LogicalDate)
	}
	var trigger any
	if req.Backfill {
		trigger = map[string]any{"type": "backfill", "scheduled_time": logical.UTC().Format(time.RFC3339)}
	}
	ctx := r.Context()
	smArn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.StartExecution(ctx, &service.StartExecutionInput{
		StateMachineArn: smArn, Name: req.Name, Input: jsonText(req.Input), TraceHeader: req.TraceHeader,
		LogicalDate: logical, DataIntervalStart: intervalStart, Trigger: trigger,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/executions/"+url.PathEscape(out.ExecutionArn))
	if wait == 0 {
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
	return h.answerWait(w, r, out.ExecutionArn, wait)
}

// answerWait waits up to d for an execution's end and writes it: 200 when
// it ended, 202 when it still runs.
func (h *handler) answerWait(w http.ResponseWriter, r *http.Request, arn string, d time.Duration) error {
	httpx.Extend(w, d+writeGrace)
	ex, done, err := h.waitEnd(r.Context(), arn, d)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !done {
		status = http.StatusAccepted
	}
	writeJSON(w, status, viewOf(ex))
	return nil
}

// describeExecution describes an execution; ?wait=D waits up to D for its
// end first (200 when it ended, 202 when it still runs).
func (h *handler) describeExecution(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	wait, err := queryWait(r)
	if err != nil {
		return err
	}
	if wait > 0 {
		return h.answerWait(w, r, arn, wait)
	}
	out, err := h.svc.DescribeExecution(r.Context(), &service.DescribeExecutionInput{ExecutionArn: arn})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOf(out))
	return nil
}

// listExecutions lists executions, newest first:
// ?workflow=&status=&limit=&next=. Without workflow it lists the
// executions of every workflow.
func (h *handler) listExecutions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	in := &service.ListExecutionsInput{StatusFilter: q.Get("status"), MaxResults: limit, NextToken: next}
	var out *service.ListExecutionsOutput
	if wf := q.Get("workflow"); wf != "" {
		if in.StateMachineArn, err = h.workflowArn(r, wf); err != nil {
			return err
		}
		out, err = h.svc.ListExecutions(r.Context(), in)
	} else {
		out, err = h.listAllExecutions(r.Context(), namespaceOf(r), in)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// history returns one page of an execution's events:
// ?reverse=&limit=&next=&data=.
func (h *handler) history(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	reverse, err := queryBool(r, "reverse", false)
	if err != nil {
		return err
	}
	data, err := queryBool(r, "data", true)
	if err != nil {
		return err
	}
	out, err := h.svc.GetExecutionHistory(r.Context(), &service.GetExecutionHistoryInput{
		ExecutionArn: arn, MaxResults: limit, ReverseOrder: reverse, NextToken: next,
		IncludeExecutionData: &data,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// stopRequest is the (optional) body of POST .../stop.
type stopRequest struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// stopExecution aborts a running execution.
func (h *handler) stopExecution(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	var req stopRequest
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	out, err := h.svc.StopExecution(r.Context(), &service.StopExecutionInput{ExecutionArn: arn, Error: req.Error, Cause: req.Cause})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// redriveRequest is the (optional) body of POST .../redrive.
type redriveRequest struct {
	ClientToken string `json:"clientToken,omitempty"`
}

// redriveExecution resumes a failed, timed-out or aborted execution.
func (h *handler) redriveExecution(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	var req redriveRequest
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	out, err := h.svc.RedriveExecution(r.Context(), &service.RedriveExecutionInput{ExecutionArn: arn, ClientToken: req.ClientToken})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// retryRequest is the body of POST .../retry.
type retryRequest struct {
	From string `json:"from"`
}

// retryExecution runs a step of an ended pipeline run and its downstream
// again, in the same execution.
func (h *handler) retryExecution(w http.ResponseWriter, r *http.Request) error {
	arn, err := pathName(r, "arn")
	if err != nil {
		return err
	}
	var req retryRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	out, err := h.svc.RetryExecution(r.Context(), &service.RetryExecutionInput{ExecutionArn: arn, From: req.From})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
