package native

import (
	"context"
	"encoding/json"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/events"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/service"
)

// workflowArn returns the state machine ARN a workflow reference names: an
// ARN as it is, else NAME, NAME:VERSION or NAME:ALIAS in the request's
// namespace (?namespace=, default "default").
func (h *handler) workflowArn(r *http.Request, ref string) (string, error) {
	return h.svc.StateMachineArnIn(r.Context(), namespaceOf(r), ref)
}

// namespaceOf is the namespace a request names (?namespace=), "" for none.
func namespaceOf(r *http.Request) string { return r.URL.Query().Get("namespace") }

// deployRequest is the body of POST /api/v1/workflows.
type deployRequest struct {
	Name string `json:"name"`
	// Definition is the state machine as a JSON object, or its text (JSON
	// or YAML) as a JSON string.
	Definition json.RawMessage `json:"definition"`
	Type       string          `json:"type,omitempty"`
	RoleArn    string          `json:"roleArn,omitempty"`
	// Description describes the version published with Publish.
	Description string `json:"description,omitempty"`
	Publish     bool   `json:"publish,omitempty"`
	// Bundle deploys the pipeline project of a bundle uploaded before
	// (POST /api/v1/bundles), by its digest, instead of a definition: the
	// name and type come from its pipeline.yaml, and every deploy that
	// changes it publishes a version.
	Bundle string `json:"bundle,omitempty"`
}

// deployResponse is the answer of POST /api/v1/workflows.
type deployResponse struct {
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	Result                 string `json:"result"` // CREATED, UPDATED or UNCHANGED
}

// deployWorkflow creates a state machine or updates the one of that name.
func (h *handler) deployWorkflow(w http.ResponseWriter, r *http.Request) error {
	var req deployRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.Bundle != "" {
		return h.deployProject(w, r, &req)
	}
	def, err := definitionText(req.Definition)
	if err != nil {
		return err
	}
	if req.Name == "" || def == "" {
		return badRequest("a workflow needs a name and a definition")
	}
	if strings.HasPrefix(req.Name, "arn:") {
		return badRequest("name is the workflow's name, not an ARN")
	}
	ctx := r.Context()
	arn, err := h.workflowArn(r, req.Name)
	if err != nil {
		return err
	}
	out := deployResponse{StateMachineArn: arn, Name: req.Name}
	cur, err := h.svc.DescribeStateMachine(ctx, &service.DescribeStateMachineInput{StateMachineArn: arn})
	if e, ok := apierr.As(err); ok && e.Code == apierr.StateMachineDoesNotExist {
		created, err := h.svc.CreateStateMachine(ctx, &service.CreateStateMachineInput{
			Name: req.Name, Definition: def, Type: req.Type, RoleArn: req.RoleArn,
			Publish: req.Publish, VersionDescription: req.Description, Namespace: namespaceOf(r),
		})
		if err != nil {
			return err
		}
		out.StateMachineArn, out.StateMachineVersionArn, out.Result = created.StateMachineArn, created.StateMachineVersionArn, service.DeployCreated
		if d, err := h.svc.DescribeStateMachine(ctx, &service.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn}); err == nil {
			out.RevisionID = d.RevisionID
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
	if err != nil {
		return err
	}
	if req.Type != "" && !strings.EqualFold(req.Type, cur.Type) {
		return apierr.New(apierr.ValidationException,
			"workflow %q is of type %s: its type cannot change; delete it first (DELETE %s/workflows/%s) or deploy under another name",
			req.Name, cur.Type, Prefix, req.Name)
	}
	if cur.Definition == def && (req.RoleArn == "" || req.RoleArn == cur.RoleArn) {
		out.RevisionID, out.Result = cur.RevisionID, service.DeployUnchanged
		if req.Publish {
			v, err := h.svc.PublishStateMachineVersion(ctx, &service.PublishStateMachineVersionInput{
				StateMachineArn: arn, RevisionID: cur.RevisionID, Description: req.Description,
			})
			if err != nil {
				return err
			}
			out.StateMachineVersionArn = v.StateMachineVersionArn
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	upd, err := h.svc.UpdateStateMachine(ctx, &service.UpdateStateMachineInput{
		StateMachineArn: arn, Definition: def, RoleArn: req.RoleArn,
		Publish: req.Publish, VersionDescription: req.Description,
	})
	if err != nil {
		return err
	}
	out.RevisionID, out.StateMachineVersionArn, out.Result = upd.RevisionID, upd.StateMachineVersionArn, service.DeployUpdated
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deployProject deploys the pipeline project of a stored bundle.
func (h *handler) deployProject(w http.ResponseWriter, r *http.Request, req *deployRequest) error {
	if req.Name != "" || len(req.Definition) > 0 || req.Type != "" || req.RoleArn != "" || req.Publish {
		return badRequest("a deploy of a bundle takes its name and type from the project's pipeline.yaml and always publishes a version: send only bundle (and description)")
	}
	out, err := h.svc.DeployPipeline(r.Context(), &service.DeployPipelineInput{Bundle: req.Bundle, Description: req.Description, Namespace: namespaceOf(r)})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out.Result == service.DeployCreated {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

// listWorkflows lists workflows by name with their namespace, kind, tags,
// triggers and (?runs=N) latest runs: ?limit=&next=&runs=; ?namespace=*
// lists every namespace the caller may see.
func (h *handler) listWorkflows(w http.ResponseWriter, r *http.Request) error {
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	in := &service.WorkflowSummariesInput{MaxResults: limit, NextToken: next, Namespace: namespaceOf(r)}
	if v := r.URL.Query().Get("runs"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > service.MaxSummaryRuns {
			return badRequest("runs=%q: give how many latest runs each workflow shows, 0 to %d", v, service.MaxSummaryRuns)
		}
		in.Runs = n
	}
	if in.Namespace == auth.AllNamespaces {
		ctx := r.Context()
		in.Visible = func(ns string) bool { return auth.Visible(ctx, ns) }
	}
	out, err := h.svc.WorkflowSummaries(r.Context(), in)
	if err != nil {
		return err
	}
	if ts, ok := h.triggers.(TriggerSummarizer); ok {
		sums, err := ts.Summaries(r.Context(), time.Now())
		if err != nil {
			return err
		}
		for _, wf := range out.StateMachines {
			if s, ok := sums[wf.StateMachineArn]; ok {
				wf.TriggerKinds = append(wf.TriggerKinds, s.Kinds...)
				if s.NextRun != nil {
					t := service.NewTime(*s.NextRun)
					wf.NextRun = &t
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// TriggerSummarizer summarizes every workflow's triggers at once (the
// server's triggers consumer), for lists.
type TriggerSummarizer interface {
	Summaries(ctx context.Context, now time.Time) (map[string]events.TriggerSummary, error)
}

// workflowView is DescribeStateMachine's answer with the definition as a
// JSON value when it is JSON.
type workflowView struct {
	*service.DescribeStateMachineOutput
	Definition json.RawMessage `json:"definition"`
	Namespace  string          `json:"namespace"`
	Kind       string          `json:"kind"` // "pipeline" or "asl"
}

// getWorkflow describes a workflow (NAME, NAME:VERSION, NAME:ALIAS or an
// ARN).
func (h *handler) getWorkflow(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.DescribeStateMachine(r.Context(), &service.DescribeStateMachineInput{StateMachineArn: arn})
	if err != nil {
		return err
	}
	ns, kind, err := h.svc.WorkflowKind(r.Context(), out.StateMachineArn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workflowView{out, jsonValue(out.Definition), ns, kind})
	return nil
}

// deleteWorkflow deletes a workflow with its versions and aliases.
func (h *handler) deleteWorkflow(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	if _, err := h.svc.DeleteStateMachine(r.Context(), &service.DeleteStateMachineInput{StateMachineArn: arn}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listVersions lists a workflow's versions, newest first.
func (h *handler) listVersions(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.ListStateMachineVersions(r.Context(), &service.ListStateMachineVersionsInput{
		StateMachineArn: arn, MaxResults: limit, NextToken: next,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// publishRequest is the (optional) body of POST .../versions.
type publishRequest struct {
	RevisionID  string `json:"revisionId,omitempty"`
	Description string `json:"description,omitempty"`
}

// publishVersion publishes the workflow's current revision.
func (h *handler) publishVersion(w http.ResponseWriter, r *http.Request) error {
	name, err := pathName(r, "name")
	if err != nil {
		return err
	}
	var req publishRequest
	if err := h.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	arn, err := h.workflowArn(r, name)
	if err != nil {
		return err
	}
	out, err := h.svc.PublishStateMachineVersion(r.Context(), &service.PublishStateMachineVersionInput{
		StateMachineArn: arn, RevisionID: req.RevisionID, Description: req.Description,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}
