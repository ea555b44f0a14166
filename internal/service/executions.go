package service

import (
	"context"
	"fmt"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// Execution statuses.
const (
	StatusRunning        = "RUNNING"
	StatusSucceeded      = "SUCCEEDED"
	StatusFailed         = "FAILED"
	StatusTimedOut       = "TIMED_OUT"
	StatusAborted        = "ABORTED"
	StatusPendingRedrive = "PENDING_REDRIVE"
	// StatusSuccessAlias is accepted wherever a status is written, for
	// SUCCEEDED (PIPELINE.md: the field's DataMario writes it so).
	StatusSuccessAlias = "SUCCESS"
	// StatusQueued is Baton's: a pipeline run waiting for a slot of its
	// max_active_runs.
	StatusQueued = "QUEUED"
)

// Limits of execution members.
const (
	maxTraceHeaderLen = 256
	maxErrorLen       = 256
	maxCauseLen       = 32768
)

// target is what an execution runs: a state machine's latest revision, a
// version, or a version chosen through an alias.
type target struct {
	smArn, smName       string
	versionArn          string
	aliasArn            string
	typ                 string
	language            string
	definition, roleArn string
	bundle              string
}

// resolve finds what StartExecution's stateMachineArn designates.
func (s *Service) resolve(ctx context.Context, arn string) (*target, error) {
	a, err := parseArn("stateMachineArn", arn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return nil, err
	}
	t := &target{smArn: a.StateMachineArn(), smName: a.StateMachine}
	versionArn := arn
	switch a.Kind {
	case ArnStateMachine:
		sm, err := s.store.GetStateMachine(ctx, arn)
		if err != nil {
			return nil, storeErr(err, stateMachineNotFound(arn))
		}
		t.typ, t.language, t.definition, t.roleArn, t.bundle = sm.Type, sm.Language, sm.Definition, sm.RoleArn, sm.Bundle
		return t, nil
	case ArnAlias:
		al, err := s.store.GetAlias(ctx, arn)
		if err != nil {
			return nil, storeErr(err, stateMachineNotFound(arn))
		}
		if len(al.Routing) == 0 {
			return nil, stateMachineNotFound(arn)()
		}
		t.aliasArn = arn
		versionArn = s.pickRoute(al.Routing)
	}
	v, err := s.store.GetVersion(ctx, versionArn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(versionArn))
	}
	t.versionArn = v.Arn
	t.typ, t.language, t.definition, t.roleArn, t.bundle = v.Type, v.Language, v.Definition, v.RoleArn, v.Bundle
	return t, nil
}

// startRequest checks the common members of StartExecution and
// StartSyncExecution and builds the engine's request.
func (s *Service) startRequest(ctx context.Context, smArn, name, input, traceHeader string) (*StartRequest, error) {
	if err := required(field{"stateMachineArn", smArn}); err != nil {
		return nil, err
	}
	if name != "" {
		if err := checkName("execution", name); err != nil {
			return nil, err
		}
	}
	if len(traceHeader) > maxTraceHeaderLen {
		return nil, validationErrors([]string{fmt.Sprintf("Value at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to %d", maxTraceHeaderLen)})
	}
	input, err := s.checkInput(input)
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, smArn)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = s.cfg.NewID()
	}
	req := &StartRequest{
		StateMachineArn:  t.smArn,
		VersionArn:       t.versionArn,
		AliasArn:         t.aliasArn,
		StateMachineName: t.smName,
		Name:             name,
		Type:             t.typ,
		Language:         t.language,
		Definition:       t.definition,
		Bundle:           t.bundle,
		RoleArn:          t.roleArn,
		Input:            input,
		TraceHeader:      traceHeader,
	}
	// Runs live in their workflow's namespace: its region and account.
	in := arns{region: s.cfg.Region, account: s.cfg.AccountID}
	if a, err := ParseArn(t.smArn); err == nil {
		in = arns{region: a.Region, account: a.Account}
	}
	ns, err := s.namespaceOfAccount(ctx, in.account)
	if err != nil {
		return nil, err
	}
	req.Namespace = ns
	if t.typ == store.TypeExpress {
		req.ExecutionArn = in.express(t.smName, name, s.cfg.NewID())
	} else {
		req.ExecutionArn = in.execution(t.smName, name)
	}
	if t.language != asl.LanguageName {
		// A pipeline's data interval begins at its previous run's start.
		prev, _, err := s.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: t.smArn}, store.Page{Limit: 1})
		if err != nil {
			return nil, storeErr(err, nil)
		}
		if len(prev) > 0 {
			req.DataIntervalStart = prev[0].StartDate
		}
	}
	return req, nil
}

// StartExecution starts an execution of a state machine (its latest
// revision), a version, or an alias. On an Express state machine it starts
// an asynchronous Express execution.
func (s *Service) StartExecution(ctx context.Context, in *StartExecutionInput) (*StartExecutionOutput, error) {
	req, err := s.startRequest(ctx, in.StateMachineArn, in.Name, in.Input, in.TraceHeader)
	if err != nil {
		return nil, err
	}
	if !in.LogicalDate.IsZero() {
		// A backfill stands for its own date: the previous run's start
		// (now, or any time after it) would begin its interval after its
		// end. It covers its logical date, as baton run does.
		req.LogicalDate, req.DataIntervalStart = in.LogicalDate, in.DataIntervalStart
	}
	req.Trigger = in.Trigger
	ex, err := s.eng.Start(ctx, *req)
	if err != nil {
		return nil, err
	}
	return &StartExecutionOutput{ExecutionArn: ex.Arn, StartDate: NewTime(ex.StartDate)}, nil
}

// StartSyncExecution runs an Express execution to its end and returns its
// outcome.
func (s *Service) StartSyncExecution(ctx context.Context, in *StartSyncExecutionInput) (*StartSyncExecutionOutput, error) {
	if err := checkEnum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY"); err != nil {
		return nil, err
	}
	req, err := s.startRequest(ctx, in.StateMachineArn, in.Name, in.Input, in.TraceHeader)
	if err != nil {
		return nil, err
	}
	if req.Type != store.TypeExpress {
		return nil, apierr.New(apierr.StateMachineTypeNotSupported,
			"This operation is not supported by this type of state machine: StartSyncExecution runs EXPRESS state machines only; use StartExecution for '%s'", in.StateMachineArn)
	}
	ex, err := s.eng.StartSync(ctx, *req)
	if err != nil {
		return nil, err
	}
	out := &StartSyncExecutionOutput{
		ExecutionArn:    ex.Arn,
		StateMachineArn: ex.StateMachineArn,
		Name:            ex.Name,
		StartDate:       NewTime(ex.StartDate),
		StopDate:        NewTime(ex.StopDate),
		Status:          ex.Status,
		Error:           ex.Error,
		Cause:           ex.Cause,
		TraceHeader:     ex.TraceHeader,
		BillingDetails: &BillingDetails{
			BilledMemoryUsedInMB:         64,
			BilledDurationInMilliseconds: max(ex.StopDate.Sub(ex.StartDate).Milliseconds(), 0),
		},
	}
	if in.IncludedData != "METADATA_ONLY" {
		out.Input, out.InputDetails = ex.Input, &CloudWatchEventsExecutionDataDetails{Included: true}
		if ex.Status == StatusSucceeded {
			out.Output, out.OutputDetails = ex.Output, &CloudWatchEventsExecutionDataDetails{Included: true}
		}
	}
	return out, nil
}

// StopExecution aborts a running execution.
func (s *Service) StopExecution(ctx context.Context, in *StopExecutionInput) (*StopExecutionOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	if err := checkErrorCause(in.Error, in.Cause); err != nil {
		return nil, err
	}
	if _, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution); err != nil {
		return nil, err
	}
	ex, err := s.eng.Stop(ctx, in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	stop := ex.StopDate
	if stop.IsZero() {
		stop = s.now()
	}
	return &StopExecutionOutput{StopDate: NewTime(stop)}, nil
}

// DescribeExecution describes an execution.
func (s *Service) DescribeExecution(ctx context.Context, in *DescribeExecutionInput) (*DescribeExecutionOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	if err := checkEnum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY"); err != nil {
		return nil, err
	}
	if _, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution); err != nil {
		return nil, err
	}
	ex, err := s.store.GetExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, storeErr(err, executionNotFound(in.ExecutionArn))
	}
	out := &DescribeExecutionOutput{
		ID:                     ex.ID,
		ExecutionArn:           ex.Arn,
		StateMachineArn:        ex.StateMachineArn,
		Name:                   ex.Name,
		Status:                 ex.Status,
		StartDate:              NewTime(ex.StartDate),
		StopDate:               NewTime(ex.StopDate),
		TraceHeader:            ex.TraceHeader,
		Error:                  ex.Error,
		Cause:                  ex.Cause,
		StateMachineVersionArn: ex.VersionArn,
		StateMachineAliasArn:   ex.AliasArn,
	}
	if in.IncludedData != "METADATA_ONLY" {
		out.Input, out.InputDetails = ex.Input, &CloudWatchEventsExecutionDataDetails{Included: true}
		if ex.Status == StatusSucceeded {
			out.Output, out.OutputDetails = ex.Output, &CloudWatchEventsExecutionDataDetails{Included: true}
		}
	}
	if ex.Type != store.TypeExpress {
		n := ex.RedriveCount
		out.RedriveCount = &n
		out.RedriveDate = NewTime(ex.RedriveDate)
		out.RedriveStatus, out.RedriveStatusReason = redriveStatus(ex)
	} else {
		out.RedriveStatus, out.RedriveStatusReason = "NOT_REDRIVABLE", "Express executions cannot be redriven"
	}
	return out, nil
}

// redriveStatus tells whether RedriveExecution would accept ex.
func redriveStatus(ex *store.Execution) (string, string) {
	switch ex.Status {
	case StatusFailed, StatusTimedOut, StatusAborted:
		return "REDRIVABLE", ""
	}
	return "NOT_REDRIVABLE", fmt.Sprintf("Execution is %s and cannot be redriven", ex.Status)
}

// ListExecutions lists the executions of a state machine, version or alias,
// newest first, optionally of one status or redrive state.
func (s *Service) ListExecutions(ctx context.Context, in *ListExecutionsInput) (*ListExecutionsOutput, error) {
	if in.StatusFilter == StatusSuccessAlias {
		in.StatusFilter = StatusSucceeded
	}
	if in.StateMachineArn == "" && in.MapRunArn == "" {
		return nil, apierr.New(apierr.ValidationException, "Must provide a StateMachine ARN or MapRun ARN")
	}
	if in.StateMachineArn != "" && in.MapRunArn != "" {
		return nil, apierr.New(apierr.ValidationException, "Provide either a StateMachine ARN or a MapRun ARN, not both")
	}
	if err := checkEnum("statusFilter", in.StatusFilter, StatusRunning, StatusSucceeded, StatusFailed, StatusTimedOut, StatusAborted, StatusPendingRedrive, StatusQueued); err != nil {
		return nil, err
	}
	if err := checkEnum("redriveFilter", in.RedriveFilter, "REDRIVEN", "NOT_REDRIVEN"); err != nil {
		return nil, err
	}
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	if in.MapRunArn != "" {
		if _, err := parseArn("mapRunArn", in.MapRunArn, ArnMapRun); err != nil {
			return nil, err
		}
		return nil, resourceNotFound("map run", in.MapRunArn)()
	}
	a, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return nil, err
	}
	f := store.ExecutionFilter{StateMachineArn: a.StateMachineArn(), Status: in.StatusFilter}
	if _, err := s.store.GetStateMachine(ctx, f.StateMachineArn); err != nil {
		return nil, storeErr(err, stateMachineNotFound(f.StateMachineArn))
	}
	switch a.Kind {
	case ArnVersion:
		f.VersionArn = in.StateMachineArn
	case ArnAlias:
		f.AliasArn = in.StateMachineArn
	}
	switch in.RedriveFilter {
	case "REDRIVEN":
		t := true
		f.Redriven = &t
	case "NOT_REDRIVEN":
		fl := false
		f.Redriven = &fl
	}
	exs, next, err := s.store.ListExecutions(ctx, f, p)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(f.StateMachineArn))
	}
	out := &ListExecutionsOutput{Executions: make([]ExecutionListItem, 0, len(exs)), NextToken: next}
	for _, ex := range exs {
		it := ExecutionListItem{
			ExecutionArn:           ex.Arn,
			StateMachineArn:        ex.StateMachineArn,
			Name:                   ex.Name,
			Status:                 ex.Status,
			StartDate:              NewTime(ex.StartDate),
			StopDate:               NewTime(ex.StopDate),
			StateMachineVersionArn: ex.VersionArn,
			StateMachineAliasArn:   ex.AliasArn,
			RedriveDate:            NewTime(ex.RedriveDate),
		}
		if ex.Type != store.TypeExpress {
			n := ex.RedriveCount
			it.RedriveCount = &n
		}
		out.Executions = append(out.Executions, it)
	}
	return out, nil
}

// RedriveExecution resumes a failed, timed-out or aborted Standard
// execution from where it stopped.
func (s *Service) RedriveExecution(ctx context.Context, in *RedriveExecutionInput) (*RedriveExecutionOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution)
	if err != nil {
		return nil, err
	}
	if a.Kind == ArnExpressExecution {
		return nil, apierr.New(apierr.ExecutionNotRedrivable, "Execution '%s' is an Express execution: only Standard executions can be redriven", in.ExecutionArn)
	}
	if len(in.ClientToken) > 64 {
		return nil, validationErrors([]string{"Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64"})
	}
	ex, err := s.eng.Redrive(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	d := ex.RedriveDate
	if d.IsZero() {
		d = s.now()
	}
	return &RedriveExecutionOutput{RedriveDate: NewTime(d)}, nil
}

func checkErrorCause(errName, cause string) error {
	var msgs []string
	if len(errName) > maxErrorLen {
		msgs = append(msgs, fmt.Sprintf("Value at 'error' failed to satisfy constraint: Member must have length less than or equal to %d", maxErrorLen))
	}
	if len(cause) > maxCauseLen {
		msgs = append(msgs, fmt.Sprintf("Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to %d", maxCauseLen))
	}
	return validationErrors(msgs)
}

// RetryExecutionInput asks to run a step of an ended pipeline run, and
// everything downstream of it, again in the same execution.
type RetryExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	From         string `json:"from"` // the step
}

// RetryExecutionOutput is the execution, RUNNING again.
type RetryExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	RedriveDate  Time   `json:"redriveDate"`
	RedriveCount int    `json:"redriveCount"`
}

// stepRetrier is the engine's RetryFrom (an optional part of Engine, so
// that engines without languages with steps need not have it).
type stepRetrier interface {
	RetryFrom(ctx context.Context, executionArn, step string) (*store.Execution, error)
}

// RetryExecution runs a step of an ended pipeline run (SUCCEEDED, FAILED,
// TIMED_OUT or ABORTED) and everything downstream of it again, in the same
// execution: it is RUNNING again (a redrive, counted as one), and the
// outputs of the other steps are kept.
func (s *Service) RetryExecution(ctx context.Context, in *RetryExecutionInput) (*RetryExecutionOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}, field{"from", in.From}); err != nil {
		return nil, err
	}
	a, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution)
	if err != nil {
		return nil, err
	}
	if a.Kind == ArnExpressExecution {
		return nil, apierr.New(apierr.ExecutionNotRedrivable, "Execution '%s' is an Express execution: only Standard executions can be retried", in.ExecutionArn)
	}
	r, ok := s.eng.(stepRetrier)
	if !ok {
		return nil, apierr.New(apierr.ValidationException, "this server's engine cannot retry from a step")
	}
	ex, err := r.RetryFrom(ctx, in.ExecutionArn, in.From)
	if err != nil {
		return nil, err
	}
	return &RetryExecutionOutput{ExecutionArn: ex.Arn, RedriveDate: NewTime(ex.RedriveDate), RedriveCount: ex.RedriveCount}, nil
}
