package service

import (
	"context"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/graphview"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// This file serves what the web UI draws: a workflow's graph, the status
// of each step of a run, and the grid of a workflow's recent runs by step.
// internal/graphview does the work; here it meets the store.

// WorkflowGraph draws the definition of a state machine, a version or an
// alias (its main version: the one with the largest weight).
func (s *Service) WorkflowGraph(ctx context.Context, arn string) (*graphview.Graph, error) {
	if err := required(field{"stateMachineArn", arn}); err != nil {
		return nil, err
	}
	language, definition, err := s.definitionOf(ctx, arn)
	if err != nil {
		return nil, err
	}
	g, err := graphview.Of(language, definition)
	if err != nil {
		return nil, apierr.New(apierr.InvalidDefinition, "workflow %s cannot be drawn: %v; deploy it again", arn, err)
	}
	return g, nil
}

// definitionOf returns the language and definition of a state machine,
// version or alias ARN.
func (s *Service) definitionOf(ctx context.Context, arn string) (string, string, error) {
	a, err := parseArn("stateMachineArn", arn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return "", "", err
	}
	versionArn := arn
	switch a.Kind {
	case ArnStateMachine:
		sm, err := s.store.GetStateMachine(ctx, arn)
		if err != nil {
			return "", "", storeErr(err, stateMachineNotFound(arn))
		}
		return sm.Language, sm.Definition, nil
	case ArnAlias:
		if versionArn, err = s.aliasMainVersion(ctx, arn); err != nil {
			return "", "", err
		}
	}
	v, err := s.store.GetVersion(ctx, versionArn)
	if err != nil {
		return "", "", storeErr(err, stateMachineNotFound(versionArn))
	}
	return v.Language, v.Definition, nil
}

// StepStatus is the status of one state or step of an execution, as
// GET /api/v1/executions/{arn}/steps shows it.
type StepStatus struct {
	ID         string                `json:"id"`
	Status     string                `json:"status"`
	Attempts   int                   `json:"attempts"`
	StartDate  Time                  `json:"startDate,omitzero"`
	StopDate   Time                  `json:"stopDate,omitzero"`
	Error      string                `json:"error,omitempty"`
	Cause      string                `json:"cause,omitempty"`
	Iterations *graphview.Iterations `json:"iterations,omitempty"`
}

// ExecutionStepsOutput is the status of each step of an execution that
// has started, in the order they started, derived from its history up to
// LastEventID. Truncated says the history was longer than MaxStepsEvents:
// the statuses stop at LastEventID, and the history from there tells the
// rest.
type ExecutionStepsOutput struct {
	Steps       []StepStatus `json:"steps"`
	LastEventID int64        `json:"lastEventId"`
	Truncated   bool         `json:"truncated,omitempty"`
}

// MaxStepsEvents bounds the history events read to derive an execution's
// steps: past it, the answer says Truncated. Reading holds one page of
// events at a time and four bytes per event.
const MaxStepsEvents = 1 << 20

// historyPage is how many events a read of a history asks the store for.
const historyPage = 1000

// ExecutionSteps derives the status of each step of a Standard execution
// from its history, read a page at a time.
func (s *Service) ExecutionSteps(ctx context.Context, executionArn string) (*ExecutionStepsOutput, error) {
	if err := required(field{"executionArn", executionArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("executionArn", executionArn, ArnExecution); err != nil {
		return nil, err
	}
	ex, err := s.store.GetExecution(ctx, executionArn)
	if err != nil {
		return nil, storeErr(err, executionNotFound(executionArn))
	}
	st, truncated, err := s.stepsOf(ctx, ex)
	if err != nil {
		return nil, err
	}
	out := &ExecutionStepsOutput{Steps: []StepStatus{}, LastEventID: st.LastEventID(), Truncated: truncated}
	for _, x := range st.List() {
		out.Steps = append(out.Steps, StepStatus{ID: x.ID, Status: x.Status, Attempts: x.Attempts,
			StartDate: NewTime(x.StartDate), StopDate: NewTime(x.StopDate), Error: x.Error, Cause: x.Cause, Iterations: x.Iterations})
	}
	return out, nil
}

// stepsOf reads an execution's history through graphview.Steps, a page at
// a time, decoding only the events whose details it needs; it reports
// whether it stopped at MaxStepsEvents.
func (s *Service) stepsOf(ctx context.Context, ex *store.Execution) (*graphview.Steps, bool, error) {
	st := graphview.NewSteps(ex.Language == pipeline.LanguageName)
	if ex.Type == store.TypeExpress {
		return st, false, nil // no history is kept
	}
	token, read := "", 0
	for {
		events, next, err := s.store.History(ctx, ex.Arn, false, store.Page{Limit: historyPage, Token: token})
		if err != nil {
			return nil, false, storeErr(err, executionNotFound(ex.Arn))
		}
		for _, e := range events {
			ev := graphview.Event{ID: e.ID, Previous: e.Previous, Type: e.Type, Timestamp: e.Timestamp}
			if graphview.NeedsDetails(e.Type) {
				graphview.SetDetails(&ev, e.Body)
			}
			st.Apply(ev)
		}
		read += len(events)
		if next == "" || len(events) == 0 {
			return st, false, nil
		}
		if read >= MaxStepsEvents {
			return st, true, nil
		}
		token = next
	}
}

// Limits of a runs grid.
const (
	DefaultGridRuns = 25
	MaxGridRuns     = 100
)

// WorkflowGridInput asks for a page of a workflow's runs by step.
type WorkflowGridInput struct {
	StateMachineArn string
	MaxResults      int // 0: DefaultGridRuns; at most MaxGridRuns
	NextToken       string
}

// GridRun is one run (column) of a grid.
type GridRun struct {
	ExecutionArn string `json:"executionArn"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	StartDate    Time   `json:"startDate"`
	StopDate     Time   `json:"stopDate,omitzero"`
}

// WorkflowGridOutput is a page of runs, newest first, with the status of
// each step in each run: Cells[i][j] is the status of Steps[j] in Runs[i]
// ("" when that run did not reach it).
type WorkflowGridOutput struct {
	Runs      []GridRun  `json:"runs"`
	Steps     []string   `json:"steps"`
	Cells     [][]string `json:"cells"`
	NextToken string     `json:"next,omitempty"`
}

// WorkflowGrid returns a page of a workflow's runs (of a version or an
// alias: the runs started through it), newest first, with
// the status of each of its steps in each: the steps of the workflow's
// graph in graph order, then any other step the page's runs went through
// (a step an older version had). Only the page's runs are read.
func (s *Service) WorkflowGrid(ctx context.Context, in *WorkflowGridInput) (*WorkflowGridOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	limit := in.MaxResults
	switch {
	case limit == 0:
		limit = DefaultGridRuns
	case limit < 0 || limit > MaxGridRuns:
		return nil, apierr.New(apierr.ValidationException, "a grid shows 1 to %d runs a page, not %d; page with the next token", MaxGridRuns, limit)
	}
	a, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return nil, err
	}
	f := store.ExecutionFilter{StateMachineArn: a.StateMachineArn()}
	switch a.Kind {
	case ArnVersion:
		f.VersionArn = in.StateMachineArn
	case ArnAlias:
		f.AliasArn = in.StateMachineArn
	}
	p, err := page(limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	g, err := s.WorkflowGraph(ctx, in.StateMachineArn)
	if e, ok := apierr.As(err); ok && e.Code == apierr.InvalidDefinition {
		// A definition an older server stored and this one cannot read:
		// the runs still tell their steps.
		g, err = &graphview.Graph{}, nil
	}
	if err != nil {
		return nil, err
	}
	exs, next, err := s.store.ListExecutions(ctx, f, p)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
	}
	out := &WorkflowGridOutput{Runs: make([]GridRun, 0, len(exs)), Steps: g.StepIDs(), Cells: make([][]string, 0, len(exs)), NextToken: next}
	col := make(map[string]int, len(out.Steps))
	for j, id := range out.Steps {
		col[id] = j
	}
	lists := make([][]graphview.Step, 0, len(exs))
	for _, ex := range exs {
		out.Runs = append(out.Runs, GridRun{ExecutionArn: ex.Arn, Name: ex.Name, Status: ex.Status,
			StartDate: NewTime(ex.StartDate), StopDate: NewTime(ex.StopDate)})
		st, _, err := s.stepsOf(ctx, ex)
		if err != nil {
			return nil, err
		}
		list := st.List()
		for _, x := range list {
			if _, ok := col[x.ID]; !ok {
				col[x.ID] = len(out.Steps)
				out.Steps = append(out.Steps, x.ID)
			}
		}
		lists = append(lists, list)
	}
	for _, list := range lists {
		row := make([]string, len(out.Steps))
		for _, x := range list {
			row[col[x.ID]] = x.Status
		}
		out.Cells = append(out.Cells, row)
	}
	return out, nil
}
