package service

// Workflow summaries: what the UI's workflows page (and a script) shows of
// many workflows at once — namespace, kind, tags and their latest runs —
// read with a bounded number of store calls per workflow.

import (
	"cmp"
	"context"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// MaxSummaryRuns bounds WorkflowSummariesInput.Runs.
const MaxSummaryRuns = 50

// WorkflowSummariesInput asks for a page of workflows.
type WorkflowSummariesInput struct {
	// Visible tells which namespaces to list (by name); nil: only
	// Namespace.
	Visible   func(namespace string) bool
	Namespace string
	// Runs is how many latest runs each item gets (0 to MaxSummaryRuns).
	Runs       int
	MaxResults int
	NextToken  string
}

// RunSummary is one run of a workflow summary.
type RunSummary struct {
	ExecutionArn string `json:"executionArn"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	StartDate    Time   `json:"startDate"`
	StopDate     Time   `json:"stopDate,omitzero"`
}

// WorkflowSummary is a workflow as lists show it.
type WorkflowSummary struct {
	StateMachineListItem
	Namespace  string            `json:"namespace"`
	Kind       string            `json:"kind"` // "pipeline" or "asl"
	Tags       map[string]string `json:"tags"`
	RecentRuns []RunSummary      `json:"recentRuns,omitempty"`
	// Filled by the caller that knows triggers (the server): the kinds of
	// trigger and the next scheduled run.
	TriggerKinds []string `json:"triggerKinds"`
	NextRun      *Time    `json:"nextRun"`
}

// WorkflowSummariesOutput is a page of workflow summaries, by name.
type WorkflowSummariesOutput struct {
	StateMachines []*WorkflowSummary `json:"stateMachines"`
	NextToken     string             `json:"nextToken,omitempty"`
}

// WorkflowSummaries lists workflows of one or several namespaces with
// their tags and latest runs.
func (s *Service) WorkflowSummaries(ctx context.Context, in *WorkflowSummariesInput) (*WorkflowSummariesOutput, error) {
	if in.Runs < 0 || in.Runs > MaxSummaryRuns {
		return nil, validationErrors([]string{"Value at 'runs' failed to satisfy constraint: Member must have value between 0 and 50"})
	}
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // account -> namespace, of those listed
	if in.Visible == nil {
		account, err := s.namespaceAccount(ctx, in.Namespace)
		if err != nil {
			return nil, err
		}
		names[account] = cmp.Or(in.Namespace, DefaultNamespace)
	} else {
		all, err := s.ListNamespaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range all {
			if in.Visible(n.Name) {
				names[n.AccountID] = n.Name
			}
		}
	}
	want := p.Limit
	if want <= 0 {
		want = 100
	}
	out := &WorkflowSummariesOutput{StateMachines: []*WorkflowSummary{}}
	for {
		p.Limit = want - len(out.StateMachines)
		sms, next, err := s.store.ListStateMachines(ctx, p)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, sm := range sms {
			ns, ok := names[accountOf(sm.Arn)]
			if !ok {
				continue
			}
			w, err := s.summary(ctx, sm, ns, in.Runs)
			if err != nil {
				return nil, err
			}
			out.StateMachines = append(out.StateMachines, w)
		}
		out.NextToken = next
		if next == "" || len(out.StateMachines) >= want {
			return out, nil
		}
		p.Token = next
	}
}

func (s *Service) summary(ctx context.Context, sm *store.StateMachine, ns string, runs int) (*WorkflowSummary, error) {
	w := &WorkflowSummary{
		StateMachineListItem: StateMachineListItem{StateMachineArn: sm.Arn, Name: sm.Name, Type: sm.Type, CreationDate: NewTime(sm.CreatedAt)},
		Namespace:            ns, Kind: kindOf(sm), TriggerKinds: []string{},
	}
	tags, err := s.store.ListTags(ctx, sm.Arn)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	w.Tags = tags
	if w.Tags == nil {
		w.Tags = map[string]string{}
	}
	if runs > 0 {
		exs, _, err := s.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: sm.Arn}, store.Page{Limit: runs})
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, e := range exs {
			w.RecentRuns = append(w.RecentRuns, RunSummary{ExecutionArn: e.Arn, Name: e.Name, Status: e.Status,
				StartDate: NewTime(e.StartDate), StopDate: NewTime(e.StopDate)})
		}
	}
	return w, nil
}

// kindOf is a workflow's kind as lists show it: "pipeline" or "asl".
func kindOf(sm *store.StateMachine) string {
	if sm.Language == pipeline.LanguageName {
		return "pipeline"
	}
	return "asl"
}

// WorkflowKind is the namespace and kind ("pipeline" or "asl") of a
// workflow, given its ARN or that of one of its versions or aliases.
func (s *Service) WorkflowKind(ctx context.Context, arn string) (namespace, kind string, err error) {
	a, err := ParseArn(arn)
	if err != nil {
		return "", "", err
	}
	sm, err := s.store.GetStateMachine(ctx, a.StateMachineArn())
	if err != nil {
		return "", "", storeErr(err, stateMachineNotFound(arn))
	}
	if namespace, err = s.NamespaceOfArn(ctx, arn); err != nil {
		return "", "", err
	}
	return namespace, kindOf(sm), nil
}
