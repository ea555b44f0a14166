package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// initialRevision is the revisionId that matches a state machine never
// updated since its creation (as in Step Functions).
const initialRevision = "INITIAL"

// PublishStateMachineVersion publishes the current revision of a state
// machine as a new version. Publishing a revision that already has a
// version returns that version.
func (s *Service) PublishStateMachineVersion(ctx context.Context, in *PublishStateMachineVersionInput) (*PublishStateMachineVersionOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine); err != nil {
		return nil, err
	}
	if len(in.Description) > maxDescriptionLen {
		return nil, validationErrors([]string{fmt.Sprintf("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescriptionLen)})
	}
	sm, err := s.store.GetStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
	}
	v, err := s.publish(ctx, sm, in.Description, in.RevisionID)
	if err != nil {
		return nil, err
	}
	return &PublishStateMachineVersionOutput{CreationDate: NewTime(v.CreatedAt), StateMachineVersionArn: v.Arn}, nil
}

// publish creates a version of sm's current revision, or returns the one
// that exists for it. revision, when set, must be sm's current revision.
func (s *Service) publish(ctx context.Context, sm *store.StateMachine, description, revision string) (*store.Version, error) {
	switch {
	case revision == "", revision == sm.RevisionID:
	case revision == initialRevision && sm.UpdatedAt.Equal(sm.CreatedAt):
	default:
		return nil, apierr.New(apierr.ConflictException,
			"Failed to publish the state machine version: the current revision of '%s' is '%s', not '%s' (it changed since you read it)", sm.Arn, sm.RevisionID, revision)
	}
	latest, _, err := s.store.ListVersions(ctx, sm.Arn, store.Page{Limit: 1})
	if err != nil {
		return nil, storeErr(err, nil)
	}
	if len(latest) > 0 && latest[0].RevisionID == sm.RevisionID {
		v := latest[0]
		if description != "" && description != v.Description {
			return nil, apierr.New(apierr.ConflictException,
				"Version '%s' already publishes the current revision with a different description", v.Arn)
		}
		return v, nil
	}
	v := &store.Version{
		StateMachineArn: sm.Arn,
		Language:        sm.Language,
		Definition:      sm.Definition,
		Bundle:          sm.Bundle,
		RoleArn:         sm.RoleArn,
		Type:            sm.Type,
		Description:     description,
		RevisionID:      sm.RevisionID,
		CreatedAt:       s.now(),
	}
	if err := s.store.CreateVersion(ctx, v); err != nil {
		return nil, storeErr(err, stateMachineNotFound(sm.Arn))
	}
	if v.Arn == "" {
		v.Arn = versionArn(sm.Arn, v.Number)
	}
	return v, nil
}

// ListStateMachineVersions lists the versions of a state machine, newest
// first.
func (s *Service) ListStateMachineVersions(ctx context.Context, in *ListStateMachineVersionsInput) (*ListStateMachineVersionsOutput, error) {
	if err := required(field{"stateMachineArn", in.StateMachineArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("stateMachineArn", in.StateMachineArn, ArnStateMachine); err != nil {
		return nil, err
	}
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	vs, next, err := s.store.ListVersions(ctx, in.StateMachineArn, p)
	if err != nil {
		return nil, storeErr(err, stateMachineNotFound(in.StateMachineArn))
	}
	out := &ListStateMachineVersionsOutput{StateMachineVersions: make([]StateMachineVersionListItem, 0, len(vs)), NextToken: next}
	for _, v := range vs {
		out.StateMachineVersions = append(out.StateMachineVersions, StateMachineVersionListItem{
			StateMachineVersionArn: v.Arn, CreationDate: NewTime(v.CreatedAt),
		})
	}
	return out, nil
}

// DeleteStateMachineVersion deletes a version that no alias routes to.
// Deleting an unknown version succeeds.
func (s *Service) DeleteStateMachineVersion(ctx context.Context, in *DeleteStateMachineVersionInput) (*DeleteStateMachineVersionOutput, error) {
	if err := required(field{"stateMachineVersionArn", in.StateMachineVersionArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("stateMachineVersionArn", in.StateMachineVersionArn, ArnVersion)
	if err != nil {
		return nil, err
	}
	aliases, err := s.allAliases(ctx, a.StateMachineArn())
	if err != nil {
		return nil, err
	}
	for _, al := range aliases {
		for _, r := range al.Routing {
			if r.VersionArn == in.StateMachineVersionArn {
				return nil, apierr.New(apierr.ConflictException,
					"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s] (update or delete the alias first)", al.Arn)
			}
		}
	}
	if err := s.store.DeleteVersion(ctx, in.StateMachineVersionArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, storeErr(err, nil)
	}
	return &DeleteStateMachineVersionOutput{}, nil
}

// allAliases returns every alias of a state machine (none when it does
// not exist).
func (s *Service) allAliases(ctx context.Context, stateMachineArn string) ([]*store.Alias, error) {
	var all []*store.Alias
	p := store.Page{Limit: 1000}
	for {
		as, next, err := s.store.ListAliases(ctx, stateMachineArn, p)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, storeErr(err, nil)
		}
		all = append(all, as...)
		if next == "" {
			return all, nil
		}
		p.Token = next
	}
}
