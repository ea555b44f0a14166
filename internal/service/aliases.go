package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// CreateStateMachineAlias creates an alias routing executions to one or two
// versions of a state machine. Creating an alias that exists with the same
// routing and description returns it.
func (s *Service) CreateStateMachineAlias(ctx context.Context, in *CreateStateMachineAliasInput) (*CreateStateMachineAliasOutput, error) {
	if err := required(field{"name", in.Name}); err != nil {
		return nil, err
	}
	if in.RoutingConfiguration == nil {
		return nil, validationErrors([]string{"Value null at 'routingConfiguration' failed to satisfy constraint: Member must not be null"})
	}
	if err := checkAliasName(in.Name); err != nil {
		return nil, err
	}
	if err := checkAliasDescription(in.Description); err != nil {
		return nil, err
	}
	smArn, routes, err := s.checkRouting(ctx, in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetStateMachine(ctx, smArn); err != nil {
		return nil, storeErr(err, resourceNotFound("state machine", smArn))
	}
	now := s.now()
	al := &store.Alias{
		Arn:             aliasArn(smArn, in.Name),
		StateMachineArn: smArn,
		Name:            in.Name,
		Description:     in.Description,
		Routing:         routes,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	err = s.store.CreateAlias(ctx, al)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.store.GetAlias(ctx, al.Arn)
		if gerr != nil {
			return nil, storeErr(gerr, nil)
		}
		if old.Description != al.Description || !sameRoutes(old.Routing, al.Routing) {
			return nil, apierr.New(apierr.ConflictException,
				"Failed to create alias because an alias with the same name and a different routing configuration or description already exists: '%s' (change it with UpdateStateMachineAlias)", al.Arn)
		}
		return &CreateStateMachineAliasOutput{StateMachineAliasArn: old.Arn, CreationDate: NewTime(old.CreatedAt)}, nil
	}
	if err != nil {
		return nil, storeErr(err, resourceNotFound("state machine", smArn))
	}
	return &CreateStateMachineAliasOutput{StateMachineAliasArn: al.Arn, CreationDate: NewTime(al.CreatedAt)}, nil
}

// UpdateStateMachineAlias changes the description or routing of an alias.
func (s *Service) UpdateStateMachineAlias(ctx context.Context, in *UpdateStateMachineAliasInput) (*UpdateStateMachineAliasOutput, error) {
	if err := required(field{"stateMachineAliasArn", in.StateMachineAliasArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("stateMachineAliasArn", in.StateMachineAliasArn, ArnAlias)
	if err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, apierr.New(apierr.ValidationException, "Either the description or the RoutingConfiguration must be specified")
	}
	al, err := s.store.GetAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, storeErr(err, resourceNotFound("alias", in.StateMachineAliasArn))
	}
	if in.Description != nil {
		if err := checkAliasDescription(*in.Description); err != nil {
			return nil, err
		}
		al.Description = *in.Description
	}
	if in.RoutingConfiguration != nil {
		smArn, routes, err := s.checkRouting(ctx, in.RoutingConfiguration)
		if err != nil {
			return nil, err
		}
		if smArn != a.StateMachineArn() {
			return nil, apierr.New(apierr.ValidationException,
				"The routing configuration of alias '%s' must name versions of its state machine '%s', not of '%s'", al.Arn, a.StateMachineArn(), smArn)
		}
		al.Routing = routes
	}
	al.UpdatedAt = s.now()
	if err := s.store.UpdateAlias(ctx, al); err != nil {
		return nil, storeErr(err, resourceNotFound("alias", in.StateMachineAliasArn))
	}
	return &UpdateStateMachineAliasOutput{UpdateDate: NewTime(al.UpdatedAt)}, nil
}

// DeleteStateMachineAlias deletes an alias (not its versions).
func (s *Service) DeleteStateMachineAlias(ctx context.Context, in *DeleteStateMachineAliasInput) (*DeleteStateMachineAliasOutput, error) {
	if err := required(field{"stateMachineAliasArn", in.StateMachineAliasArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("stateMachineAliasArn", in.StateMachineAliasArn, ArnAlias); err != nil {
		return nil, err
	}
	if err := s.store.DeleteAlias(ctx, in.StateMachineAliasArn); err != nil {
		return nil, storeErr(err, resourceNotFound("alias", in.StateMachineAliasArn))
	}
	return &DeleteStateMachineAliasOutput{}, nil
}

// DescribeStateMachineAlias describes an alias.
func (s *Service) DescribeStateMachineAlias(ctx context.Context, in *DescribeStateMachineAliasInput) (*DescribeStateMachineAliasOutput, error) {
	if err := required(field{"stateMachineAliasArn", in.StateMachineAliasArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("stateMachineAliasArn", in.StateMachineAliasArn, ArnAlias); err != nil {
		return nil, err
	}
	al, err := s.store.GetAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, storeErr(err, resourceNotFound("alias", in.StateMachineAliasArn))
	}
	return &DescribeStateMachineAliasOutput{
		StateMachineAliasArn: al.Arn,
		Name:                 al.Name,
		Description:          al.Description,
		RoutingConfiguration: routingOf(al.Routing),
		CreationDate:         NewTime(al.CreatedAt),
		UpdateDate:           NewTime(al.UpdatedAt),
	}, nil
}

// ListStateMachineAliases lists the aliases of a state machine by name; for
// a version ARN, the aliases that route to that version.
func (s *Service) ListStateMachineAliases(ctx context.Context, in *ListStateMachineAliasesInput) (*ListStateMachineAliasesOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine, ArnVersion)
	if err != nil {
		return nil, err
	}
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	smArn := a.StateMachineArn()
	if _, err := s.store.GetStateMachine(ctx, smArn); err != nil {
		return nil, storeErr(err, stateMachineNotFound(smArn))
	}
	if a.Kind == ArnVersion {
		if _, err := s.store.GetVersion(ctx, in.StateMachineArn); err != nil {
			return nil, storeErr(err, resourceNotFound("version", in.StateMachineArn))
		}
	}
	as, next, err := s.store.ListAliases(ctx, smArn, p)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(smArn))
	}
	out := &ListStateMachineAliasesOutput{StateMachineAliases: make([]StateMachineAliasListItem, 0, len(as)), NextToken: next}
	for _, al := range as {
		if a.Kind == ArnVersion && !slices.ContainsFunc(al.Routing, func(r store.Route) bool { return r.VersionArn == in.StateMachineArn }) {
			continue
		}
		out.StateMachineAliases = append(out.StateMachineAliases, StateMachineAliasListItem{
			StateMachineAliasArn: al.Arn, CreationDate: NewTime(al.CreatedAt),
		})
	}
	return out, nil
}

// checkRouting checks an alias' routing configuration: one or two distinct
// existing versions of the same state machine, weights 0..100 summing to
// 100. It returns the state machine's ARN and the routes.
func (s *Service) checkRouting(ctx context.Context, items []RoutingConfigurationListItem) (string, []store.Route, error) {
	if len(items) < 1 || len(items) > 2 {
		return "", nil, validationErrors([]string{fmt.Sprintf("Value at 'routingConfiguration' failed to satisfy constraint: Member must have length between 1 and 2 (%d given)", len(items))})
	}
	var smArn string
	sum := 0
	routes := make([]store.Route, 0, len(items))
	for i, it := range items {
		if it.StateMachineVersionArn == "" {
			return "", nil, validationErrors([]string{fmt.Sprintf("Value null at 'routingConfiguration.%d.member.stateMachineVersionArn' failed to satisfy constraint: Member must not be null", i+1)})
		}
		a, err := parseArn("stateMachineVersionArn", it.StateMachineVersionArn, ArnVersion)
		if err != nil {
			return "", nil, err
		}
		if it.Weight < 0 || it.Weight > 100 {
			return "", nil, validationErrors([]string{fmt.Sprintf("Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value between 0 and 100", it.Weight, i+1)})
		}
		if i == 0 {
			smArn = a.StateMachineArn()
		} else if a.StateMachineArn() != smArn {
			return "", nil, apierr.New(apierr.ValidationException, "Routing configuration must contain versions of the same state machine: '%s' and '%s' differ", smArn, a.StateMachineArn())
		} else if it.StateMachineVersionArn == items[0].StateMachineVersionArn {
			return "", nil, apierr.New(apierr.ValidationException, "Routing configuration must contain distinct versions: '%s' appears twice", it.StateMachineVersionArn)
		}
		if _, err := s.store.GetVersion(ctx, it.StateMachineVersionArn); err != nil {
			return "", nil, storeErr(err, resourceNotFound("state machine version", it.StateMachineVersionArn))
		}
		sum += it.Weight
		routes = append(routes, store.Route{VersionArn: it.StateMachineVersionArn, Weight: it.Weight})
	}
	if sum != 100 {
		return "", nil, apierr.New(apierr.ValidationException, "Sum of routing configuration weights must equal 100 (they sum to %d)", sum)
	}
	return smArn, routes, nil
}

func checkAliasDescription(d string) error {
	if len(d) > maxDescriptionLen {
		return validationErrors([]string{fmt.Sprintf("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescriptionLen)})
	}
	return nil
}

func sameRoutes(a, b []store.Route) bool {
	return slices.Equal(a, b)
}

func routingOf(rs []store.Route) []RoutingConfigurationListItem {
	out := make([]RoutingConfigurationListItem, len(rs))
	for i, r := range rs {
		out[i] = RoutingConfigurationListItem{StateMachineVersionArn: r.VersionArn, Weight: r.Weight}
	}
	return out
}

// pickRoute chooses a version of an alias by weight with the service's
// random source.
func (s *Service) pickRoute(rs []store.Route) string {
	total := 0
	for _, r := range rs {
		total += r.Weight
	}
	if total <= 0 {
		return rs[0].VersionArn
	}
	n := s.cfg.Rand(total)
	for _, r := range rs {
		if n < r.Weight {
			return r.VersionArn
		}
		n -= r.Weight
	}
	return rs[len(rs)-1].VersionArn
}
