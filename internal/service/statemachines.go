package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// Limits of state machine members, as Step Functions has them.
const (
	maxDescriptionLen = 256
	maxRoleArnLen     = 256
)

// StateMachineStatusActive is the status of every stored state machine
// (Baton deletes at once, so it never reports DELETING).
const StateMachineStatusActive = "ACTIVE"

// CreateStateMachine creates a state machine, optionally publishing its
// first version. Creating one that exists with the same definition, role
// and type returns the existing one.
func (s *Service) CreateStateMachine(ctx context.Context, in *CreateStateMachineInput) (*CreateStateMachineOutput, error) {
	if err := required(field{"name", in.Name}, field{"definition", in.Definition}); err != nil {
		return nil, err
	}
	if err := checkName("state machine", in.Name); err != nil {
		return nil, err
	}
	if err := checkEnum("type", in.Type, store.TypeStandard, store.TypeExpress); err != nil {
		return nil, err
	}
	typ := typeOr(in.Type)
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if err := checkVersionDescription(in.Publish, in.VersionDescription); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkLogging(in.LoggingConfiguration); err != nil {
		return nil, err
	}
	if err := s.checkDefinition(in.Definition, typ); err != nil {
		return nil, err
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sm := &store.StateMachine{
		Arn:                  arns{region: s.cfg.Region, account: account}.stateMachine(in.Name),
		Name:                 in.Name,
		Type:                 typ,
		Language:             asl.LanguageName, // CreateStateMachine takes ASL; pipelines come through deploys
		Definition:           in.Definition,
		RoleArn:              in.RoleArn,
		LoggingConfiguration: marshalConfig(in.LoggingConfiguration),
		TracingConfiguration: marshalConfig(in.TracingConfiguration),
		RevisionID:           s.cfg.NewID(),
		CreatedAt:            now,
		UpdatedAt:            now,
	}
	err = s.store.CreateStateMachine(ctx, sm)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.store.GetStateMachine(ctx, sm.Arn)
		if gerr != nil {
			return nil, storeErr(gerr, nil)
		}
		if old.Definition != sm.Definition || old.RoleArn != sm.RoleArn || old.Type != sm.Type {
			return nil, apierr.New(apierr.StateMachineAlreadyExists,
				"State Machine Already Exists: '%s' (with a different definition, role or type; update it with UpdateStateMachine)", sm.Arn)
		}
		out := &CreateStateMachineOutput{StateMachineArn: old.Arn, CreationDate: NewTime(old.CreatedAt)}
		if in.Publish {
			v, err := s.publish(ctx, old, in.VersionDescription, "")
			if err != nil {
				return nil, err
			}
			out.StateMachineVersionArn = v.Arn
		}
		return out, nil
	}
	if err != nil {
		return nil, storeErr(err, nil)
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagResource(ctx, sm.Arn, tagMap(in.Tags)); err != nil {
			return nil, storeErr(err, nil)
		}
	}
	s.changed()
	out := &CreateStateMachineOutput{StateMachineArn: sm.Arn, CreationDate: NewTime(sm.CreatedAt)}
	if in.Publish {
		v, err := s.publish(ctx, sm, in.VersionDescription, "")
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = v.Arn
	}
	return out, nil
}

// UpdateStateMachine changes the definition, role, logging or tracing of a
// state machine (a new revision), optionally publishing it as a version.
// Running executions keep the definition they started with.
func (s *Service) UpdateStateMachine(ctx context.Context, in *UpdateStateMachineInput) (*UpdateStateMachineOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine); err != nil {
		return nil, err
	}
	if in.Definition == "" && in.RoleArn == "" && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, apierr.New(apierr.MissingRequiredParameter,
			"Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if err := checkVersionDescription(in.Publish, in.VersionDescription); err != nil {
		return nil, err
	}
	if err := checkLogging(in.LoggingConfiguration); err != nil {
		return nil, err
	}
	sm, err := s.store.GetStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
	}
	if in.Definition != "" && sm.Bundle != "" {
		return nil, apierr.New(apierr.ValidationException,
			"%s is a pipeline project deployed with baton deploy: change its definition by deploying the project again (baton deploy DIR), not with UpdateStateMachine", in.StateMachineArn)
	}
	if in.Definition != "" {
		if err := s.checkDefinition(in.Definition, sm.Type); err != nil {
			return nil, err
		}
		sm.Definition, sm.Language = in.Definition, asl.LanguageName
	}
	if in.RoleArn != "" {
		sm.RoleArn = in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		sm.LoggingConfiguration = marshalConfig(in.LoggingConfiguration)
	}
	if in.TracingConfiguration != nil {
		sm.TracingConfiguration = marshalConfig(in.TracingConfiguration)
	}
	sm.RevisionID = s.cfg.NewID()
	sm.UpdatedAt = s.now()
	if err := s.store.UpdateStateMachine(ctx, sm); err != nil {
		return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
	}
	s.changed()
	out := &UpdateStateMachineOutput{UpdateDate: NewTime(sm.UpdatedAt), RevisionID: sm.RevisionID}
	if in.Publish {
		v, err := s.publish(ctx, sm, in.VersionDescription, "")
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = v.Arn
	}
	return out, nil
}

// DeleteStateMachine deletes a state machine with its versions, aliases and
// tags. Its executions stay; deleting an unknown state machine succeeds.
func (s *Service) DeleteStateMachine(ctx context.Context, in *DeleteStateMachineInput) (*DeleteStateMachineOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return nil, err
	}
	if a.Kind != ArnStateMachine {
		return nil, apierr.New(apierr.ValidationException,
			"DeleteStateMachine takes an unqualified state machine ARN, not a %s ARN: delete versions with DeleteStateMachineVersion and aliases with DeleteStateMachineAlias", a.Kind)
	}
	if err := s.store.DeleteStateMachine(ctx, in.StateMachineArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, storeErr(err, nil)
	}
	s.changed()
	return &DeleteStateMachineOutput{}, nil
}

// DescribeStateMachine describes a state machine, a version (version ARN)
// or the version an alias routes most executions to (alias ARN).
func (s *Service) DescribeStateMachine(ctx context.Context, in *DescribeStateMachineInput) (*DescribeStateMachineOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	if err := checkEnum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY"); err != nil {
		return nil, err
	}
	a, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine, ArnVersion, ArnAlias)
	if err != nil {
		return nil, err
	}
	versionArn := in.StateMachineArn
	switch a.Kind {
	case ArnStateMachine:
		sm, err := s.store.GetStateMachine(ctx, in.StateMachineArn)
		if err != nil {
			return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
		}
		return &DescribeStateMachineOutput{
			StateMachineArn:      sm.Arn,
			Name:                 sm.Name,
			Status:               StateMachineStatusActive,
			Definition:           sm.Definition,
			RoleArn:              sm.RoleArn,
			Type:                 sm.Type,
			CreationDate:         NewTime(sm.CreatedAt),
			LoggingConfiguration: loggingOf(sm.LoggingConfiguration),
			TracingConfiguration: tracingOf(sm.TracingConfiguration),
			RevisionID:           sm.RevisionID,
			Description:          sm.Description,
		}, nil
	case ArnAlias:
		if versionArn, err = s.aliasMainVersion(ctx, in.StateMachineArn); err != nil {
			return nil, err
		}
	}
	v, err := s.store.GetVersion(ctx, versionArn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(versionArn))
	}
	out := &DescribeStateMachineOutput{
		StateMachineArn:      v.Arn,
		Name:                 a.StateMachine,
		Status:               StateMachineStatusActive,
		Definition:           v.Definition,
		RoleArn:              v.RoleArn,
		Type:                 v.Type,
		CreationDate:         NewTime(v.CreatedAt),
		LoggingConfiguration: loggingOf(""),
		TracingConfiguration: tracingOf(""),
		RevisionID:           v.RevisionID,
		Description:          v.Description,
	}
	if sm, err := s.store.GetStateMachine(ctx, v.StateMachineArn); err == nil {
		out.LoggingConfiguration = loggingOf(sm.LoggingConfiguration)
		out.TracingConfiguration = tracingOf(sm.TracingConfiguration)
	}
	return out, nil
}

// aliasMainVersion returns the version an alias routes most of its
// executions to (the first of the largest weight).
func (s *Service) aliasMainVersion(ctx context.Context, aliasArn string) (string, error) {
	al, err := s.store.GetAlias(ctx, aliasArn)
	if err != nil {
		return "", storeErr(err, stateMachineNotFound(aliasArn))
	}
	if len(al.Routing) == 0 {
		return "", stateMachineNotFound(aliasArn)()
	}
	main := al.Routing[0]
	for _, r := range al.Routing[1:] {
		if r.Weight > main.Weight {
			main = r
		}
	}
	return main.VersionArn, nil
}

// ListStateMachines lists state machines by name, one page at a time.
func (s *Service) ListStateMachines(ctx context.Context, in *ListStateMachinesInput) (*ListStateMachinesOutput, error) {
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	// The store lists every namespace's: pages are read until this one's
	// fill the page (namespaces and workflows are few).
	out := &ListStateMachinesOutput{StateMachines: []StateMachineListItem{}}
	want := p.Limit
	if want <= 0 {
		want = 100 // the store's default page, as AWS's
	}
	for {
		p.Limit = want - len(out.StateMachines)
		sms, next, err := s.store.ListStateMachines(ctx, p)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, sm := range sms {
			if accountOf(sm.Arn) == account {
				out.StateMachines = append(out.StateMachines, StateMachineListItem{
					StateMachineArn: sm.Arn, Name: sm.Name, Type: sm.Type, CreationDate: NewTime(sm.CreatedAt),
				})
			}
		}
		out.NextToken = next
		if next == "" || len(out.StateMachines) >= want {
			return out, nil
		}
		p.Token = next
	}
}

// DescribeStateMachineForExecution describes the state machine as a given
// execution runs it: the definition and role it started with.
func (s *Service) DescribeStateMachineForExecution(ctx context.Context, in *DescribeStateMachineForExecutionInput) (*DescribeStateMachineForExecutionOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	if err := checkEnum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY"); err != nil {
		return nil, err
	}
	a, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution)
	if err != nil {
		return nil, err
	}
	ex, err := s.store.GetExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, storeErr(err, executionNotFound(in.ExecutionArn))
	}
	out := &DescribeStateMachineForExecutionOutput{
		StateMachineArn:      ex.StateMachineArn,
		Name:                 a.StateMachine,
		Definition:           ex.Definition,
		RoleArn:              ex.RoleArn,
		UpdateDate:           NewTime(ex.StartDate),
		LoggingConfiguration: loggingOf(""),
		TracingConfiguration: tracingOf(""),
	}
	if ex.VersionArn != "" {
		if v, err := s.store.GetVersion(ctx, ex.VersionArn); err == nil {
			out.UpdateDate = NewTime(v.CreatedAt)
			out.RevisionID = v.RevisionID
		}
	}
	if sm, err := s.store.GetStateMachine(ctx, ex.StateMachineArn); err == nil {
		out.LoggingConfiguration = loggingOf(sm.LoggingConfiguration)
		out.TracingConfiguration = tracingOf(sm.TracingConfiguration)
		if ex.VersionArn == "" && sm.Definition == ex.Definition && sm.RoleArn == ex.RoleArn {
			out.UpdateDate = NewTime(sm.UpdatedAt)
			out.RevisionID = sm.RevisionID
		}
	}
	return out, nil
}

// --- helpers ---

func checkRoleArn(role string) error {
	if role == "" {
		return nil
	}
	if len(role) > maxRoleArnLen {
		return validationErrors([]string{fmt.Sprintf("Value at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to %d", maxRoleArnLen)})
	}
	if len(role) < 4 || role[:4] != "arn:" {
		return apierr.New(apierr.InvalidArn, "Invalid Arn: '%s' (roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/NAME; Baton does not use it)", role)
	}
	return nil
}

func checkVersionDescription(publish bool, desc string) error {
	if desc != "" && !publish {
		return apierr.New(apierr.ValidationException, "Version description can only be set when publish is true")
	}
	if len(desc) > maxDescriptionLen {
		return validationErrors([]string{fmt.Sprintf("Value at 'versionDescription' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescriptionLen)})
	}
	return nil
}

func checkLogging(l *LoggingConfiguration) error {
	if l == nil {
		return nil
	}
	return checkEnum("loggingConfiguration.level", l.Level, "ALL", "ERROR", "FATAL", "OFF")
}

// marshalConfig renders a logging or tracing configuration as the store
// keeps it ("" when not given).
func marshalConfig(v any) string {
	switch c := v.(type) {
	case *LoggingConfiguration:
		if c == nil {
			return ""
		}
	case *TracingConfiguration:
		if c == nil {
			return ""
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// loggingOf returns the stored logging configuration, or AWS's default
// (level OFF) when none was set.
func loggingOf(s string) *LoggingConfiguration {
	l := &LoggingConfiguration{}
	if s == "" || json.Unmarshal([]byte(s), l) != nil {
		l = &LoggingConfiguration{}
	}
	if l.Level == "" {
		l.Level = "OFF"
	}
	return l
}

// tracingOf returns the stored tracing configuration, or disabled.
func tracingOf(s string) *TracingConfiguration {
	t := &TracingConfiguration{}
	if s != "" && json.Unmarshal([]byte(s), t) != nil {
		t = &TracingConfiguration{}
	}
	return t
}
