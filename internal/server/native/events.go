package native

// Rules and custom events in the native API: thin over the service's
// EventBridge operations, in the native API's own JSON (camelCase), with
// targets named as workflows of the namespace.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
)

// ruleTarget is a rule's target in the native API.
type ruleTarget struct {
	ID string `json:"id"`
	// Workflow is a workflow's name (in the namespace) or ARN; answers
	// give the ARN.
	Workflow         string            `json:"workflow"`
	Input            string            `json:"input,omitempty"`
	InputPath        string            `json:"inputPath,omitempty"`
	InputPathsMap    map[string]string `json:"inputPathsMap,omitempty"`
	InputTemplate    string            `json:"inputTemplate,omitempty"`
	MaxRetryAttempts *int              `json:"maxRetryAttempts,omitempty"`
	MaxEventAge      *int              `json:"maxEventAgeSeconds,omitempty"`
}

// ruleView is a rule in the native API.
type ruleView struct {
	Name               string       `json:"name"`
	Arn                string       `json:"arn"`
	Bus                string       `json:"bus"`
	EventPattern       string       `json:"eventPattern,omitempty"`
	ScheduleExpression string       `json:"scheduleExpression,omitempty"`
	State              string       `json:"state"`
	Description        string       `json:"description,omitempty"`
	Targets            []ruleTarget `json:"targets"`
}

func viewRule(d *service.RuleDescription) ruleView {
	v := ruleView{Name: d.Name, Arn: d.Arn, Bus: d.EventBusName, EventPattern: d.EventPattern, ScheduleExpression: d.ScheduleExpression,
		State: d.State, Description: d.Description, Targets: []ruleTarget{}}
	for _, t := range d.Targets {
		rt := ruleTarget{ID: t.Id, Workflow: t.Arn, Input: t.Input, InputPath: t.InputPath}
		if it := t.InputTransformer; it != nil {
			rt.InputPathsMap, rt.InputTemplate = it.InputPathsMap, it.InputTemplate
		}
		if rp := t.RetryPolicy; rp != nil {
			rt.MaxRetryAttempts, rt.MaxEventAge = rp.MaximumRetryAttempts, rp.MaximumEventAgeInSeconds
		}
		v.Targets = append(v.Targets, rt)
	}
	return v
}

// listRules answers GET /api/v1/rules?bus=&prefix=&limit=&next=.
func (h *handler) listRules(w http.ResponseWriter, r *http.Request) error {
	limit, next, err := queryPage(r)
	if err != nil {
		return err
	}
	in := &service.ListRulesInput{EventBusName: r.URL.Query().Get("bus"), NamePrefix: r.URL.Query().Get("prefix"),
		NextToken: next, Namespace: namespaceOf(r)}
	if limit > 0 {
		in.Limit = &limit
	}
	out, err := h.svc.ListRules(r.Context(), in)
	if err != nil {
		return err
	}
	rules := make([]ruleView, 0, len(out.Rules))
	for i := range out.Rules {
		rules = append(rules, viewRule(&out.Rules[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules, "next": out.NextToken})
	return nil
}

// getRule answers GET /api/v1/rules/{name}?bus=: the rule with its targets.
func (h *handler) getRule(w http.ResponseWriter, r *http.Request) error {
	d, err := h.svc.DescribeRule(r.Context(), &service.RuleInput{Name: r.PathValue("name"), EventBusName: r.URL.Query().Get("bus"), Namespace: namespaceOf(r)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRule(d))
	return nil
}

// putRuleRequest is the body of POST /api/v1/rules.
type putRuleRequest struct {
	Name string `json:"name"`
	Bus  string `json:"bus,omitempty"`
	// EventPattern is a JSON object, or its text as a string.
	EventPattern       json.RawMessage `json:"eventPattern,omitempty"`
	ScheduleExpression string          `json:"scheduleExpression,omitempty"`
	State              string          `json:"state,omitempty"`
	Description        string          `json:"description,omitempty"`
	Arn                string          `json:"arn,omitempty"` // ignored: a rule read back may be put again
	// Targets, when given, are put after the rule (replacing those of the
	// same id; others stay).
	Targets []ruleTarget `json:"targets,omitempty"`
}

// putRule answers POST /api/v1/rules: creates or replaces a rule (and puts
// its targets), then answers it as GET does.
func (h *handler) putRule(w http.ResponseWriter, r *http.Request) error {
	var req putRuleRequest
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	ns, ctx := namespaceOf(r), r.Context()
	pat := strings.TrimSpace(string(req.EventPattern))
	if strings.HasPrefix(pat, `"`) {
		if err := json.Unmarshal(req.EventPattern, &pat); err != nil {
			return badRequest("eventPattern: %v", err)
		}
	}
	targets := make([]events.Target, 0, len(req.Targets))
	for _, t := range req.Targets {
		arn := t.Workflow
		if arn != "" {
			var err error
			if arn, err = h.svc.StateMachineArnIn(ctx, ns, t.Workflow); err != nil {
				return err
			}
		}
		et := events.Target{Id: t.ID, Arn: arn, Input: t.Input, InputPath: t.InputPath}
		if t.InputTemplate != "" || t.InputPathsMap != nil {
			et.InputTransformer = &events.InputTransformer{InputPathsMap: t.InputPathsMap, InputTemplate: t.InputTemplate}
		}
		if t.MaxRetryAttempts != nil || t.MaxEventAge != nil {
			et.RetryPolicy = &events.RetryPolicy{MaximumRetryAttempts: t.MaxRetryAttempts, MaximumEventAgeInSeconds: t.MaxEventAge}
		}
		targets = append(targets, et)
	}
	if _, err := h.svc.PutRule(ctx, &service.PutRuleInput{Name: req.Name, EventBusName: req.Bus, EventPattern: pat,
		ScheduleExpression: req.ScheduleExpression, State: req.State, Description: req.Description, Namespace: ns}); err != nil {
		return err
	}
	if len(targets) > 0 {
		if _, err := h.svc.PutTargets(ctx, &service.PutTargetsInput{Rule: req.Name, EventBusName: req.Bus, Targets: targets, Namespace: ns}); err != nil {
			return err
		}
	}
	d, err := h.svc.DescribeRule(ctx, &service.RuleInput{Name: req.Name, EventBusName: req.Bus, Namespace: ns})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRule(d))
	return nil
}

// deleteRule answers DELETE /api/v1/rules/{name}?bus=&force=true (force:
// with its targets).
func (h *handler) deleteRule(w http.ResponseWriter, r *http.Request) error {
	force := r.URL.Query().Get("force")
	if force != "" && force != "true" && force != "false" {
		return badRequest("query parameter force=%q: want true or false", force)
	}
	if _, err := h.svc.DeleteRule(r.Context(), &service.RuleInput{Name: r.PathValue("name"), EventBusName: r.URL.Query().Get("bus"),
		Force: force == "true", Namespace: namespaceOf(r)}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// enableRule and disableRule answer POST /api/v1/rules/{name}/enable and
// /disable.
func (h *handler) enableRule(w http.ResponseWriter, r *http.Request) error {
	return h.setRuleState(w, r, h.svc.EnableRule)
}

func (h *handler) disableRule(w http.ResponseWriter, r *http.Request) error {
	return h.setRuleState(w, r, h.svc.DisableRule)
}

func (h *handler) setRuleState(w http.ResponseWriter, r *http.Request, set func(context.Context, *service.RuleInput) (*service.Empty, error)) error {
	in := &service.RuleInput{Name: r.PathValue("name"), EventBusName: r.URL.Query().Get("bus"), Namespace: namespaceOf(r)}
	if _, err := set(r.Context(), in); err != nil {
		return err
	}
	return h.getRule(w, r)
}

// eventEntry is one event of POST /api/v1/events.
type eventEntry struct {
	Source     string `json:"source"`
	DetailType string `json:"detailType"`
	// Detail is a JSON object (or its text as a string).
	Detail    json.RawMessage `json:"detail"`
	Bus       string          `json:"bus,omitempty"`
	Resources []string        `json:"resources,omitempty"`
	Time      *service.Time   `json:"time,omitempty"`
}

// putEvents answers POST /api/v1/events {"entries": [...]}: each entry's
// event id, or why it was refused, in order.
func (h *handler) putEvents(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Entries []eventEntry `json:"entries"`
	}
	if err := h.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	in := &service.PutEventsInput{Entries: make([]service.PutEventsEntry, 0, len(req.Entries)), Namespace: namespaceOf(r)}
	for i, e := range req.Entries {
		detail := strings.TrimSpace(string(e.Detail))
		if strings.HasPrefix(detail, `"`) {
			if err := json.Unmarshal(e.Detail, &detail); err != nil {
				return badRequest("entries[%d].detail: %v", i, err)
			}
		}
		in.Entries = append(in.Entries, service.PutEventsEntry{Source: e.Source, DetailType: e.DetailType, Detail: detail,
			EventBusName: e.Bus, Resources: e.Resources, Time: e.Time})
	}
	out, err := h.svc.PutEvents(r.Context(), in)
	if err != nil {
		return err
	}
	type result struct {
		EventID      string `json:"eventId,omitempty"`
		ErrorCode    string `json:"errorCode,omitempty"`
		ErrorMessage string `json:"errorMessage,omitempty"`
	}
	res := make([]result, 0, len(out.Entries))
	for _, e := range out.Entries {
		res = append(res, result{e.EventId, e.ErrorCode, e.ErrorMessage})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": res, "failedEntryCount": out.FailedEntryCount})
	return nil
}

// readBus returns the events on the namespace's buses after ?after= (0:
// from the oldest kept; -1: none, only the latest position), at most
// ?limit= (default and most 1000).
func (h *handler) readBus(w http.ResponseWriter, r *http.Request) error {
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if after < -1 {
		return badRequest("after %d: want a position from a previous answer's next, 0 (from the oldest kept) or -1 (from now)", after)
	}
	out, err := h.svc.ReadBus(r.Context(), namespaceOf(r), int64(after), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
